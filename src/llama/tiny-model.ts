/**
 * A deterministic random-weight Llama-architecture model as a GGUF file (what `kvlab make-model`
 * writes): llama.cpp's `llama` tensor names and metadata keys, F32 weights drawn from a seeded normal
 * distribution (std 0.02, RMS-norm weights 1), and a byte-level BPE vocabulary trained from kvlab's own
 * text (data/corpus and the lorem words workloads send) plus kvlab's chat special tokens (chat-format.ts).
 *
 * Approximation: the weights are noise, so the text is noise; what is real is the transformer's work —
 * the prefill, decode and KV-cache costs of a model of this shape, run by llama.cpp.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOREM_WORDS } from '../core/lorem.ts';
import { createRng } from '../core/rng.ts';
import { trainByteBpe } from './byte-bpe.ts';
import { SPECIAL_TOKEN_TEXTS } from './chat-format.ts';
import { checkTinyModelSpec, type TinyModelSpec } from './tiny-model-spec.ts';
import { encodeGguf, type GgufTensor, type GgufValue } from './gguf-writer.ts';

export { checkTinyModelSpec, DEFAULT_TINY_MODEL, type TinyModelSpec } from './tiny-model-spec.ts';

const CORPUS_FILE = fileURLToPath(new URL('../../data/corpus/pride-and-prejudice-ch1-2.txt', import.meta.url));

/** The text the tokenizer is trained on: the corpus, then each lorem word after a space. */
export function tokenizerCorpus(): string {
  return `${readFileSync(CORPUS_FILE, 'utf8')}\n${LOREM_WORDS.map((w) => ` ${w}`).join('')}`;
}

/** Standard-normal samples × std from a seeded stream (Box–Muller). */
function normal(rng: ReturnType<typeof createRng>, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

export interface TinyModel {
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
  parameters: number;
}

/** Build the model in memory (metadata and tensors); `encodeGguf` turns it into the file. */
export function buildTinyModel(spec: TinyModelSpec): TinyModel {
  checkTinyModelSpec(spec);
  const { hidden, layers, heads, kvHeads, ffn, vocab, context, seed } = spec;
  const headDim = hidden / heads;
  const kvDim = headDim * kvHeads;
  const bpe = trainByteBpe(tokenizerCorpus(), vocab - SPECIAL_TOKEN_TEXTS.length);
  const tokens = [...bpe.tokens, ...SPECIAL_TOKEN_TEXTS];
  const nVocab = tokens.length; // smaller than asked only when the corpus runs out of pairs
  const tokenTypes = tokens.map((_, i) => (i < bpe.tokens.length ? 1 : 3)); // 1 normal, 3 control
  const id = (text: string): number => tokens.indexOf(text);

  const m = new Map<string, GgufValue>();
  const u32 = (key: string, value: number): void => void m.set(key, { type: 'u32', value });
  m.set('general.architecture', { type: 'string', value: 'llama' });
  m.set('general.name', { type: 'string', value: `kvlab-tiny-llama-h${hidden}-l${layers}-s${seed}` });
  u32('general.alignment', 32);
  u32('general.file_type', 0); // all F32
  u32('llama.context_length', context);
  u32('llama.embedding_length', hidden);
  u32('llama.block_count', layers);
  u32('llama.feed_forward_length', ffn);
  u32('llama.attention.head_count', heads);
  u32('llama.attention.head_count_kv', kvHeads);
  m.set('llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 });
  u32('llama.rope.dimension_count', headDim);
  m.set('llama.rope.freq_base', { type: 'f32', value: 10000 });
  u32('llama.vocab_size', nVocab);
  m.set('tokenizer.ggml.model', { type: 'string', value: 'gpt2' });
  m.set('tokenizer.ggml.pre', { type: 'string', value: 'gpt-2' });
  m.set('tokenizer.ggml.tokens', { type: 'string[]', value: tokens });
  m.set('tokenizer.ggml.token_type', { type: 'i32[]', value: tokenTypes });
  m.set('tokenizer.ggml.merges', { type: 'string[]', value: bpe.merges });
  u32('tokenizer.ggml.bos_token_id', id('<|bos|>'));
  u32('tokenizer.ggml.eos_token_id', id('<|eos|>'));
  m.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: false });

  const rng = createRng(`kvlab-tiny-llama/${seed}`);
  const std = 0.02;
  const t: GgufTensor[] = [];
  const add = (name: string, dims: number[], data: Float32Array): void => void t.push({ name, dims, data });
  add('token_embd.weight', [hidden, nVocab], normal(rng, hidden * nVocab, std));
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`;
    add(`${p}attn_norm.weight`, [hidden], ones(hidden));
    add(`${p}attn_q.weight`, [hidden, hidden], normal(rng, hidden * hidden, std));
    add(`${p}attn_k.weight`, [hidden, kvDim], normal(rng, hidden * kvDim, std));
    add(`${p}attn_v.weight`, [hidden, kvDim], normal(rng, hidden * kvDim, std));
    add(`${p}attn_output.weight`, [hidden, hidden], normal(rng, hidden * hidden, std));
    add(`${p}ffn_norm.weight`, [hidden], ones(hidden));
    add(`${p}ffn_gate.weight`, [hidden, ffn], normal(rng, hidden * ffn, std));
    add(`${p}ffn_up.weight`, [hidden, ffn], normal(rng, hidden * ffn, std));
    add(`${p}ffn_down.weight`, [ffn, hidden], normal(rng, ffn * hidden, std));
  }
  add('output_norm.weight', [hidden], ones(hidden));
  add('output.weight', [hidden, nVocab], normal(rng, hidden * nVocab, std));
  return { metadata: m, tensors: t, parameters: t.reduce((a, x) => a + x.data.length, 0) };
}

/** The GGUF file's bytes for `spec`. */
export function tinyModelGguf(spec: TinyModelSpec): { bytes: Buffer; parameters: number; vocab: number } {
  const model = buildTinyModel(spec);
  const tokens = model.metadata.get('tokenizer.ggml.tokens');
  return { bytes: encodeGguf(model.metadata, model.tensors), parameters: model.parameters, vocab: tokens?.type === 'string[]' ? tokens.value.length : 0 };
}
