/**
 * `trace`: replay of a Mooncake trace (rows from trace-loader.ts) as an open loop. Every row is one
 * single-turn request sent at `timestamp / speedupRatio` ms, with `output_length` max tokens and
 * ignore_eos. The prompt is one user message: each hash id becomes `tokensForId(id, blockSize)`
 * lorem tokens, cut to the row's input length, so equal ids give equal token (and text) prefixes.
 *
 * The multipliers follow the meanings of Dynamo's trace synthesizer (benchmarks/data_generator) and
 * aiperf's `synthesize-trace`, applied as a deterministic per-row transform of the replayed trace
 * rather than by sampling new rows from a fitted prefix tree:
 * - core ids are ids used by more than one row (the shared radix tree); a row's leading run of core
 *   ids is its core prefix, the rest (ids used once, plus its partial last block) its own prompt;
 * - `prefixLenMultiplier` m stretches the core prefix: the core block at position i becomes
 *   round((i+1)·m) − round(i·m) blocks (new ids derived from (id, k)), so a core prefix of c blocks
 *   becomes round(c·m) blocks and rows sharing a prefix still share its stretched version;
 * - `promptLenMultiplier` scales the row's own tokens (input_length − core tokens), at least 1;
 * - `prefixRootMultiplier` R puts each row into one of R copies of the tree (seeded, uniform): a copy
 *   k offsets every id by k·(largest id + 1), so copies never share blocks;
 * - `maxIsl` drops rows whose (transformed) input is longer, as Dynamo's synthesizer filters them;
 * - `numRequests` replays the first N remaining rows (default: all).
 * With all multipliers 1 the ids are the trace's own. A row with fewer ids than its length needs
 * gets fresh ids for the missing blocks; ids beyond ceil(input_length / blockSize) are ignored.
 *
 * Memory: a replayed trace holds ~60 M prompt tokens, so a message's `contentTokens` and `content`
 * are computed on each read (enumerable getters), not stored: read them once per request.
 */
import { tokensToLoremText, writeTokensForId } from '../../core/lorem.ts';
import { createRng } from '../../core/rng.ts';
import { SlotList } from '../../core/slot-list.ts';
import { int, num, optional, resolveParams } from './params.ts';
import type { TraceRow } from './trace-loader.ts';
import { attachContentWriter, contentWriterOf, type ContentWriter } from './content-writer.ts';
import type { ConversationScript, ScriptMessage, Workload, WorkloadDefinition } from './types.ts';
import { TRACE_DEFAULTS, type TraceParams } from './defaults.ts';

export { TRACE_DEFAULTS, type TraceParams };

export interface TraceInputs {
  rows: readonly TraceRow[];
}

/** One transformed row: its block ids and input length. */
export interface TracePrompt {
  ids: number[];
  inputLength: number;
}

/** Token budget of a LoremRunCache (4 bytes each). */
const RUN_CACHE_TOKENS = 1 << 23;

/**
 * Lorem runs of `blockSize` tokens by id, least recently used evicted past `maxRuns` entries. Equal
 * ids recur often in a trace (~64 % of Mooncake blocks are reused), so prompts are mostly copies.
 * Token i of a run depends on (id, i) only, so a cut last block is a prefix of the full run. The
 * runs live in one growing Int32Array (a slot per id), not one small buffer each.
 */
export class LoremRunCache {
  private readonly slotOf = new Map<number, number>();
  private slab = new Int32Array(0);
  private slots = 0;
  // Recency list over slots (core/slot-list), so a hit never mutates the Map and eviction never
  // iterates it (a Map iterator skips deleted entries one by one).
  private idOf: number[] = [];
  private readonly recency = new SlotList(0);

  constructor(
    readonly blockSize: number,
    readonly maxRuns: number = Math.max(1, Math.floor(RUN_CACHE_TOKENS / blockSize)),
  ) {}

  /** True when `id`'s run is cached. */
  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /** Write the first `n` (≤ blockSize) tokens of `tokensForId(id, blockSize)` into `out` from `offset`. */
  write(id: number, n: number, out: Int32Array, offset: number): void {
    const start = this.slotFor(id) * this.blockSize;
    out.set(this.slab.subarray(start, start + n), offset);
  }

