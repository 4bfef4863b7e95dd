/**
 * A real engine: llama.cpp on the CPU through node-llama-cpp (its prebuilt binary, never built here).
 * Owns the model, one context of N sequences (the slots), a FIFO queue and the per-request generation
 * loop. A request takes the free slot chosen by slot-choice.ts; the slot's cache is cut back to the
 * prefix it shares with the prompt and only the rest is computed (at least the last prompt token, whose
 * logits start the answer). Tokens are sampled one by one until max_tokens, or EOS unless ignore_eos;
 * the answer's last token is never fed back (llama.cpp computes a token's KV when it evaluates it), so
 * a follow-up turn reuses the prompt and all of the answer but its last token. Requests queue when every
 * slot is busy and are served in arrival order; llama.cpp batches the running slots' tokens together,
 * generating slots' next tokens first, then prompts in arrival order (batch-order.ts).
 *
 * Approximations: sampling is greedy at temperature 0 and otherwise node-llama-cpp's temperature
 * sampling with the request's seed; `stop` strings are not applied (the tiny models' text is noise).
 */
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { decodesFirstBatch } from './batch-order.ts';
import { chooseSlot } from './slot-choice.ts';

export interface LlamaEngineOptions {
  gguf: string;
  /** Parallel sequences (slots). */
  parallel: number;
  /** CPU threads llama.cpp uses. */
  threads: number;
  /** Tokens each slot's cache holds (a request's prompt plus answer must fit). */
  contextSize: number;
  /** Tokens evaluated per llama.cpp batch (llama.cpp's n_batch). */
  batchSize: number;
}

export interface GenerationRequest {
  prompt: readonly number[];
  maxTokens: number;
  ignoreEos: boolean;
  temperature: number;
  seed: number | null;
}

export interface GenerationListener {
  /** The request left the queue: `cached` prompt tokens were already in its slot's cache. */
  onStart(slot: number, cached: number): void;
  onToken(token: number, text: string): void;
  onEnd(finishReason: 'stop' | 'length'): void;
  onError(err: unknown): void;
}

export interface LlamaEngineStats {
  running: number;
  waiting: number;
  /** Tokens held in all slots' caches. */
  cachedTokens: number;
  /** Tokens all slots can hold. */
  capacityTokens: number;
  promptTokens: number;
  cachedPromptTokens: number;
  generationTokens: number;
}

interface Slot {
  index: number;
  seq: LlamaContextSequence;
  busy: boolean;
  lastUsed: number;
}

interface Pending {
  req: GenerationRequest;
  listener: GenerationListener;
  aborted: boolean;
}

/**
 * llama.cpp's binary, loaded once per process and shared by its engines (loading it takes seconds);
 * freed when the last engine closes.
 */
let shared: { llama: Promise<Llama>; users: number } | null = null;

async function acquireLlama(threads: number): Promise<Llama> {
  if (shared === null) {
    const load = (async () => {
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
      // llama.cpp's own log lines stay quiet: failures come back as errors, one line each. maxThreads 0:
      // each context uses the threads it asks for.
      return getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled, maxThreads: 0 });
    })();
    shared = { llama: load, users: 0 };
  }
  const entry = shared;
  entry.users++;
  try {
    return await entry.llama;
  } catch (err) {
    if (shared === entry) shared = null;
    throw new LlamaLoadError(`cannot load llama.cpp's prebuilt CPU binary (node-llama-cpp): ${(err as Error).message.split('\n')[0]} (${threads} thread(s) asked)`);
  }
}

async function releaseLlama(): Promise<void> {
  if (shared === null) return;
  const entry = shared;
  if (--entry.users > 0) return;
  shared = null;
  await (await entry.llama).dispose();
}

/** Loading failures worth a plain message (the binary, the file). */
export class LlamaLoadError extends Error {}

export class LlamaEngine {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private uses = 0;
  private closed = false;
  private readonly counters = { promptTokens: 0, cachedPromptTokens: 0, generationTokens: 0 };

  private constructor(
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly options: LlamaEngineOptions,
  ) {
    this.slots = Array.from({ length: options.parallel }, (_, index) => ({ index, seq: context.getSequence(), busy: false, lastUsed: -1 - index }));
  }

