/**
 * Preprocessed prompts: how a kvlab router hands a kvlab worker a prompt it has already tokenized and
 * hashed (as Dynamo's frontend hands its workers preprocessed requests), so a long prompt is tokenized
 * once per cluster instead of once per process.
 *
 * - A kvlab worker advertises what it takes in `GET /health` under `kvlab` (`WorkerCapability`): the
 *   tokenizer + chat template it uses, its block hash function and block size, and whether its engine
 *   takes hash-only prompts (it publishes KV events without token ids: it then never needs the ids of
 *   a prompt's full blocks). Any other server has no such field and is sent plain requests.
 * - The router then forwards the request with `kvlab_prompt` (`PreprocessedPrompt`) instead of its
 *   `messages` / `prompt`: the prompt's length, its full blocks' chained hashes (core/block-hash), and
 *   its token ids — all of them, or only those after the last full block for a hash-only worker —
 *   packed 3 bytes per id (o200k ids are below 2^18), little-endian, base64.
 * Every other field of the request is forwarded as the client sent it.
 *
 * Trust: a worker takes the hashes as given (it does not re-hash), so a client that writes its own
 * `kvlab_prompt` only misleads its own simulation. Shapes and lengths are checked (`readPreprocessed`).
 */
import { Type, type Static } from '@sinclair/typebox';
import { makeError } from './errors.ts';
import { isValidToken } from './tokenizer.ts';

/** The request field that carries a preprocessed prompt. */
export const PREPROCESSED_FIELD = 'kvlab_prompt';

/** Identity of kvlab's tokenizer and chat template (o200k_base ids, the ChatML-like template). */
export const KVLAB_TOKENIZER = 'o200k_base+kvlab-chat/1';
/** Identity of kvlab's block hash function (core/block-hash). */
export const KVLAB_BLOCK_HASH = 'kvlab-chained-53/1';

/** What a kvlab worker advertises in `/health` under `kvlab`. */
export interface WorkerCapability {
  tokenizer: string;
  block_hash: string;
  block_size: number;
  /** The worker takes prompts whose full blocks are known by their hashes only. */
  hash_only: boolean;
}

export function workerCapability(blockSize: number, hashOnly: boolean, tokenizer = KVLAB_TOKENIZER): WorkerCapability {
  return { tokenizer, block_hash: KVLAB_BLOCK_HASH, block_size: blockSize, hash_only: hashOnly };
}

/**
 * The capability in a worker's `/health` body, when it is a kvlab worker that shares our tokenizer,
 * hash function and `blockSize`; null for anything else (a foreign server, another kvlab version, a
 * worker with another `--tokenizer`).
 */
export function capabilityOf(health: unknown, blockSize: number, tokenizer = KVLAB_TOKENIZER): WorkerCapability | null {
  const k = (health as { kvlab?: unknown } | null)?.kvlab as Partial<WorkerCapability> | undefined;
  if (k === null || typeof k !== 'object') return null;
  if (k.tokenizer !== tokenizer || k.block_hash !== KVLAB_BLOCK_HASH || k.block_size !== blockSize) return null;
  return { tokenizer: k.tokenizer, block_hash: k.block_hash, block_size: k.block_size, hash_only: k.hash_only === true };
}

export const PreprocessedPrompt = Type.Object(
  {
    tokens: Type.Integer({ minimum: 1 }),
    block_size: Type.Integer({ minimum: 1 }),
    block_hashes: Type.Array(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    token_ids: Type.String(),
  },
  { additionalProperties: false },
);
export type PreprocessedPrompt = Static<typeof PreprocessedPrompt>;

/** Token ids → 3 little-endian bytes each → base64. */
export function packTokenIds(ids: ArrayLike<number>, from = 0, to = ids.length): string {
  const bytes = Buffer.allocUnsafe((to - from) * 3);
  for (let i = from, b = 0; i < to; i++, b += 3) {
    const t = ids[i];
    bytes[b] = t & 0xff;
    bytes[b + 1] = (t >>> 8) & 0xff;
    bytes[b + 2] = (t >>> 16) & 0xff;
  }
  return bytes.toString('base64');
}

/** The inverse of packTokenIds; null when the text is not such a packing. */
export function unpackTokenIds(text: string): number[] | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 3 !== 0 || bytes.toString('base64') !== text) return null;
  const n = bytes.length / 3;
  const ids = new Array<number>(n);
  for (let i = 0, b = 0; i < n; i++, b += 3) ids[i] = bytes[b] | (bytes[b + 1] << 8) | (bytes[b + 2] << 16);
  return ids;
}

/** A preprocessed prompt for a worker with `cap`: all token ids, or only the tail for a hash-only worker. */
export function preprocessedPrompt(tokens: readonly number[], hashes: readonly number[], cap: WorkerCapability): PreprocessedPrompt {
  const from = cap.hash_only ? hashes.length * cap.block_size : 0;
  return { tokens: tokens.length, block_size: cap.block_size, block_hashes: hashes as number[], token_ids: packTokenIds(tokens, from) };
}

/** A prompt as a worker's engine takes it. */
export interface PromptInput {
  /** Prompt length in tokens. */
  length: number;
  /** All token ids, or (hashOnly) those after the last full block. */
  tokenIds: number[];
  /** Chained hashes of the full blocks. */
  hashes: number[];
  hashOnly: boolean;
}

/**
 * Checks a preprocessed prompt against a worker with `blockSize` (hash-only prompts only when
 * `acceptHashOnly`); throws invalid_request naming the bad field.
 */
export function readPreprocessed(p: PreprocessedPrompt, blockSize: number, acceptHashOnly: boolean, isValid: (id: number) => boolean = isValidToken): PromptInput {
  const bad = (field: string, detail: string): never => {
    throw makeError('invalid_request', { detail: `${PREPROCESSED_FIELD}.${field}: ${detail}`, param: `${PREPROCESSED_FIELD}.${field}` });
  };
  if (p.block_size !== blockSize) bad('block_size', `this worker's block size is ${blockSize}, got ${p.block_size}`);
  const full = Math.floor(p.tokens / blockSize);
  if (p.block_hashes.length !== full) bad('block_hashes', `${p.tokens} tokens have ${full} full blocks, got ${p.block_hashes.length} hashes`);
  const ids = unpackTokenIds(p.token_ids);
  if (ids === null) bad('token_ids', 'must be base64 of 3-byte little-endian token ids');
  const tokenIds = ids as number[];
  const tail = p.tokens - full * blockSize;
  let hashOnly = false;
  if (tokenIds.length === tail && tail !== p.tokens) {
    if (!acceptHashOnly) bad('token_ids', `this worker needs all ${p.tokens} token ids (it publishes them in its KV events), got ${tokenIds.length}`);
    hashOnly = true;
  } else if (tokenIds.length !== p.tokens) bad('token_ids', `expected ${p.tokens} token ids${acceptHashOnly ? ` or the last ${tail}` : ''}, got ${tokenIds.length}`);
  for (let i = 0; i < tokenIds.length; i++) {
    if (!isValid(tokenIds[i])) bad('token_ids', `token id ${tokenIds[i]} at index ${i} is out of vocabulary`);
  }
  return { length: p.tokens, tokenIds, hashes: p.block_hashes, hashOnly };
}
