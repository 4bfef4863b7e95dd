/**
 * Benchmark 5 — tokenizer: encode throughput (tokens/s, tinybench) of core/tokenizer on lorem text
 * (the vocabulary the workloads generate) and on real documents (data/documents + the corpus chapter),
 * beside gpt-tokenizer's own `encode` on the same text (same ids; the baseline kvlab used before its
 * own pre-tokenizer and piece memo), and the cost of a growing conversation with ChatTokenizer's per-message memoisation: turn k's
 * encodeChat cost per NEW token (the answer and message added since turn k−1) relative to turn 1.
 * It must stay flat (target ≤ 1.5 at the last turn); the baseline is the same conversation without
 * memoisation (maxCacheEntries 0), whose cost per new token grows with the history.
 */
import { Bench } from 'tinybench';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ChatTokenizer, type ChatMessageLike } from '../../src/core/chat-template.ts';
import { loremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';
import { encode } from '../../src/core/tokenizer.ts';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/o200k_base';
import { makeFigure, percentile, repetitions } from '../lib/figure.ts';
import type { Suite } from '../lib/types.ts';

const DATA = fileURLToPath(new URL('../../data/', import.meta.url));
const MESSAGE_TOKENS = 120;

function documentText(): string {
  const docs = readdirSync(join(DATA, 'documents')).filter((f) => f !== 'README.md').sort().map((f) => join(DATA, 'documents', f));
  const corpus = readdirSync(join(DATA, 'corpus')).filter((f) => f.endsWith('.txt')).map((f) => join(DATA, 'corpus', f));
  return [...docs, ...corpus].map((f) => readFileSync(f, 'utf8')).join('\n\n');
}

const PLAIN_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };
const reference = (text: string): number[] => gptTokenizerEncode(text, PLAIN_TEXT);

async function encodeRate(text: string, timeMs: number, fn: (text: string) => number[] = encode): Promise<number> {
  const tokens = fn(text).length;
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4), retainSamples: false });
  bench.add('encode', () => {
    fn(text);
  }, { async: false });
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`encode benchmark ${r.state}`);
  return tokens / (r.latency.mean / 1000);
}

/** Messages of a conversation: user, answer, user, answer, ... (distinct lorem texts). */
function conversation(seed: string, turns: number): { user: string[]; answer: string[] } {
  const rng = createRng(seed);
  return {
    user: Array.from({ length: turns }, () => loremText(rng, MESSAGE_TOKENS).text),
    answer: Array.from({ length: turns }, () => loremText(rng, MESSAGE_TOKENS).text),
  };
}

/** Per turn k (0-based): encodeChat time in ms and new tokens since turn k−1, for one conversation. */
function playConversation(c: { user: string[]; answer: string[] }, tok: ChatTokenizer): { ms: number[]; newTokens: number[] } {
  const msgs: ChatMessageLike[] = [];
  const ms: number[] = [];
  const newTokens: number[] = [];
  let prevLen = 0;
  for (let k = 0; k < c.user.length; k++) {
    if (k > 0) msgs.push({ role: 'assistant', content: c.answer[k - 1] });
    msgs.push({ role: 'user', content: c.user[k] });
    const t0 = performance.now();
    const prompt = tok.encodeChat(msgs);
    ms.push(performance.now() - t0);
    newTokens.push(prompt.length - prevLen);
    prevLen = prompt.length;
  }
  return { ms, newTokens };
}

/** Cost per new token of the last turns (median over conversations) relative to turn 1's. */
function growthRatio(convs: { user: string[]; answer: string[] }[], memo: boolean): { ratio: number; perTokenUs: number[] } {
  const plays = convs.map((c) => playConversation(c, new ChatTokenizer({ maxCacheEntries: memo ? 4096 : 0 })));
  const turns = convs[0].user.length;
  const perTokenUs = Array.from({ length: turns }, (_, k) => percentile(plays.map((p) => (p.ms[k] * 1000) / p.newTokens[k]), 50));
  const last = perTokenUs.slice(-4);
  return { ratio: percentile(last, 50) / perTokenUs[0], perTokenUs };
}

export const tokenizer: Suite = {
  id: 'tokenizer',
  title: 'Tokenizer: encode throughput and memoised chat growth',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 3);
    const timeMs = opts.quick ? 500 : 1500;
    const turns = opts.quick ? 32 : 64;
    const conversations = opts.quick ? 8 : 20;
    const lorem = loremText(createRng('bench/tokenizer'), 16_000).text;
    const doc = documentText();
    const loremRate: number[] = [];
    const docRate: number[] = [];
    const loremBase: number[] = [];
    const docBase: number[] = [];
    const memo: number[] = [];
    const plain: number[] = [];
    playConversation(conversation('warmup', turns), new ChatTokenizer());
    for (let i = 0; i < runs; i++) {
      loremRate.push(await encodeRate(lorem, timeMs));
      loremBase.push(await encodeRate(lorem, timeMs, reference));
      docRate.push(await encodeRate(doc, timeMs));
      docBase.push(await encodeRate(doc, timeMs, reference));
      const convs = Array.from({ length: conversations }, (_, c) => conversation(`bench/conv/${i}/${c}`, turns));
      const m = growthRatio(convs, true);
      const p = growthRatio(convs, false);
      memo.push(m.ratio);
      plain.push(p.ratio);
      const rate = (v: number): string => Math.round(v).toLocaleString('en-US');
      log(`run ${i + 1}: lorem ${rate(loremRate[i])} tok/s (gpt-tokenizer ${rate(loremBase[i])}), documents ${rate(docRate[i])} tok/s (gpt-tokenizer ${rate(docBase[i])}); turn ${turns} per-new-token cost ×${m.ratio.toFixed(2)} of turn 1 (memo; turn 1 ${m.perTokenUs[0].toFixed(2)} µs/token), ×${p.ratio.toFixed(2)} without`);
    }
    const growth = `${conversations} conversations × ${turns} turns, ${MESSAGE_TOKENS}-token lorem messages; cost per new token of the last 4 turns (median) / turn 1`;
    const figures = [
      makeFigure({ id: 'tokenizer.lorem_tokens_per_s', name: 'encode throughput, lorem text', unit: 'tok/s', values: loremRate, baseline: { name: 'gpt-tokenizer encode', values: loremBase }, note: `${encode(lorem).length} tokens per call (a 16k-token prompt)` }),
      makeFigure({ id: 'tokenizer.document_tokens_per_s', name: 'encode throughput, documents', unit: 'tok/s', values: docRate, baseline: { name: 'gpt-tokenizer encode', values: docBase }, note: `data/documents + corpus, ${encode(doc).length} tokens per call` }),
      makeFigure({ id: 'tokenizer.turn_cost_ratio', name: `chat turn ${turns} cost per new token / turn 1`, unit: '×', values: memo, baseline: { name: 'no memoisation', values: plain }, target: { on: 'value', op: '<=', limit: 1.5 }, note: growth }),
    ];
    return { figures, config: { runs, timeMs, turns, conversations, messageTokens: MESSAGE_TOKENS } };
  },
};