  private slotFor(id: number): number {
    let slot = this.slotOf.get(id);
    if (slot !== undefined) {
      this.recency.unlink(slot);
      this.recency.append(slot);
      return slot;
    }
    if (this.slots < this.maxRuns) {
      slot = this.slots++;
      if (slot * this.blockSize >= this.slab.length) this.grow();
    } else {
      slot = this.recency.head;
      this.recency.unlink(slot);
      this.slotOf.delete(this.idOf[slot]);
    }
    writeTokensForId(id, this.blockSize, this.slab, slot * this.blockSize);
    this.idOf[slot] = id;
    this.slotOf.set(id, slot);
    this.recency.append(slot);
    return slot;
  }

  private grow(): void {
    const runs = Math.min(this.maxRuns, Math.max(64, this.slots * 2));
    const slab = new Int32Array(runs * this.blockSize);
    slab.set(this.slab);
    this.slab = slab;
    this.recency.grow(runs);
  }
}

/** Number of tokens of a prompt: `inputLength`, capped by its ids' blocks. */
export function promptLength(prompt: TracePrompt, blockSize: number): number {
  return Math.min(prompt.inputLength, prompt.ids.length * blockSize);
}

/** Write a prompt's tokens into `out` from `offset` (see `promptTokens`), copying cached runs. */
export function writePromptTokens(prompt: TracePrompt, cache: LoremRunCache, out: Int32Array, offset: number): void {
  const bs = cache.blockSize;
  const total = promptLength(prompt, bs);
  let at = 0;
  for (const id of prompt.ids) {
    if (at >= total) break;
    const n = Math.min(bs, total - at);
    cache.write(id, n, out, offset + at);
    at += n;
  }
}

/** Tokens of a prompt: the ids' lorem runs, the last one cut so the total is `inputLength`. */
export function promptTokens(prompt: TracePrompt, blockSize: number): number[] {
  const total = promptLength(prompt, blockSize);
  const out = new Array<number>(total);
  let at = 0;
  for (const id of prompt.ids) {
    if (at >= total) break;
    const n = Math.min(blockSize, total - at);
    writeTokensForId(id, n, out, at);
    at += n;
  }
  return out;
}

/**
 * A trace message's content: its prompt and the lorem runs it is written from. It is the message's
 * content writer (content-writer.ts: copies of cached lorem runs, the same ids as `contentTokens`
 * without building a plain array) and what `tracePromptOf` reads.
 */
class TraceContent implements ContentWriter {
  constructor(
    readonly prompt: TracePrompt,
    readonly cache: LoremRunCache,
  ) {}

  get length(): number {
    return promptLength(this.prompt, this.cache.blockSize);
  }

  write(out: Int32Array, offset: number): void {
    writePromptTokens(this.prompt, this.cache, out, offset);
  }
}

/** A trace message's prompt (ids, input length) and lorem block size, or undefined for any other message. */
export function tracePromptOf(msg: ScriptMessage): { prompt: TracePrompt; blockSize: number } | undefined {
  const c = contentWriterOf(msg);
  return c instanceof TraceContent ? { prompt: c.prompt, blockSize: c.cache.blockSize } : undefined;
}

function lazyTraceMessage(prompt: TracePrompt, cache: LoremRunCache): ScriptMessage {
  const blockSize = cache.blockSize;
  const msg = { role: 'user' } as ScriptMessage;
  Object.defineProperty(msg, 'contentTokens', { enumerable: true, get: () => promptTokens(prompt, blockSize) });
  Object.defineProperty(msg, 'content', { enumerable: true, get: () => tokensToLoremText(promptTokens(prompt, blockSize)) });
  attachContentWriter(msg, new TraceContent(prompt, cache));
  return msg;
}

/**
 * Apply the multipliers to every row (see the module comment). Pure; `rootOf(i)` gives row i's tree
 * copy in [0, prefixRootMultiplier).
 */
