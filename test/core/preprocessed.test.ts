import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/core/block-hash.ts';
import {
  capabilityOf,
  KVLAB_BLOCK_HASH,
  KVLAB_TOKENIZER,
  packTokenIds,
  preprocessedPrompt,
  readPreprocessed,
  unpackTokenIds,
  workerCapability,
} from '../../src/core/preprocessed.ts';
import { VOCAB_SIZE } from '../../src/core/tokenizer.ts';

const BS = 4;
const tokens = [0, 1, 255, 256, 65_535, 65_536, 199_997, 199_999, VOCAB_SIZE - 1, 42];
const hashes = blockHashes(tokens, BS);

describe('preprocessed prompts', () => {
  it('pack token ids in 3 bytes each and unpack them exactly', () => {
    expect(unpackTokenIds(packTokenIds(tokens))).toEqual(tokens);
    expect(unpackTokenIds(packTokenIds(tokens, 8))).toEqual(tokens.slice(8));
    expect(unpackTokenIds('')).toEqual([]);
    expect(unpackTokenIds('AAAA!')).toBeNull(); // not canonical base64
    expect(unpackTokenIds('AAAAAA==')).toBeNull(); // 4 bytes: not a whole number of ids
  });

  it('recognise only a kvlab worker with our tokenizer, hash function and block size', () => {
    expect(capabilityOf({ status: 'ok', kvlab: workerCapability(BS, true) }, BS)).toEqual(workerCapability(BS, true));
    expect(capabilityOf({ status: 'ok', kvlab: workerCapability(BS, false) }, BS)?.hash_only).toBe(false);
    expect(capabilityOf({ status: 'ok' }, BS)).toBeNull();
    expect(capabilityOf({ status: 'ok', kvlab: workerCapability(BS * 2, true) }, BS)).toBeNull();
    expect(capabilityOf({ kvlab: { ...workerCapability(BS, true), tokenizer: 'cl100k_base' } }, BS)).toBeNull();
    expect(capabilityOf({ kvlab: { ...workerCapability(BS, true), block_hash: 'sha256' } }, BS)).toBeNull();
    expect(capabilityOf(null, BS)).toBeNull();
    expect(capabilityOf('ok', BS)).toBeNull();
    expect([KVLAB_TOKENIZER, KVLAB_BLOCK_HASH].every((s) => s.length > 0)).toBe(true);
  });

  it('carry all token ids to a worker that needs them, only the tail to a hash-only worker', () => {
    const full = preprocessedPrompt(tokens, hashes, workerCapability(BS, false));
    expect(readPreprocessed(full, BS, false)).toEqual({ length: 10, tokenIds: tokens, hashes, hashOnly: false });
    const tail = preprocessedPrompt(tokens, hashes, workerCapability(BS, true));
    expect(readPreprocessed(tail, BS, true)).toEqual({ length: 10, tokenIds: tokens.slice(8), hashes, hashOnly: true });
    // a hash-only worker takes full prompts too
    expect(readPreprocessed(full, BS, true).hashOnly).toBe(false);
  });

  it('are refused when they do not fit the worker, naming the field', () => {
    const full = preprocessedPrompt(tokens, hashes, workerCapability(BS, false));
    const tail = preprocessedPrompt(tokens, hashes, workerCapability(BS, true));
    const refused = (p: typeof full, acceptHashOnly: boolean, param: string) =>
      expect(() => readPreprocessed(p, BS, acceptHashOnly)).toThrow(expect.objectContaining({ code: 'invalid_request', param: `kvlab_prompt.${param}` }));
    refused(tail, false, 'token_ids');
    refused({ ...full, block_size: BS * 2 }, true, 'block_size');
    refused({ ...full, block_hashes: hashes.slice(1) }, true, 'block_hashes');
    refused({ ...full, tokens: 11 }, true, 'token_ids');
    refused({ ...full, token_ids: packTokenIds([...tokens.slice(0, 9), VOCAB_SIZE]) }, true, 'token_ids');
    refused({ ...full, token_ids: 'not base64!' }, true, 'token_ids');
  });
});
