/**
 * One request inside the engine: its tokens (prompt, then the output it will generate), how many of
 * them have KV computed, the blocks it holds and the chained hashes of its full blocks. The scheduler
 * owns the state transitions; this module only answers questions about the token sequence.
 *
 * Token positions: 0..promptLen−1 are the prompt, then output tokens in emission order. `numTokens`
 * (prompt + emitted output) is what is known; `numComputed` ≤ numTokens is what has KV. When the two
 * meet in a step the engine emits the next output token (prefill done → first token; decode → next).
 * A hash-only request (EngineRequest.promptLength) stores just the prompt's tokens from `promptFrom`
 * (its last partial block); reading an earlier prompt token is an error.
 */
import { blockHashes, hashBlock, ROOT_HASH } from '../../core/block-hash.ts';
import type { EngineRequest } from './types.ts';

export const WAITING = 0;
export const RUNNING = 1;
export const DONE = 2;

export class Sequence {
  readonly id: string;
  /** Prompt tokens [promptFrom, promptLen). */
  readonly prompt: ArrayLike<number>;
  readonly promptFrom: number;
  readonly output: ArrayLike<number>;
  readonly promptLen: number;
  readonly outputLen: number;
  /** Chained hashes of full blocks known so far (prompt first, then generated); null until needed. */
  hashes: number[] | null;
  /** Block ids held, in sequence order (empty while waiting). */
  readonly blocks: number[] = [];
  /** Tokens whose KV is computed. */
  numComputed = 0;
  /** Output tokens emitted so far (never emitted twice, even across preemption). */
  emitted = 0;
  /** Leading blocks already checked into the prefix cache (hits, or stored when they filled). */
  numHashed = 0;
  /** True from admission until the step that computes the last known token. */
  prefilling = true;
  /** Prompt tokens served from the cache at first admission (−1 before it). */
  cachedTokens = -1;
  /** Of cachedTokens, those loaded back from the CPU / disk offload tier. */
  cpuCachedTokens = 0;
  diskCachedTokens = 0;
  /** Offload-tier loads (transfer ids) this request waits for before its prefill; null when none. A KV transfer from a prefill worker is listed as −id. */
  waits: number[] | null = null;
  /** Disaggregated serving (EngineRequest.remotePrefill / remoteDecode). */
  readonly remotePrefill: boolean;
  readonly remoteDecode: boolean;
  /** Prompt tokens pulled from the prefill worker at first admission (remotePrefill). */
  kvTransferTokens = 0;
  status = WAITING;
  /** The first step (Engine's step count) that may admit it (EngineConfig.asyncScheduling). */
  eligibleStep = 0;
  /** The `priority` policy's key (waiting-queue.ts): priority, arrival shifted by latency sensitivity, add order. */
  readonly priority: number;
  readonly arrivalKey: number;
  readonly order: number;

  constructor(req: EngineRequest, order = 0, sensitivityScale = 1000) {
    this.id = req.id;
    this.prompt = req.prompt;
    this.output = req.output;
    this.promptLen = req.promptLength ?? req.prompt.length;
    this.promptFrom = this.promptLen - req.prompt.length;
    this.outputLen = req.output.length;
    this.hashes = req.promptHashes ? req.promptHashes.slice() : null;
    this.priority = req.priority ?? 0;
    this.arrivalKey = (req.arrivalMs ?? 0) - (req.latencySensitivityS ?? 0) * sensitivityScale;
    this.order = order;
    this.remotePrefill = req.remotePrefill === true;
    this.remoteDecode = req.remoteDecode === true;
  }

  /** Prompt plus output emitted so far. */
  get numTokens(): number {
    return this.promptLen + this.emitted;
  }

  /** The hash chain, computing the prompt's full-block hashes on first use. */
  ensureHashes(blockSize: number): number[] {
    if (this.hashes === null) this.hashes = blockHashes(this.prompt, blockSize);
    return this.hashes;
  }

  /** Tokens [start, end) as a fresh array (kept by a BlockStored event). */
  tokenSlice(start: number, end: number): number[] {
    const p = this.promptLen;
    const from = this.promptFrom;
    if (start < from && start < p) throw new Error(`sequence ${this.id}: prompt tokens before ${from} are not kept (hash-only request)`);
    if (end <= p && Array.isArray(this.prompt)) return (this.prompt as number[]).slice(start - from, end - from);
    // Grown by push, not `new Array(n)`: a long preallocated array is holey (or dictionary-mode past
    // ~100 k elements), which makes the copy and every later read slow.
    const out: number[] = [];
    const prompt = this.prompt;
    const promptEnd = Math.min(end, p);
    for (let i = start; i < promptEnd; i++) out.push(prompt[i - from]);
    const output = this.output;
    for (let i = Math.max(start, p); i < end; i++) out.push(output[i - p]);
    return out;
  }

  /** Hash of full block `b`, extending the chain by one block when `b` is the next unknown one. */
  hashOf(b: number, blockSize: number): number {
    const hashes = this.ensureHashes(blockSize);
    if (b < hashes.length) return hashes[b];
    if (b !== hashes.length) throw new Error(`sequence ${this.id}: block ${b} hashed out of order`);
    const parent = b > 0 ? hashes[b - 1] : ROOT_HASH;
    const start = b * blockSize;
    const p = this.promptLen;
    let h: number;
    if (start >= p) h = hashBlock(parent, this.output, start - p, blockSize);
    else if (start + blockSize <= p) h = hashBlock(parent, this.prompt, start - this.promptFrom, blockSize);
    else h = hashBlock(parent, this.tokenSlice(start, start + blockSize), 0, blockSize); // straddles prompt and output
    hashes.push(h);
    return h;
  }
}
