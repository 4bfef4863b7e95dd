/**
 * Applies a worker's KV events to the indexer, translating the worker's own block hashes ("external")
 * into the router's local hashes, as Dynamo does: a BlockStored event's local hashes are recomputed
 * from its token ids chained on the parent's local hash (core/block-hash `hashBlock`), and the
 * external → local mapping is remembered per worker so BlockRemoved can find the blocks. With the
 * kvlab mocker the worker's hashes are the same function, so external == local; with real vLLM they
 * differ and only this mapping makes overlaps comparable with the router's own hashing of prompts.
 *
 * Approximations: an event whose block size differs from the router's, or that lacks the token ids
 * needed to recompute hashes, is skipped and counted. A store whose parent is unknown (we joined
 * mid-stream, or cleared the worker after a sequence gap) is chained on the parent's external hash
 * taken as local, and counted as an orphan: exact for kvlab workers (external == local), harmless for
 * foreign ones (the blocks get hashes no prompt matches, and leave again with their BlockRemoved).
 * Dynamo drops such stores instead; we keep them so a kvlab cluster recovers from a resync at once.
 * `trustedHashes`: the sender hashes with core/block-hash at the router's block size (in-memory kvlab
 * engines), so external == local and the applier stores and removes the event's own hashes without
 * re-hashing token ids or keeping a mapping (same index as the general path, far cheaper; token ids
 * are not needed, so such a sender may leave them out); an event with a non-number hash still takes
 * the general path. A worker is also trusted from the first BlockStored it sends without token ids
 * at our block size: only a kvlab worker publishing hash-only events (its `kvEventTokenIds` off) does
 * that, and such an event cannot be re-hashed anyway. That learned trust ends when the worker's
 * entries are reset (AllBlocksCleared, sequence gap, reconnect: the publisher may have changed).
 * Trust is also learned by verification: a worker whose first VERIFY_BLOCKS re-hashed blocks all came
 * back equal to the hashes it sent hashes as we do (a kvlab mocker publishing vLLM's format with
 * token ids), so its later events skip re-hashing and the mapping (the index is the same: every local
 * hash equals its external one). One mismatch before that marks the worker foreign (a vLLM worker's
 * hashes never match): it is re-hashed for good, until its entries are reset.
 * Events with a lower `medium` ("CPU", "DISK": a worker's offload tiers) go to `tiers` (tier-index.ts)
 * under their own hashes; an unknown medium other than "GPU" is skipped.
 * Pure: no clocks, no I/O.
 */
import { hashBlock, ROOT_HASH } from '../core/block-hash.ts';
import { HashIndex } from '../core/hash-index.ts';
import type { KvIndexer } from './indexer.ts';
import { lowerMediumOf, TierIndex } from './tier-index.ts';

/** A worker's block hash as decoded off the wire: an integer (maybe above 2^53), or raw bytes. */
export type ExternalHash = number | bigint | string | Uint8Array;

/** Structurally the engine's/codec's KvEvent, with looser hash types. */
export type KvEventLike =
  | {
      type: 'BlockStored';
      blockHashes: readonly ExternalHash[];
      parentHash: ExternalHash | null | undefined;
      tokenIds: readonly number[];
      blockSize: number;
      medium?: string | null;
    }
  | { type: 'BlockRemoved'; blockHashes: readonly ExternalHash[]; medium?: string | null }
  | { type: 'AllBlocksCleared' };

export interface KvEventApplierOptions {
  /** The sender's hashes are core/block-hash chained hashes at our block size (see the module comment). */
  trustedHashes?: boolean;
}

export interface ApplyResult {
  applied: number;
  skipped: number;
}

type Key = number | string;

/** Re-hashed blocks that must all equal the worker's own hashes before its hashes are trusted. */
export const VERIFY_BLOCKS = 32;
/** `verified` of a worker whose hashes differed from ours: never trusted until reset. */
const FOREIGN = -1;

