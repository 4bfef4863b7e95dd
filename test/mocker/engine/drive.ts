/**
 * Test driver for the pure engine, the way the virtual cluster drives it: add requests whose arrival
 * time has come, step at t, jump t to the step's end, collect progress and KV events. Virtual time only.
 */
import type { Engine } from '../../../src/mocker/engine/engine.ts';
import type { EngineRequest, KvEvent, StepResult } from '../../../src/mocker/engine/types.ts';

export interface Arrival {
  atMs: number;
  req: EngineRequest;
}

export interface Trace {
  id: string;
  addedAtMs: number;
  tokens: number[];
  tokenAtMs: number[];
  firstAtMs: number | null;
  finishedAtMs: number | null;
  cachedTokens: number | null;
  /** Of cachedTokens, those loaded from the CPU / disk tier (null without tiers). */
  cpuCachedTokens: number | null;
  diskCachedTokens: number | null;
  firstCount: number;
}

export interface DriveResult {
  traces: Map<string, Trace>;
  steps: StepResult[];
  events: KvEvent[];
  endMs: number;
}

export interface DriveOptions {
  startMs?: number;
  checkInvariants?: boolean;
  /** Called after every step (e.g. to sample stats). */
  onStep?: (r: StepResult) => void;
  maxSteps?: number;
}

/**
 * Apply KV events to a set of cached hashes, as an event consumer (router indexer) would. Events about
 * an offload tier (`medium`) go to `lower`'s set of that medium (ignored without `lower`).
 */
export function replayEvents(cached: Set<number>, events: readonly KvEvent[], lower?: { cpu: Set<number>; disk: Set<number> }): void {
  for (const e of events) {
    if (e.type === 'AllBlocksCleared') {
      cached.clear();
      lower?.cpu.clear();
      lower?.disk.clear();
      continue;
    }
    const set = e.medium === undefined ? cached : e.medium === 'CPU' ? lower?.cpu : lower?.disk;
    if (set === undefined) continue;
    if (e.type === 'BlockStored') for (const h of e.blockHashes) set.add(h);
    else for (const h of e.blockHashes) set.delete(h);
  }
}

function newTrace(id: string, addedAtMs: number): Trace {
  return { id, addedAtMs, tokens: [], tokenAtMs: [], firstAtMs: null, finishedAtMs: null, cachedTokens: null, cpuCachedTokens: null, diskCachedTokens: null, firstCount: 0 };
}

export function drive(engine: Engine, arrivals: readonly Arrival[], opts: DriveOptions = {}): DriveResult {
  const pending = [...arrivals].sort((a, b) => a.atMs - b.atMs);
  const traces = new Map<string, Trace>();
  const steps: StepResult[] = [];
  const events: KvEvent[] = [];
  const maxSteps = opts.maxSteps ?? 1_000_000;
  let t = opts.startMs ?? 0;
  let next = 0;
  for (;;) {
    while (next < pending.length && pending[next].atMs <= t) {
      const { req } = pending[next++];
      engine.add(req);
      traces.set(req.id, newTrace(req.id, t));
    }
    if (!engine.hasWork()) {
      if (next < pending.length) {
        t = pending[next].atMs;
        continue;
      }
      break;
    }
    if (steps.length >= maxSteps) throw new Error(`no completion after ${maxSteps} steps`);
    const r = engine.step(t);
    if (r.idle) throw new Error('engine idle while it reports work');
    steps.push(r);
    events.push(...r.events);
    for (const p of r.progress) {
      let tr = traces.get(p.id);
      if (!tr) traces.set(p.id, (tr = newTrace(p.id, NaN))); // added by the test before driving
      for (const tok of p.tokens) {
        tr.tokens.push(tok);
        tr.tokenAtMs.push(r.endMs);
      }
      if (p.first) {
        tr.firstCount++;
        tr.firstAtMs = r.endMs;
        tr.cachedTokens = p.cachedTokens ?? null;
        tr.cpuCachedTokens = p.cpuCachedTokens ?? null;
        tr.diskCachedTokens = p.diskCachedTokens ?? null;
      }
      if (p.finished) tr.finishedAtMs = r.endMs;
    }
    if (opts.checkInvariants) engine.assertInvariants();
    opts.onStep?.(r);
    t = r.endMs;
  }
  return { traces, steps, events, endMs: t };
}

/** Deterministic token ids: `n` tokens of stream `seed` (distinct streams share no blocks). */
export function tokens(seed: number, n: number, offset = 0): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = ((seed * 7919 + (offset + i) * 104729) % 50_000) + 1;
  return out;
}
