/**
 * Goodput against service-level objectives: the share and the rate of requests that met EVERY SLO
 * (vLLM's `--goodput ttft:500 tpot:50` idea, with our unit-suffixed metric names). Shared by the
 * client (run.json `goodput`) and src/analysis (reports). Pure.
 *
 * Rules: a failed request never meets the SLOs. A null TPOT (fewer than two output tokens) meets any
 * TPOT SLO, as vLLM counts it as 0; any other missing metric fails its SLO. A value equal to the
 * limit meets it.
 */
import type { RequestRecord } from './records.ts';
import type { RecordSource } from './record-source.ts';

export const SLO_METRICS = ['ttft_ms', 'ttfat_ms', 'tpot_ms', 'e2e_ms'] as const;
export type SloMetric = (typeof SLO_METRICS)[number];
/** Upper limits in ms, e.g. `{ ttft_ms: 500, tpot_ms: 50 }`. */
export type Slos = Partial<Record<SloMetric, number>>;

export interface Goodput {
  slos: Slos;
  /** Requests (of all, failed included) that met every SLO. */
  met: number;
  requests: number;
  /** met / requests; null when there are no requests. */
  share: number | null;
  /** met / durationS; 0 when the duration is 0. */
  ratePerS: number;
}

function metricValue(r: RequestRecord, m: SloMetric): number | null | undefined {
  switch (m) {
    case 'ttft_ms':
      return r.ttftMs;
    case 'ttfat_ms':
      return r.ttfatMs;
    case 'tpot_ms':
      return r.tpotMs;
    case 'e2e_ms':
      return r.e2eMs;
  }
}

export function meetsSlos(r: RequestRecord, slos: Slos): boolean {
  if (!r.ok) return false;
  for (const m of SLO_METRICS) {
    const limit = slos[m];
    if (limit === undefined) continue;
    const v = metricValue(r, m);
    if (v === null || v === undefined || !Number.isFinite(v)) {
      if (m === 'tpot_ms') continue;
      return false;
    }
    if (v > limit) return false;
  }
  return true;
}

export function goodput(records: RecordSource<RequestRecord>, slos: Slos, durationS: number): Goodput {
  let met = 0;
  for (const r of records) if (meetsSlos(r, slos)) met++;
  return {
    slos: { ...slos },
    met,
    requests: records.length,
    share: records.length > 0 ? met / records.length : null,
    ratePerS: durationS > 0 ? met / durationS : 0,
  };
}

/** Parses `'ttft_ms:500,tpot_ms:50'` (commas or spaces between pairs); throws a one-line Error. */
export function parseSlos(text: string): Slos {
  const slos: Slos = {};
  const parts = text.split(/[,\s]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error(`empty goodput SLO list: '${text}'`);
  for (const part of parts) {
    const m = /^([a-z][a-z0-9_]*):([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) throw new Error(`bad goodput SLO '${part}': expected metric:limit_ms, e.g. ttft_ms:500`);
    const metric = m[1] as SloMetric;
    if (!SLO_METRICS.includes(metric)) {
      throw new Error(`unknown goodput metric '${m[1]}': use one of ${SLO_METRICS.join(', ')}`);
    }
    slos[metric] = Number(m[2]);
  }
  return slos;
}
