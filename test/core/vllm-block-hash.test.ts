import { describe, expect, it } from 'vitest';
import { cborEncode, externalHash, vllmBlockHash, vllmBlockHashes, vllmNoneHash } from '../../src/core/vllm-block-hash.ts';
import { vllmQwen3Fixture } from './tokenizers/hf-fixtures.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('canonical CBOR', () => {
  it('encodes the RFC 8949 Appendix A examples it needs (unsigned integers, text, bytes, arrays, null)', () => {
    expect(hex(cborEncode(0))).toBe('00');
    expect(hex(cborEncode(23))).toBe('17');
    expect(hex(cborEncode(24))).toBe('1818');
    expect(hex(cborEncode(100))).toBe('1864');
    expect(hex(cborEncode(1000))).toBe('1903e8');
    expect(hex(cborEncode(1000000))).toBe('1a000f4240');
    expect(hex(cborEncode(1000000000000))).toBe('1b000000e8d4a51000');
    expect(hex(cborEncode(18446744073709551615n))).toBe('1bffffffffffffffff');
    expect(hex(cborEncode('a'))).toBe('6161');
    expect(hex(cborEncode('IETF'))).toBe('6449455446');
    expect(hex(cborEncode(new Uint8Array([1, 2, 3, 4])))).toBe('4401020304');
    expect(hex(cborEncode([]))).toBe('80');
    expect(hex(cborEncode([1, [2, 3], [4, 5]]))).toBe('8301820203820405');
    expect(hex(cborEncode(null))).toBe('f6');
  });
});

describe("vLLM's sha256_cbor block hashes", () => {
  it("equal the 25 hashes vLLM published for llm-d's Qwen3 prompt (PYTHONHASHSEED=42, block size 16)", () => {
    const f = vllmQwen3Fixture();
    expect(vllmBlockHashes(f.token_ids, f.block_size, f.hash_seed).map(String)).toEqual(f.block_hashes);
  });

  it('depend on the seed, chain on the parent digest, and cover full blocks only', () => {
    const f = vllmQwen3Fixture();
    expect(vllmBlockHashes(f.token_ids, 16, '0')[0]).not.toBe(BigInt(f.block_hashes[0]));
    const second = vllmBlockHash(vllmBlockHash(vllmNoneHash('42'), f.token_ids, 0, 16), f.token_ids, 16, 16);
    expect(String(externalHash(second))).toBe(f.block_hashes[1]);
    expect(vllmBlockHashes(f.token_ids.slice(0, 47), 16, '42')).toHaveLength(2);
  });
});
