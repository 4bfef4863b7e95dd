/**
 * Live progress of a bench run: a single redrawn line on a TTY (bar, done/total, req/s, ETA, moving
 * TTFT p50 over the last 100 answers), plain lines every few seconds otherwise, nothing in --json mode.
 * `progressLine` is pure (state and time in, text out); the reporter owns the timer and the stream.
 */
import { percentileSorted } from '../../core/summary.ts';
import type { RequestRecord } from '../../core/records.ts';

export interface ProgressState {
  done: number;
  failed: number;
  /** Expected requests (null when unknown). */
  total: number | null;
  startMs: number;
  /** The last TTFTs, oldest first. */
  recentTtft: number[];
}

export const MOVING_WINDOW = 100;

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressLine(st: ProgressState, nowMs: number, barWidth = 0): string {
  const elapsed = nowMs - st.startMs;
  const rate = elapsed > 0 ? (st.done / elapsed) * 1000 : 0;
  const parts: string[] = [];
  if (st.total !== null && st.total > 0) {
    const frac = Math.min(1, st.done / st.total);
    if (barWidth > 0) {
      const full = Math.round(frac * barWidth);
      parts.push(`[${'█'.repeat(full)}${'░'.repeat(barWidth - full)}]`);
    }
    parts.push(`${st.done}/${st.total}`);
    const eta = rate > 0 ? ((st.total - st.done) / rate) * 1000 : NaN;
    parts.push(`ETA ${st.done >= st.total ? '0s' : duration(eta)}`);
  } else {
    parts.push(`${st.done} done`);
  }
  if (st.failed > 0) parts.push(`${st.failed} failed`);
  parts.push(`${rate.toFixed(2)} req/s`);
  const sorted = [...st.recentTtft].sort((a, b) => a - b);
  const p50 = percentileSorted(sorted, 50);
  parts.push(`TTFT p50 ${p50 === null ? '-' : `${p50.toFixed(1)} ms`}`);
  parts.push(`elapsed ${duration(elapsed)}`);
  return parts.join('  ');
}

export interface ProgressSink {
  record(r: RequestRecord): void;
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WriteStream | NodeJS.WritableStream;
  total: number | null;
  /** Redraw a single line (TTY) instead of printing periodic lines. */
  tty: boolean;
  /** Print nothing at all. */
  quiet?: boolean;
  now: () => number;
  /** Plain-line period, ms. */
  plainEveryMs?: number;
}

export function createProgress(o: ProgressOptions): ProgressSink {
  if (o.quiet) return { record() {}, stop() {} };
  const st: ProgressState = { done: 0, failed: 0, total: o.total, startMs: o.now(), recentTtft: [] };
  const draw = () => {
    if (o.tty) o.stream.write(`\r\x1b[2K${progressLine(st, o.now(), 24)}`);
    else o.stream.write(`progress: ${progressLine(st, o.now())}\n`);
  };
  const timer = setInterval(draw, o.tty ? 250 : (o.plainEveryMs ?? 5000));
  timer.unref();
  return {
    record(r) {
      st.done++;
      if (!r.ok) st.failed++;
      if (r.ok && r.ttftMs !== null) {
        st.recentTtft.push(r.ttftMs);
        if (st.recentTtft.length > MOVING_WINDOW) st.recentTtft.shift();
      }
    },
    stop() {
      clearInterval(timer);
      if (o.tty) {
        draw();
        o.stream.write('\n');
      }
    },
  };
}
