import { describe, expect, it } from 'vitest';
import { Engine, type EngineConfig, type KvEvent, type StepResult } from '../../../src/mocker/engine/index.ts';
import { createDriverClock, type DriverClock } from '../../../src/mocker/server/clock.ts';
import { EngineDriver, type TokenDelivery } from '../../../src/mocker/server/driver.ts';
import { createRng } from '../../../src/core/rng.ts';
import { FakeTimerHost } from '../../core/helpers/fake-timer-host.ts';

/** Virtual clock: callbacks run in deadline order; each runs `lateness` ms after its deadline. */
class FakeClock implements DriverClock {
  t = 0;
  private queue: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(private readonly lateness = 0) {}
  now(): number {
    return this.t;
  }
  toEpochMs(mono: number): number {
    return 1_000_000 + mono;
  }
  at(atMs: number, fn: () => void): () => void {
    const item = { at: atMs, fn, live: true };
    this.queue.push(item);
    return () => {
      item.live = false;
    };
  }
  /** Run the next pending callback; false when none is left. */
  runNext(): boolean {
    this.queue = this.queue.filter((q) => q.live);
    if (this.queue.length === 0) return false;
    this.queue.sort((a, b) => a.at - b.at);
    const item = this.queue.shift()!;
    this.t = Math.max(this.t, item.at) + this.lateness;
    item.fn();
    return true;
  }
  runAll(limit = 100_000): void {
    for (let i = 0; i < limit; i++) if (!this.runNext()) return;
    throw new Error('virtual loop made no progress');
  }
}

const CONFIG: EngineConfig = {
  blockSize: 4,
  numGpuBlocks: 256,
  maxNumSeqs: 8,
  maxNumBatchedTokens: 64,
  enablePrefixCaching: true,
  enableChunkedPrefill: true,
  watermark: 0,
  speedupRatio: 1,
  decodeSpeedupRatio: 1,
  maxModelLen: 1024,
};

function recordingEngine(config = CONFIG) {
  const engine = new Engine(config);
  const steps: StepResult[] = [];
  const step = engine.step.bind(engine);
  engine.step = (now: number) => {
    const r = step(now);
    steps.push(r);
    return r;
  };
  return { engine, steps };
}

const prompt = (n: number, base = 1) => Array.from({ length: n }, (_, i) => base + i);

