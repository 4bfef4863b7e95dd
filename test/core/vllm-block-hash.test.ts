import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pickleBlockKey, pickleString } from '../../src/core/vllm-pickle.ts';
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

interface PickleVectors {
  source: string;
  cases: { hash_seed: string; block_size: number; token_ids: number[]; none_hash_hex: string; block_hashes: string[] }[];
}

const pickleVectors = JSON.parse(readFileSync(new URL('../fixtures/vllm-sha256-pickle-vectors.json', import.meta.url), 'utf8')) as PickleVectors;

describe("vLLM's sha256 (pickle) block hashes", () => {
  it('write the bytes CPython pickles (protocol 5) for a str seed and a (bytes, tuple of ints, None) key', () => {
    // Bytes printed by CPython 3.11's pickle.dumps(..., protocol=5).
    expect(hex(pickleString('12345'))).toBe('80059509000000000000008c053132333435942e');
    const parent = new Uint8Array(32).fill(1);
    expect(hex(pickleBlockKey(parent, [1, 300, 70000, 5], 0, 4))).toBe(
      '80059536000000000000004320' + '01'.repeat(32) + '94284b014d2c014a701101004b0574944e87942e',
    );
    expect(hex(pickleBlockKey(new Uint8Array(32).fill(0x61), [], 0, 0))).toBe('80059528000000000000004320' + '61'.repeat(32) + '94294e87942e');
  });

  for (const c of pickleVectors.cases) {
    it(`equal CPython's digests: seed ${JSON.stringify(c.hash_seed.slice(0, 8))}${c.hash_seed.length > 8 ? '…' : ''}, block size ${c.block_size}, ${c.block_hashes.length} blocks`, () => {
      expect(hex(vllmNoneHash(c.hash_seed, 'sha256'))).toBe(c.none_hash_hex);
      expect(vllmBlockHashes(c.token_ids, c.block_size, c.hash_seed, 'sha256').map(String)).toEqual(c.block_hashes);
      expect(vllmBlockHashes(c.token_ids, c.block_size, c.hash_seed, 'sha256_cbor').map(String)).not.toEqual(c.block_hashes);
    });
  }

  it('refuses what it does not reproduce: negative or 2^31+ ids, a pickle spanning several frames', () => {
    expect(() => pickleBlockKey(new Uint8Array(32), [-1], 0, 1)).toThrow(RangeError);
    expect(() => pickleBlockKey(new Uint8Array(32), [2 ** 31], 0, 1)).toThrow(RangeError);
    expect(() => pickleBlockKey(new Uint8Array(32), new Array(14_000).fill(100_000), 0, 14_000)).toThrow(/several frames/);
  });
});