/** A stable Map key for an external hash (safe integers stay numbers). */
export function externalKey(h: ExternalHash): Key {
  if (typeof h === 'number') return h;
  if (typeof h === 'bigint') {
    const n = Number(h);
    return Number.isSafeInteger(n) && BigInt(n) === h ? n : `i${h.toString()}`;
  }
  if (typeof h === 'string') return `s${h}`;
  let hex = 'x';
  for (const b of h) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function isIntKey(key: Key): key is number {
  return typeof key === 'number' && key >= 0 && Number.isSafeInteger(key);
}

/** A Map key for the keys the typed table does not take (negative numbers get their own prefix). */
function otherKey(key: Key): string {
  return typeof key === 'number' ? `n${key}` : key;
}

/**
 * One worker's external → local hash mapping: safe-integer external hashes (vLLM's usual case) in a
 * typed hash table, anything else (bigints past 2^53, strings, bytes) in a Map by `externalKey`.
 */
class HashMapping {
  private readonly ints = new HashIndex(1024);
  private readonly others = new Map<string, number>();

  get(key: Key): number | undefined {
    if (!isIntKey(key)) return this.others.get(otherKey(key));
    const v = this.ints.get(key);
    return v < 0 ? undefined : v;
  }

  has(key: Key): boolean {
    return this.get(key) !== undefined;
  }

  set(key: Key, local: number): void {
    if (isIntKey(key)) this.ints.set(key, local);
    else this.others.set(otherKey(key), local);
  }

  delete(key: Key): void {
    if (isIntKey(key)) this.ints.delete(key);
    else this.others.delete(otherKey(key));
  }

  clear(): void {
    this.ints.clear();
    this.others.clear();
  }
}

export class KvEventApplier {
  private readonly maps: HashMapping[];
  /** Per worker: events applied / skipped (unknown parent, block size mismatch, missing tokens). */
  readonly applied: number[];
  readonly skipped: number[];
  /** Per worker: stores whose parent hash was unknown (chained on the external parent hash). */
  readonly orphans: number[];
  /** Every worker's hashes are trusted from the start (the option). */
  readonly trustedHashes: boolean;
  /** Per worker: hashes trusted now (the option, or learned from a hash-only BlockStored). */
  private readonly trusted: boolean[];
  /** Per worker: re-hashed blocks that equalled their external hash so far, or FOREIGN. */
  private readonly verified: Int32Array;
  /** The workers' offload-tier blocks (events with a lower medium). */
  readonly tiers: TierIndex;

  constructor(
    readonly indexer: KvIndexer,
    readonly blockSize: number,
    opts: KvEventApplierOptions = {},
  ) {
    this.trustedHashes = opts.trustedHashes ?? false;
    this.maps = Array.from({ length: indexer.numWorkers }, () => new HashMapping());
    this.applied = new Array<number>(indexer.numWorkers).fill(0);
    this.skipped = new Array<number>(indexer.numWorkers).fill(0);
    this.orphans = new Array<number>(indexer.numWorkers).fill(0);
    this.trusted = new Array<boolean>(indexer.numWorkers).fill(this.trustedHashes);
    this.verified = new Int32Array(indexer.numWorkers);
    this.tiers = new TierIndex(indexer.numWorkers);
  }

  /** Whether `worker`'s hashes are taken as they are (no re-hashing). */
  isTrusted(worker: number): boolean {
    return this.trusted[worker];
  }

  /** Local hash the router uses for a worker's external hash, if known. */
  localOf(worker: number, external: ExternalHash): number | undefined {
    if (this.trusted[worker] && typeof external === 'number' && this.indexer.holds(worker, external)) return external;
    return this.maps[worker].get(externalKey(external));
  }

  /** Apply one batch of a worker's events, in order. */
  apply(worker: number, events: Iterable<KvEventLike>): ApplyResult {
    let applied = 0;
    let skipped = 0;
    for (const ev of events) {
      if (this.applyOne(worker, ev)) applied++;
      else skipped++;
    }
    this.applied[worker] += applied;
    this.skipped[worker] += skipped;
    return { applied, skipped };
  }

  /** Forget the worker's blocks and hash mapping (AllBlocksCleared, sequence gap, reconnect). */
  resetWorker(worker: number): void {
    this.indexer.clearWorker(worker);
    this.tiers.clearWorker(worker);
    this.maps[worker].clear();
    this.trusted[worker] = this.trustedHashes;
    this.verified[worker] = 0;
  }

  /** An offload-tier event: indexed under its own (integer) hashes; skipped for an unknown medium. */
  private applyLower(worker: number, ev: Exclude<KvEventLike, { type: 'AllBlocksCleared' }>): boolean {
    const medium = lowerMediumOf(ev.medium);
    if (medium === null) return false;
    const hashes: number[] = [];
    for (const h of ev.blockHashes) {
      const key = externalKey(h);
      if (typeof key === 'number') hashes.push(key);
    }
    this.tiers.apply(worker, { type: ev.type, medium, blockHashes: hashes });
    return true;
  }

  /** A re-hashed store of `n` blocks, `same` of them equal to the worker's hashes: learn trust (or foreignness). */
  private verify(worker: number, n: number, same: number): void {
    const v = this.verified[worker];
    if (v === FOREIGN || n === 0) return;
    if (same < n) {
      this.verified[worker] = FOREIGN;
      return;
    }
    this.verified[worker] = v + n;
    if (v + n < VERIFY_BLOCKS) return;
    // Every mapping so far is the identity: the trusted path needs none of it.
    this.trusted[worker] = true;
    this.maps[worker].clear();
  }

  private applyOne(worker: number, ev: KvEventLike): boolean {
    if (ev.type !== 'AllBlocksCleared' && ev.medium != null && ev.medium !== 'GPU') return this.applyLower(worker, ev);
    const map = this.maps[worker];
    const trusted = this.trusted[worker];
    switch (ev.type) {
      case 'AllBlocksCleared':
        this.resetWorker(worker);
        return true;
      case 'BlockRemoved': {
        if (trusted && allNumbers(ev.blockHashes)) {
          this.indexer.remove(worker, ev.blockHashes);
          return true;
        }
        const locals: number[] = [];
        for (const ext of ev.blockHashes) {
          const key = externalKey(ext);
          const local = map.get(key);
          if (local === undefined) {
            // Trusted: a block stored on the fast path is indexed under its own hash.
            if (trusted && typeof key === 'number') locals.push(key);
            continue;
          }
          map.delete(key);
          locals.push(local);
        }
        this.indexer.remove(worker, locals);
        return true;
      }
      case 'BlockStored': {
        const n = ev.blockHashes.length;
        const bs = this.blockSize;
        if (ev.blockSize !== bs) return false;
        const parentHash = ev.parentHash;
        if (allNumbers(ev.blockHashes) && (parentHash == null || typeof parentHash === 'number')) {
          if (!trusted && n > 0 && ev.tokenIds.length === 0) this.trusted[worker] = true; // a kvlab worker's hash-only event
          if (this.trusted[worker]) {
            if (parentHash != null && !this.indexer.holds(worker, parentHash) && !map.has(parentHash)) this.orphans[worker]++;
            this.indexer.store(worker, ev.blockHashes);
            return true;
          }
        }
        if (ev.tokenIds.length < n * bs) return false;
        let parent: number;
        if (ev.parentHash === null || ev.parentHash === undefined) parent = ROOT_HASH;
        else {
          const key = externalKey(ev.parentHash);
          const p = map.get(key);
          if (p !== undefined) parent = p;
          else if (typeof key === 'number') {
            parent = key;
            this.orphans[worker]++;
          } else return false;
        }
        const locals = new Array<number>(n);
        let same = 0;
        for (let i = 0; i < n; i++) {
          parent = hashBlock(parent, ev.tokenIds, i * bs, bs);
          locals[i] = parent;
          const ext = ev.blockHashes[i];
          if (ext === parent) same++;
          map.set(externalKey(ext), parent);
        }
        this.indexer.store(worker, locals);
        this.verify(worker, n, same);
        return true;
      }
    }
  }
}

function allNumbers(hashes: readonly ExternalHash[]): hashes is readonly number[] {
  for (let i = 0; i < hashes.length; i++) if (typeof hashes[i] !== 'number') return false;
  return true;
}
