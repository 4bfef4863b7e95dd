import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readGgufFileInfo } from 'node-llama-cpp';
import { encodeGguf, encodeGgufHead } from '../../src/llama/gguf-writer.ts';
import { buildTinyModel, checkTinyModelSpec, tinyModelGguf } from '../../src/llama/tiny-model.ts';
import { SPECIAL_TOKEN_TEXTS } from '../../src/llama/chat-format.ts';

const SMALL = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 64, vocab: 300, context: 256, seed: 3 };

describe('GGUF v3 writer', () => {
  it('writes the header: magic GGUF, version 3, tensor and metadata counts', () => {
    const meta = new Map([['general.architecture', { type: 'string', value: 'llama' } as const]]);
    const buf = encodeGguf(meta, [{ name: 'w', dims: [2, 3], data: new Float32Array(6).fill(1.5) }]);
    expect(buf.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(buf.readUInt32LE(4)).toBe(3);
    expect(buf.readBigUInt64LE(8)).toBe(1n);
    expect(buf.readBigUInt64LE(16)).toBe(1n);
    const { head } = encodeGgufHead(meta, [{ name: 'w', dims: [2, 3], data: new Float32Array(6) }]);
    expect(head.length % 32).toBe(0);
    expect(buf.readFloatLE(head.length + 20)).toBe(1.5);
  });

  it('aligns every tensor to 32 bytes and refuses data that does not match the dimensions', () => {
    const tensors = [
      { name: 'a', dims: [3], data: new Float32Array(3) },
      { name: 'b', dims: [5], data: new Float32Array(5) },
    ];
    expect(encodeGgufHead(new Map(), tensors).offsets).toEqual([0, 32]);
    expect(() => encodeGgufHead(new Map(), [{ name: 'c', dims: [2, 2], data: new Float32Array(3) }])).toThrow(/3 values for dimensions 2×2/);
  });

  it("writes a tiny Llama that llama.cpp's GGUF reader (node-llama-cpp) reads back: metadata, tokenizer and tensor shapes", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlab-gguf-'));
    try {
      const file = join(dir, 'm.gguf');
      writeFileSync(file, tinyModelGguf(SMALL).bytes);
      const info = await readGgufFileInfo(file, { readTensorInfo: true });
      expect(info.version).toBe(3);
      const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
      expect(md.general.architecture).toBe('llama');
      const llama = md.llama as { embedding_length: number; block_count: number; attention: { head_count: number; head_count_kv: number } };
      expect([llama.embedding_length, llama.block_count, llama.attention.head_count, llama.attention.head_count_kv]).toEqual([32, 2, 4, 2]);
      const tok = (md.tokenizer as { ggml: { model: string; tokens: string[]; merges: string[] } }).ggml;
      expect(tok.model).toBe('gpt2');
      expect(tok.tokens).toHaveLength(300);
      expect(tok.tokens.slice(-SPECIAL_TOKEN_TEXTS.length)).toEqual([...SPECIAL_TOKEN_TEXTS]);
      expect(tok.merges).toHaveLength(300 - 256 - SPECIAL_TOKEN_TEXTS.length);
      const shapes = Object.fromEntries((info.fullTensorInfo ?? []).map((t) => [t.name, t.dimensions.map(Number)]));
      expect(shapes['token_embd.weight']).toEqual([32, 300]);
      expect(shapes['blk.1.attn_k.weight']).toEqual([32, 16]); // kv heads 2 × head size 8
      expect(shapes['blk.0.ffn_down.weight']).toEqual([64, 32]);
      expect(Object.keys(shapes)).toHaveLength(3 + 2 * 9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is deterministic: the same spec gives the same bytes, another seed other weights', () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(tinyModelGguf(SMALL).bytes)).toBe(sha(tinyModelGguf(SMALL).bytes));
    expect(sha(tinyModelGguf({ ...SMALL, seed: 4 }).bytes)).not.toBe(sha(tinyModelGguf(SMALL).bytes));
    expect(buildTinyModel(SMALL).parameters).toBe(300 * 32 * 2 + 32 + 2 * (2 * 32 + 32 * 32 * 2 + 32 * 16 * 2 + 3 * 32 * 64));
  });

  it('refuses shapes llama.cpp cannot run, naming the field', () => {
    expect(() => checkTinyModelSpec({ ...SMALL, hidden: 30 })).toThrow(/hidden \(30\) must be a multiple of heads/);
    expect(() => checkTinyModelSpec({ ...SMALL, kvHeads: 3 })).toThrow(/multiple of kvHeads/);
    expect(() => checkTinyModelSpec({ ...SMALL, vocab: 260 })).toThrow(/vocab must be at least 263/);
  });
});
