/**
 * The lab checks itself: can a run's real-clock numbers be trusted as the ENGINE's numbers, or did the
 * machine (client, network, router, HTTP servers sharing a few busy cores) add enough time to distort
 * them? Pure: a Summary and the clock in, a verdict with one line for people out. The client writes it
 * into run.json, the lab into summary.json and its progress lines, the analysis into the report; all
 * three call this one function.
 *
 * The two signals and their limits:
 * - Serving overhead (client TTFT − the engine's TTFT from `nvext.timing`, per request): flagged when
 *   its mean exceeds OVERHEAD_SHARE_LIMIT (10 %) of the mean TTFT of the same requests. The engine's
 *   time is what the simulation means; the rest is this machine.
 * - Send lateness (open loop: how late the pacer sent against the schedule): flagged when its p90
 *   exceeds LATE_SHARE_LIMIT (10 %) of the mean TTFT AND LATE_FLOOR_MS (1 ms, the pacer's timer
 *   granularity: below it lateness is the timer's, not a busy machine's). Late sends mean the offered
 *   load was not the one asked for, on the time scale of the latencies being measured.
 * Either one makes the verdict 'cpu-bound'. Without engine timing (a remote target that does not send
 * it) the overhead is 'unavailable' — never guessed — and only lateness can flag. In virtual time
 * there is no serving path: the overhead is 0 by construction and the verdict is 'n/a (virtual clock)'.
 */
import type { Summary } from './records.ts';

/** Mean serving overhead above this share of mean TTFT flags a run. */
export const OVERHEAD_SHARE_LIMIT = 0.1;
/** p90 send lateness above this share of mean TTFT (and above LATE_FLOOR_MS) flags a run. */
export const LATE_SHARE_LIMIT = 0.1;
/** Send lateness at or below this is the pacer's timer granularity, never flagged. */
export const LATE_FLOOR_MS = 1;

export const CPU_BOUND_ADVICE = 'results are CPU-bound; lower --speedup-ratio or use --clock virtual';

export type ServingClock = 'real' | 'virtual';

export interface ServingCheck {
  /**
   * 'ok': measured and within the limits; 'cpu-bound': a limit exceeded (`reasons`); 'unavailable':
   * no answer carried the engine's timing and lateness did not flag; 'virtual': virtual clock (n/a).
   */
  status: 'ok' | 'cpu-bound' | 'unavailable' | 'virtual';
  /** Which limits were exceeded. */
  reasons: Array<'overhead' | 'send-lateness'>;
  /** Mean serving overhead, ms (null when unavailable or virtual). */
  overheadMs: number | null;
  /** Mean serving overhead / mean TTFT of the same requests. */
  overheadShare: number | null;
  /** p90 send lateness, ms (null in closed loops and virtual time). */
  sendLateP90Ms: number | null;
  /** p90 send lateness / mean TTFT. */
  sendLateShare: number | null;
  /** One line: the figure, and when flagged what it means and what to do. */
  message: string;
}

/** 38 ms, 3.1 ms, 0.42 ms. */
function ms(v: number): string {
  const a = Math.abs(v);
  return `${v.toFixed(a >= 10 ? 0 : a >= 1 ? 1 : 2)} ms`;
}

/** 45 %, 2.4 %. */
function pct(share: number): string {
  const p = share * 100;
  return `${p.toFixed(Math.abs(p) >= 10 ? 0 : 1)} %`;
}

/** Short form for table cells: 'ok', '⚠ CPU-bound', 'unavailable', 'n/a (virtual clock)'. */
export function servingCheckLabel(c: ServingCheck): string {
  if (c.status === 'cpu-bound') return '⚠ CPU-bound';
  if (c.status === 'virtual') return 'n/a (virtual clock)';
  return c.status;
}

/** The verdict on one run (see the module comment). Old summaries without the fields count as unavailable. */
export function servingCheck(summary: Summary, clock: ServingClock): ServingCheck {
  if (clock === 'virtual') {
    return { status: 'virtual', reasons: [], overheadMs: null, overheadShare: null, sendLateP90Ms: null, sendLateShare: null, message: 'serving overhead: n/a (virtual clock)' };
  }
  const o = summary.servingOverheadMs;
  const overheadMs = o && o.count > 0 ? o.mean : null;
  const overheadShare = overheadMs !== null ? (summary.servingOverheadShare ?? null) : null;
  const ttftMean = summary.ttftMs?.mean ?? null;
  const l = summary.sendLateMs;
  const sendLateP90Ms = l && l.count > 0 ? l.p90 : null;
  const sendLateShare = sendLateP90Ms !== null && ttftMean !== null && ttftMean > 0 ? sendLateP90Ms / ttftMean : null;

  const reasons: ServingCheck['reasons'] = [];
  if (overheadShare !== null && overheadShare > OVERHEAD_SHARE_LIMIT) reasons.push('overhead');
  if (sendLateP90Ms !== null && sendLateShare !== null && sendLateP90Ms > LATE_FLOOR_MS && sendLateShare > LATE_SHARE_LIMIT) reasons.push('send-lateness');

  const flags: string[] = [];
  if (reasons.includes('overhead')) flags.push(`this machine adds ${ms(overheadMs!)} (${pct(overheadShare!)}) to TTFT`);
  if (reasons.includes('send-lateness')) flags.push(`sends ran late (p90 ${ms(sendLateP90Ms!)}, ${pct(sendLateShare!)} of mean TTFT)`);
  let info = '';
  if (overheadMs === null) info = 'serving overhead unavailable: no answer carried the engine’s nvext.timing';
  else if (!reasons.includes('overhead')) info = `serving overhead ${ms(overheadMs)} (${overheadShare === null ? '-' : pct(overheadShare)} of TTFT)`;

  const status: ServingCheck['status'] = reasons.length > 0 ? 'cpu-bound' : overheadMs === null ? 'unavailable' : 'ok';
  const message = flags.length > 0 ? `${flags.join(' and ')}: ${CPU_BOUND_ADVICE}${info ? ` (${info})` : ''}` : info;
  return { status, reasons, overheadMs, overheadShare, sendLateP90Ms, sendLateShare, message };
}
