/**
 * KV events with vLLM's block hashes (`--prefix-caching-hash-algo sha256_cbor` or `sha256`): the engine keeps
 * its own chained hashes (core/block-hash) as block identities, and this rewrites each step's events
 * at publish time — a stored block's vLLM hash computed from its token ids chained on its parent's
 * vLLM digest (core/vllm-block-hash), a removed block's looked up. Pure (no I/O): a map from the
 * engine's hash to the vLLM digest of every block it announced and has not removed.
 *
 * A BlockStored whose parent was never announced, or without token ids (hash-only events), cannot be
 * rewritten and is dropped (counted in `dropped`); options validation requires token ids, and a
 * sequence holds its parent blocks while it stores children, so neither happens in a kvlab worker.
 */
import type { OutgoingKvEvent } from '../../core/kv-event-codec.ts';
import { externalHash, vllmBlockHash, vllmNoneHash, type VllmHashAlgo } from '../../core/vllm-block-hash.ts';
import type { KvEvent } from '../engine/index.ts';

export class VllmEventHasher {
  private readonly digests = new Map<number, Uint8Array>();
  private readonly none: Uint8Array;
  /** Events that could not be rewritten (see the module comment). */
  dropped = 0;

  constructor(
    hashSeed: string,
    private readonly algo: VllmHashAlgo = 'sha256_cbor',
  ) {
    this.none = vllmNoneHash(hashSeed, algo);
  }

  /** Blocks whose vLLM digest is known (announced, not removed). */
  get size(): number {
    return this.digests.size;
  }

  translate(events: readonly KvEvent[]): OutgoingKvEvent[] {
    const out: OutgoingKvEvent[] = [];
    for (const e of events) {
      if (e.type === 'AllBlocksCleared') {
        this.digests.clear();
        out.push(e);
      } else if (e.type === 'BlockRemoved') {
        const hashes: bigint[] = [];
        for (const h of e.blockHashes) {
          const d = this.digests.get(h);
          if (d === undefined) continue;
          this.digests.delete(h);
          hashes.push(externalHash(d));
        }
        if (hashes.length > 0) out.push({ type: 'BlockRemoved', blockHashes: hashes });
      } else {
        const parentDigest = e.parentHash === null ? this.none : this.digests.get(e.parentHash);
        const n = e.blockHashes.length;
        if (parentDigest === undefined || e.tokenIds.length < n * e.blockSize) {
          this.dropped++;
          continue;
        }
        const hashes = new Array<bigint>(n);
        let parent = parentDigest;
        for (let i = 0; i < n; i++) {
          parent = vllmBlockHash(parent, e.tokenIds, i * e.blockSize, e.blockSize, this.algo);
          this.digests.set(e.blockHashes[i], parent);
          hashes[i] = externalHash(parent);
        }
        out.push({
          type: 'BlockStored',
          blockHashes: hashes,
          parentHash: e.parentHash === null ? null : externalHash(parentDigest),
          tokenIds: e.tokenIds,
          blockSize: e.blockSize,
        });
      }
    }
    return out;
  }
}