  /** Load the binary, the model and the context; errors say which of them failed. */
  static async load(options: LlamaEngineOptions): Promise<LlamaEngine> {
    const llama = await acquireLlama(options.threads);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: options.gguf });
    } catch (err) {
      await releaseLlama();
      throw new LlamaLoadError(`cannot load the model ${options.gguf} (a complete GGUF file of a llama.cpp architecture?): ${(err as Error).message.split('\n')[0]}`);
    }
    const trained = model.trainContextSize;
    if (options.contextSize > trained) {
      await model.dispose();
      await releaseLlama();
      throw new RangeError(`--context-size ${options.contextSize} is more than the model's context length ${trained}`);
    }
    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize: options.contextSize,
        sequences: options.parallel,
        threads: options.threads,
        batchSize: Math.min(options.batchSize, options.contextSize),
        batching: { itemPrioritizationStrategy: decodesFirstBatch },
      });
    } catch (err) {
      await model.dispose();
      await releaseLlama();
      throw new LlamaLoadError(
        `cannot create a context of ${options.parallel} slot(s) × ${options.contextSize} tokens: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    return new LlamaEngine(model, context, options);
  }

  /** Tokens one slot holds: the longest prompt plus answer a request may have. */
  get contextSize(): number {
    return this.slots[0].seq.contextSize;
  }

  get vocabSize(): number {
    return this.model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  }

  /** Plain text → token ids (special-token text stays text). */
  tokenize(text: string): number[] {
    return this.model.tokenize(text, false) as number[];
  }

  /** The id of a special token of the vocabulary (e.g. `<|user|>`); throws when the model lacks it. */
  special(text: string): number {
    const ids = this.model.tokenize(text, true) as number[];
    if (ids.length !== 1 || !this.model.isSpecialToken(ids[0] as Token)) throw new RangeError(`the model has no special token ${text}`);
    return ids[0];
  }

  stats(): LlamaEngineStats {
    const running = this.slots.filter((s) => s.busy).length;
    const cachedTokens = this.slots.reduce((a, s) => a + s.seq.nextTokenIndex, 0);
    return { running, waiting: this.queue.length, cachedTokens, capacityTokens: this.slots.length * this.contextSize, ...this.counters };
  }

  /** Queue a request; returns its abort function (an aborted request stops after its current token). */
  submit(req: GenerationRequest, listener: GenerationListener): () => void {
    if (this.closed) throw new Error('the engine is closed');
    const pending: Pending = { req, listener, aborted: false };
    this.queue.push(pending);
    this.dispatch();
    return () => {
      pending.aborted = true;
      const i = this.queue.indexOf(pending);
      if (i >= 0) this.queue.splice(i, 1);
    };
  }

  /** Clear every idle slot's cache; false when a request is running. */
  async resetCache(): Promise<boolean> {
    if (this.slots.some((s) => s.busy)) return false;
    for (const s of this.slots) await s.seq.clearHistory();
    return true;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const free = this.slots.filter((s) => !s.busy);
      const head = this.queue[0];
      const pick = chooseSlot(
        free.map((s) => ({ index: s.index, tokens: s.seq.contextTokens, lastUsed: s.lastUsed })),
        head.req.prompt,
      );
      if (pick === null) return;
      this.queue.shift();
      const slot = this.slots[pick.index];
      slot.busy = true;
      slot.lastUsed = this.uses++;
      void this.run(slot, head).finally(() => {
        slot.busy = false;
        if (!this.closed) this.dispatch();
      });
    }
  }

  private async run(slot: Slot, p: Pending): Promise<void> {
    const { req, listener } = p;
    try {
      const seq = slot.seq;
      // Keep the shared prefix, but always compute the last prompt token: its logits start the answer.
      const keep = Math.min(seq.compareContextTokens(req.prompt as Token[]).firstDifferentIndex, req.prompt.length - 1);
      if (keep < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
      this.counters.promptTokens += req.prompt.length;
      this.counters.cachedPromptTokens += keep;
      listener.onStart(slot.index, keep);
      let produced = 0;
      let finish: 'stop' | 'length' = 'length';
      const sampling = req.temperature > 0 ? { temperature: req.temperature, ...(req.seed !== null ? { seed: req.seed } : {}) } : { temperature: 0 };
      // yieldEogToken: node-llama-cpp otherwise ends the generation at an end-of-generation token
      // without yielding it, which would cut ignore_eos answers short.
      for await (const token of seq.evaluate(req.prompt.slice(keep) as Token[], { ...sampling, yieldEogToken: true })) {
        if (p.aborted || this.closed) return;
        if (!req.ignoreEos && this.model.isEogToken(token)) {
          finish = 'stop';
          break;
        }
        produced++;
        this.counters.generationTokens++;
        listener.onToken(token, this.model.detokenize([token]));
        if (produced >= req.maxTokens) break;
      }
      listener.onEnd(finish);
    } catch (err) {
      if (!p.aborted) listener.onError(err);
    }
  }

  /** Stop serving: queued requests are dropped, then the context, model and binary are freed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.listener.onError(new Error('the worker is stopping'));
    await this.context.dispose();
    await this.model.dispose();
    await releaseLlama();
  }
}