describe('engine driver (virtual time)', () => {
  it('hands a request to the engine only after the modelled frontend latency (arrivalDelayMs)', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const driver = new EngineDriver(engine, { clock, arrivalDelayMs: 7 });
    clock.t = 100;
    let first: number | null = null;
    driver.submit({ id: 'a', prompt: prompt(40), output: prompt(3, 500) }, { onTokens: (d) => (first ??= d.atMs), onFinished: () => {} });
    expect(driver.inFlight).toBe(1);
    clock.runAll();
    const busy = steps.filter((s) => !s.idle);
    expect(busy[0].startMs).toBe(107);
    expect(first).toBe(busy[0].endMs);
  });

  it('refuses a request that can never run at once, and forgets one aborted while on its way in', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const driver = new EngineDriver(engine, { clock, arrivalDelayMs: 5 });
    expect(() => driver.submit({ id: 'x', prompt: prompt(1), output: prompt(1_000_000) }, { onTokens: () => {}, onFinished: () => {} })).toThrow(RangeError);
    expect(driver.inFlight).toBe(0);
    driver.submit({ id: 'b', prompt: prompt(40), output: prompt(3, 500) }, { onTokens: () => {}, onFinished: () => {} });
    expect(driver.abort('b')).toBe(true);
    clock.runAll();
    expect(steps.filter((s) => !s.idle)).toHaveLength(0);
    expect(engine.hasWork()).toBe(false);
  });

  it('chains each step at the previous step end even when the loop runs late (no drift)', () => {
    const clock = new FakeClock(3);
    const { engine, steps } = recordingEngine();
    const driver = new EngineDriver(engine, { clock });
    const deliveries: TokenDelivery[] = [];
    driver.submit({ id: 'a', prompt: prompt(40), output: prompt(6, 500) }, { onTokens: (d) => deliveries.push(d), onFinished: () => {} });
    clock.runAll();
    const busy = steps.filter((s) => !s.idle);
    expect(busy.length).toBe(6);
    for (let i = 1; i < busy.length; i++) expect(busy[i].startMs).toBe(busy[i - 1].endMs);
    // delivered at each step's deadline, in order, all tokens
    expect(deliveries.map((d) => d.atMs)).toEqual(busy.map((s) => s.endMs));
    expect(deliveries.flatMap((d) => d.tokens)).toEqual(prompt(6, 500));
  });

  it('starts an idle engine at the arrival time and never delivers before the deadline', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const driver = new EngineDriver(engine, { clock });
    clock.t = 1234.5;
    const seen: { at: number; now: number }[] = [];
    let finishedAt = -1;
    driver.submit(
      { id: 'a', prompt: prompt(10), output: prompt(2, 900) },
      { onTokens: (d) => seen.push({ at: d.atMs, now: clock.now() }), onFinished: (at) => (finishedAt = at) },
    );
    clock.runAll();
    expect(steps[0].startMs).toBe(1234.5);
    expect(seen).toHaveLength(2);
    for (const s of seen) expect(s.now).toBeGreaterThanOrEqual(s.at);
    expect(finishedAt).toBe(seen[1].at);
    expect(driver.inFlight).toBe(0);
    // a later request after idling starts at its own arrival, not at the old deadline
    clock.t = 5000;
    driver.submit({ id: 'b', prompt: prompt(10), output: prompt(1, 900) }, { onTokens: () => {}, onFinished: () => {} });
    clock.runAll();
    expect(steps.filter((s) => !s.idle).at(-1)!.startMs).toBe(5000);
  });

  it('hands out a step’s first tokens before the other requests’ tokens, all stamped with the step end', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const driver = new EngineDriver(engine, { clock });
    const order: { id: string; first: boolean; at: number }[] = [];
    const listen = (id: string) => ({ onTokens: (d: TokenDelivery) => order.push({ id, first: d.first, at: d.atMs }), onFinished: () => {} });
    // Three requests decoding, then two new ones whose first tokens come in a step with their decodes.
    for (const id of ['a', 'b', 'c']) driver.submit({ id, prompt: prompt(8, id.charCodeAt(0) * 10), output: prompt(20) }, listen(id));
    for (let i = 0; i < 4; i++) clock.runNext();
    order.length = 0;
    for (const id of ['x', 'y']) driver.submit({ id, prompt: prompt(8, id.charCodeAt(0) * 10), output: prompt(5) }, listen(id));
    let mixed: typeof order = [];
    for (let i = 0; i < 20 && mixed.length === 0; i++) {
      const before = order.length;
      clock.runNext();
      const step = order.slice(before);
      if (step.some((d) => d.first) && step.some((d) => !d.first)) mixed = step;
    }
    expect(mixed.map((d) => d.id)).toEqual(['x', 'y', 'a', 'b', 'c']);
    expect(new Set(mixed.map((d) => d.at)).size).toBe(1);
    // The engine itself lists the running requests first: the driver reorders.
    const engineOrder = steps.find((s) => s.progress.some((p) => p.first && p.id === 'x'))!.progress.map((p) => p.id);
    expect(engineOrder.indexOf('a')).toBeLessThan(engineOrder.indexOf('x'));
  });

  it('never starts a step before a request that the late loop took in after the deadline', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const driver = new EngineDriver(engine, { clock });
    const firstAt = new Map<string, number>();
    const listen = (id: string) => ({ onTokens: (d: TokenDelivery) => d.first && firstAt.set(id, d.atMs), onFinished: () => {} });
    driver.submit({ id: 'a', prompt: prompt(40), output: prompt(20, 500) }, listen('a'));
    clock.runNext(); // step 1 computed
    const deadline = steps[0].endMs;
    // On time: a request arriving during a step joins the next one, which starts at the deadline.
    clock.t = deadline - 1;
    driver.submit({ id: 'b', prompt: prompt(8, 900), output: prompt(2) }, listen('b'));
    clock.runNext();
    expect(steps[1].startMs).toBe(deadline);
    // Late: the loop was busy 30 ms past step 2's deadline when 'c' came in.
    const late = steps[1].endMs + 30;
    clock.t = late;
    driver.submit({ id: 'c', prompt: prompt(40, 2000), output: prompt(2) }, listen('c'));
    clock.runNext(); // step 2 ends; step 3 (with c's prefill) is computed
    expect(steps[2].startMs).toBe(late);
    clock.runNext(); // step 3 ends: c's first token
    expect(firstAt.get('c')! - late).toBeGreaterThanOrEqual(steps[2].endMs - steps[2].startMs);
    // Without new arrivals the chain goes on from the deadlines again.
    clock.runAll();
    const busy = steps.filter((s) => !s.idle);
    for (let k = 3; k < busy.length; k++) expect(busy[k].startMs).toBe(busy[k - 1].endMs);
  });

  it('requests arriving together share the first step', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const driver = new EngineDriver(engine, { clock });
    const firsts: string[] = [];
    for (const id of ['a', 'b', 'c']) {
      driver.submit({ id, prompt: prompt(8, id.charCodeAt(0) * 10), output: prompt(3) }, { onTokens: (d) => d.first && firsts.push(id), onFinished: () => {} });
    }
    clock.runNext(); // first step computed
    expect(steps[0].prefillTokens).toBe(24);
    clock.runAll();
    expect(firsts.sort()).toEqual(['a', 'b', 'c']);
  });

  it('an aborted request gets no more callbacks and its blocks are released', () => {
    const clock = new FakeClock(0);
    const { engine } = recordingEngine();
    const driver = new EngineDriver(engine, { clock });
    let tokens = 0;
    let finished = false;
    driver.submit({ id: 'a', prompt: prompt(20), output: prompt(50) }, { onTokens: (d) => (tokens += d.tokens.length), onFinished: () => (finished = true) });
    for (let i = 0; i < 6; i++) clock.runNext();
    expect(engine.stats().activeBlocks).toBeGreaterThan(0);
    const before = tokens;
    expect(driver.abort('a')).toBe(true);
    expect(driver.abort('a')).toBe(false);
    clock.runAll();
    expect(tokens).toBe(before);
    expect(finished).toBe(false);
    expect(engine.stats()).toMatchObject({ running: 0, waiting: 0, activeBlocks: 0 });
    engine.assertInvariants();
  });

  it('publishes a step’s KV events at the step’s end, before its tokens, never at its start', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const log: string[] = [];
    const driver = new EngineDriver(engine, { clock, onKvEvents: (events, atMs) => log.push(`events@${atMs}:${events.map((e) => e.type).join(',')}`) });
    driver.submit({ id: 'a', prompt: prompt(40), output: prompt(2, 500) }, { onTokens: (d) => log.push(`tokens@${d.atMs}`), onFinished: () => {} });
    clock.runNext(); // the first step is computed: its 10 blocks are stored in the engine...
    expect(steps[0].events.length).toBeGreaterThan(0);
    expect(engine.cachedBlockHashes().size).toBe(10);
    expect(log).toEqual([]); // ...but not announced while the step runs
    clock.runNext();
    const end = steps[0].endMs;
    expect(log).toEqual([`events@${end}:BlockStored`, `tokens@${end}`]);
  });

  it('holds an abort’s and a reset’s events during a step and publishes them after the step’s own, at its end', () => {
    const clock = new FakeClock(0);
    const { engine, steps } = recordingEngine();
    const batches: { types: string[]; atMs: number }[] = [];
    const driver = new EngineDriver(engine, { clock, onKvEvents: (events, atMs) => batches.push({ types: events.map((e) => e.type), atMs }) });
    driver.submit({ id: 'a', prompt: prompt(40), output: prompt(5, 500) }, { onTokens: () => {}, onFinished: () => {} });
    clock.runNext(); // step 1 computed (stores the prompt's blocks)
    expect(driver.abort('a')).toBe(true); // no block referenced any more...
    expect(driver.resetPrefixCache().ok).toBe(true); // ...so the reset clears the engine's cache now
    expect(engine.cachedBlockHashes().size).toBe(0);
    expect(batches).toEqual([]);
    clock.runAll();
    // One batch at the step's end: what the step stored, then the clear — replayed in order, empty.
    expect(batches).toEqual([{ types: ['BlockStored', 'AllBlocksCleared'], atMs: steps[0].endMs }]);
    // Idle: a reset is published at once.
    driver.submit({ id: 'b', prompt: prompt(8, 900), output: prompt(1) }, { onTokens: () => {}, onFinished: () => {} });
    clock.runAll();
    batches.length = 0;
    clock.t = 10_000;
    driver.resetPrefixCache();
    expect(batches).toEqual([{ types: ['AllBlocksCleared'], atMs: 10_000 }]);
  });

  it('a consumer replaying the stream in order always holds the engine’s cache as of the last ended step, and never a block before its step ended', () => {
    const rng = createRng('driver-events');
    const clock = new FakeClock(0.5);
    const small: EngineConfig = { ...CONFIG, numGpuBlocks: 40 }; // evictions and preemptions happen
    const { engine, steps } = recordingEngine(small);
    const replay = new Set<number>();
    /** When each block hash was last computed: the end of the step that stored it. */
    const storedAt = new Map<number, number>();
    let batches = 0;
    const driver = new EngineDriver(engine, {
      clock,
      onKvEvents: (events, atMs) => {
        batches++;
        for (const e of events) {
          if (e.type === 'BlockStored') {
            for (const h of e.blockHashes) {
              replay.add(h);
              expect(clock.now()).toBeGreaterThanOrEqual(storedAt.get(h)!);
            }
          } else if (e.type === 'BlockRemoved') e.blockHashes.forEach((h) => replay.delete(h));
          else replay.clear();
        }
        // Published at the step's end (or at once when idle): the engine's cache is exactly the replay.
        expect(replay).toEqual(engine.cachedBlockHashes());
        expect(atMs).toBeLessThanOrEqual(clock.now());
      },
    });
    const step = engine.step.bind(engine);
    engine.step = (now: number) => {
      const r = step(now);
      for (const e of r.events) if (e.type === 'BlockStored') for (const h of e.blockHashes) storedAt.set(h, r.endMs);
      return r;
    };
    const live: string[] = [];
    let next = 0;
    for (let i = 0; i < 400; i++) {
      const roll = rng.next();
      if (roll < 0.3) {
        const id = `r${next++}`;
        // Prompts share prefixes (groups of 3), so hits, stores and evictions mix.
        const p = [...prompt(12, 1000 * (next % 3)), ...prompt(rng.int(1, 20), 50_000 + next * 100)];
        try {
          driver.submit({ id, prompt: p, output: prompt(rng.int(1, 6)) }, { onTokens: () => {}, onFinished: () => live.splice(live.indexOf(id), 1) });
          live.push(id);
        } catch {
          // refused by the engine (too long for the small pool): nothing registered
        }
      } else if (roll < 0.4 && live.length > 0) {
        const id = live[rng.int(0, live.length - 1)];
        driver.abort(id);
        live.splice(live.indexOf(id), 1);
      } else if (roll < 0.45) {
        driver.resetPrefixCache();
      } else clock.runNext();
    }
    clock.runAll();
    expect(steps.filter((s) => s.events.length > 0).length).toBeGreaterThan(10);
    expect(steps.some((s) => s.events.some((e) => e.type === 'BlockRemoved'))).toBe(true);
    expect(batches).toBeGreaterThan(10);
    expect(replay).toEqual(engine.cachedBlockHashes());
  });

  it('hands every step’s KV events to the sink, which then mirror the engine cache', () => {
    const clock = new FakeClock(1);
    const { engine } = recordingEngine();
    const cache = new Set<number>();
    const apply = (events: readonly KvEvent[]) => {
      for (const e of events) {
        if (e.type === 'BlockStored') e.blockHashes.forEach((h) => cache.add(h));
        else if (e.type === 'BlockRemoved') e.blockHashes.forEach((h) => cache.delete(h));
        else cache.clear();
      }
    };
    const driver = new EngineDriver(engine, { clock, onKvEvents: apply });
    for (let i = 0; i < 5; i++) driver.submit({ id: `r${i}`, prompt: prompt(30, i * 100), output: prompt(9) }, { onTokens: () => {}, onFinished: () => {} });
    clock.runAll();
    expect(cache.size).toBeGreaterThan(0);
    expect(cache).toEqual(engine.cachedBlockHashes());
    expect(driver.resetPrefixCache().ok).toBe(true);
    expect(cache.size).toBe(0);
    expect(engine.cachedBlockHashes().size).toBe(0);
  });

  it('keeps 60 s of steps on the engine’s own deadlines when every timer wakes 0–2 ms late (no drift)', () => {
    const rng = createRng('late-timers');
    let lateness = 0;
    // Node's timers modelled on libuv (test/core/helpers), each setTimeout waking a random 0–2 ms late.
    const host = new FakeTimerHost(0, 0.02, () => {
      const ms = rng.uniform(0, 2);
      lateness += ms;
      return ms;
    });
    const clock = createDriverClock(host);
    const { engine, steps } = recordingEngine({ ...CONFIG, blockSize: 16, numGpuBlocks: 4096, maxNumSeqs: 4, maxNumBatchedTokens: 512, maxModelLen: 32_768 });
    const driver = new EngineDriver(engine, { clock });
    const late: number[] = [];
    for (const id of ['a', 'b']) {
      driver.submit(
        { id, prompt: prompt(200, id === 'a' ? 1 : 5000), output: prompt(9000) },
        { onTokens: (d) => late.push(host.now() - d.atMs), onFinished: () => {} },
      );
    }
    host.run();
    const busy = steps.filter((s) => !s.idle);
    expect(busy.at(-1)!.endMs - busy[0].startMs).toBeGreaterThanOrEqual(60_000);
    // Step k starts exactly at the engine's computed end of step k − 1: absolute deadlines.
    for (let k = 1; k < busy.length; k++) expect(busy[k].startMs).toBe(busy[k - 1].endMs);
    // Every delivery is on or after its deadline and late by at most one wake-up (2 ms) plus loop turns...
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...late)).toBeLessThanOrEqual(2.1);
    // ...although the wake-ups were late by seconds in total: nothing accumulated.
    expect(lateness).toBeGreaterThan(5_000);
    expect(late.at(-1)!).toBeLessThanOrEqual(2.1);
    expect(busy.length).toBeGreaterThan(8000);
  });

  it('refuses requests the engine rejects without registering them, and stops on close', () => {
    const clock = new FakeClock(0);
    const { engine } = recordingEngine();
    const driver = new EngineDriver(engine, { clock });
    expect(() => driver.submit({ id: 'x', prompt: prompt(2000), output: prompt(1) }, { onTokens: () => {}, onFinished: () => {} })).toThrow(RangeError);
    expect(driver.inFlight).toBe(0);
    driver.submit({ id: 'y', prompt: prompt(10), output: prompt(100) }, { onTokens: () => {}, onFinished: () => {} });
    clock.runNext();
    driver.close();
    expect(driver.inFlight).toBe(0);
    expect(engine.stats().activeBlocks).toBe(0);
    expect(() => driver.submit({ id: 'z', prompt: prompt(10), output: prompt(1) }, { onTokens: () => {}, onFinished: () => {} })).toThrow(/closed/);
  });
});