export function transformRows(rows: readonly TraceRow[], p: Readonly<TraceParams>, rootOf: (row: number) => number): TracePrompt[] {
  const bs = p.blockSize;
  const used = rows.map((r) => r.hash_ids.slice(0, Math.ceil(r.input_length / bs)));
  const counts = new Map<number, number>();
  let maxId = -1;
  for (const ids of used) {
    for (const id of ids) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (id > maxId) maxId = id;
    }
  }
  let nextId = maxId + 1;
  const fresh = new Map<string, number>();
  const alloc = (key: string): number => {
    let id = fresh.get(key);
    if (id === undefined) {
      id = nextId++;
      fresh.set(key, id);
    }
    return id;
  };
  const m = p.prefixLenMultiplier;
  const prompts = used.map((ids, row): TracePrompt => {
    const L = rows[row].input_length;
    let c = 0;
    while (c < ids.length && (counts.get(ids[c]) ?? 0) > 1) c++;
    const out: number[] = [];
    for (let i = 0; i < c; i++) {
      const n = m === 1 ? 1 : Math.round((i + 1) * m) - Math.round(i * m);
      for (let k = 0; k < n; k++) out.push(k === 0 ? ids[i] : alloc(`${ids[i]}:${k}`));
    }
    const coreBlocks = out.length;
    const tail = L - c * bs;
    let inputLength: number;
    if (tail > 0) {
      const own = p.promptLenMultiplier === 1 ? tail : Math.max(1, Math.round(tail * p.promptLenMultiplier));
      const blocks = Math.ceil(own / bs);
      for (let j = 0; j < blocks; j++) out.push(c + j < ids.length ? ids[c + j] : alloc(`row${row}:${j}`));
      inputLength = coreBlocks * bs + own;
    } else {
      // The row ends inside its last core block, which holds `last` tokens.
      const last = L - (c - 1) * bs;
      if (coreBlocks === 0) out.push(alloc(`row${row}:0`));
      inputLength = Math.max(0, coreBlocks - 1) * bs + last;
    }
    return { ids: out, inputLength };
  });
  const span = nextId;
  for (let row = 0; row < prompts.length; row++) {
    const k = rootOf(row);
    if (k > 0) prompts[row].ids = prompts[row].ids.map((id) => id + k * span);
  }
  return prompts;
}

export function buildTrace(overrides: Partial<TraceParams> | undefined, inputs: TraceInputs | undefined): Workload {
  const p = resolveParams('trace', TRACE_DEFAULTS, overrides, {
    blockSize: int(1),
    numRequests: optional(int(1)),
    speedupRatio: num(0, Infinity, { exclusiveMin: true }),
    prefixLenMultiplier: num(0, Infinity, { exclusiveMin: true }),
    prefixRootMultiplier: int(1),
    promptLenMultiplier: num(0, Infinity, { exclusiveMin: true }),
    maxIsl: optional(int(1)),
    seed: int(),
  });
  const rows = inputs?.rows ?? [];
  const rootRng = createRng(`trace/${p.seed}`).fork('roots');
  const roots = rows.map(() => (p.prefixRootMultiplier > 1 ? rootRng.int(0, p.prefixRootMultiplier - 1) : 0));
  const prompts = transformRows(rows, p, (row) => roots[row]);
  const scripts: ConversationScript[] = [];
  const cache = new LoremRunCache(p.blockSize);
  for (let row = 0; row < rows.length; row++) {
    if (p.numRequests !== undefined && scripts.length >= p.numRequests) break;
    const prompt = prompts[row];
    if (p.maxIsl !== undefined && prompt.inputLength > p.maxIsl) continue;
    scripts.push({
      id: `trace-${row}`,
      preamble: [],
      turns: [
        {
          messages: [lazyTraceMessage(prompt, cache)],
          maxTokens: rows[row].output_length,
          ignoreEos: true,
          delayMs: 0,
          atMs: rows[row].timestamp / p.speedupRatio,
          promptTokens: prompt.inputLength,
        },
      ],
      keepHistory: false,
      tags: { traceRow: row, treeCopy: roots[row] },
    });
  }
  return {
    name: 'trace',
    scripts,
    schedule: { kind: 'open' },
    params: { ...p, traceRows: rows.length, replayedRows: scripts.length },
  };
}

export const trace: WorkloadDefinition<TraceParams, TraceInputs> = {
  name: 'trace',
  description: 'Mooncake trace replay: hash ids → fixed 512-token lorem blocks, open loop at trace timestamps',
  defaults: TRACE_DEFAULTS,
  build: buildTrace,
};
