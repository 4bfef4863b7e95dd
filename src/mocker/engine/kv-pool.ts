/**
 * The KV block pool of one engine: integer block ids 0..capacity−1 with reference counts, a
 * chained-hash → block table for full (hashed) blocks (block-table.ts), an LRU list of cached blocks nobody references
 * (refcount 0, hash still valid) and a free list of blocks holding nothing reusable. Everything lives in
 * preallocated typed arrays; the LRU is a doubly linked list over block ids (core/slot-list), so
 * touching, evicting and releasing a block are O(1) and allocate nothing.
 *
 * Eviction happens only when a block is needed and the free list is empty: the LRU head (the block
 * released longest ago) loses its hash and a BlockRemoved event is emitted. A block whose hash is
 * already cached by another block stays un-hashed (vLLM keeps such duplicates out of the cache), so it
 * goes to the free list when released. With prefix caching off nothing is ever hashed and no
 * BlockStored/BlockRemoved events are emitted.
 *
 * Events are appended to the caller's array; a request's consecutive new blocks form one BlockStored
 * (as vLLM batches them), consecutive evictions one BlockRemoved.
 */
import { SlotList } from '../../core/slot-list.ts';
import { BlockTable } from './block-table.ts';
import type { KvEvent } from './types.ts';

const FREE = 0;
const CACHED = 1; // in the LRU: refcount 0, hashed
const HELD = 2; // refcount > 0
const NO_HASH = -1;

export class KvPool {
  readonly capacity: number;
  readonly blockSize: number;
  readonly prefixCaching: boolean;

  private readonly refs: Int32Array;
  private readonly hashes: Float64Array;
  private readonly state: Uint8Array;
  private readonly freeStack: Int32Array;
  private freeTop = 0;
  /** Cached blocks nobody references, least recently released at the head. */
  private readonly lru: SlotList;
  private heldCount = 0;
  private readonly byHash: BlockTable;
  /** Called with each cached block's hash as `allocate` evicts it, after its BlockRemoved (offload tiers). */
  onEvict: ((hash: number, events: KvEvent[]) => void) | null = null;

  constructor(capacity: number, blockSize: number, prefixCaching: boolean) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`KV pool capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new RangeError(`block size must be a positive integer, got ${blockSize}`);
    this.capacity = capacity;
    this.blockSize = blockSize;
    this.prefixCaching = prefixCaching;
    this.refs = new Int32Array(capacity);
    this.hashes = new Float64Array(capacity).fill(NO_HASH);
    this.state = new Uint8Array(capacity);
    this.lru = new SlotList(capacity);
    this.freeStack = new Int32Array(capacity);
    // Lowest ids on top of the stack, so fresh pools hand out 0, 1, 2, ...
    for (let i = 0; i < capacity; i++) this.freeStack[i] = capacity - 1 - i;
    this.freeTop = capacity;
    this.byHash = new BlockTable(prefixCaching ? capacity : 1, this.hashes);
  }

  /** Blocks with refcount > 0. */
  get held(): number {
    return this.heldCount;
  }

  /** Cached blocks nobody references (the LRU pool). */
  get cachedFree(): number {
    return this.lru.size;
  }

  /** Blocks that can be handed out now: free list plus evictable cached blocks. */
  get available(): number {
    return this.freeTop + this.lru.size;
  }

  refCount(block: number): number {
    return this.refs[block];
  }

  /** The block caching `hash`, or −1. Always −1 with prefix caching off. */
  lookup(hash: number): number {
    return this.prefixCaching ? this.byHash.get(hash) : -1;
  }

  isCached(hash: number): boolean {
    return this.prefixCaching && this.byHash.get(hash) >= 0;
  }

  /** Take one more reference on a cached block (a prefix hit); leaves the LRU if it was there. */
  acquire(block: number): void {
    if (this.state[block] === CACHED) {
      this.lru.unlink(block);
      this.state[block] = HELD;
      this.heldCount++;
    } else if (this.state[block] !== HELD) {
      throw new Error(`KV pool: acquire of block ${block}, which holds nothing`);
    }
    this.refs[block]++;
  }

  /**
   * A fresh, un-hashed block with refcount 1, or −1 when none is free or evictable. Evicting a cached
   * block appends a BlockRemoved event.
   */
  allocate(events: KvEvent[]): number {
    let block: number;
    if (this.freeTop > 0) {
      block = this.freeStack[--this.freeTop];
    } else if (this.lru.head >= 0) {
      block = this.lru.head;
      this.lru.unlink(block);
      const hash = this.hashes[block];
      this.byHash.drop(block);
      this.hashes[block] = NO_HASH;
      pushRemoved(events, hash);
      if (this.onEvict !== null) this.onEvict(hash, events);
    } else {
      return -1;
    }
    this.state[block] = HELD;
    this.refs[block] = 1;
    this.heldCount++;
    return block;
  }

  /**
   * Give a held, full block its chained hash, making it findable by `lookup`. Returns false (and
   * changes nothing) when prefix caching is off or another block already caches `hash` (this block then
   * stays a private duplicate). The caller announces stored blocks with `announceStored`.
   */
  store(block: number, hash: number): boolean {
    if (!this.prefixCaching) return false;
    if (this.state[block] !== HELD) throw new Error(`KV pool: store into block ${block}, which is not held`);
    if (this.hashes[block] !== NO_HASH) throw new Error(`KV pool: block ${block} is already hashed`);
    if (this.byHash.putIfAbsent(hash, block) >= 0) return false;
    this.hashes[block] = hash;
    return true;
  }

  /**
   * Append the BlockStored event of consecutive blocks of one chain just stored (`hashes` and
   * `tokenIds` are kept by the event). Merged into the previous event when it ends with `parentHash`.
   */
  announceStored(events: KvEvent[], hashes: number[], parentHash: number | null, tokenIds: number[]): void {
    if (hashes.length === 0) return;
    const last = events.length > 0 ? events[events.length - 1] : undefined;
    if (
      parentHash !== null &&
      last !== undefined &&
      last.type === 'BlockStored' &&
      last.medium === undefined &&
      last.blockSize === this.blockSize &&
      last.blockHashes[last.blockHashes.length - 1] === parentHash
    ) {
      for (let i = 0; i < hashes.length; i++) last.blockHashes.push(hashes[i]);
      for (let i = 0; i < tokenIds.length; i++) last.tokenIds.push(tokenIds[i]);
    } else {
      events.push({ type: 'BlockStored', blockHashes: hashes, parentHash, tokenIds, blockSize: this.blockSize });
    }
  }

  /** Drop one reference. At zero a hashed block joins the LRU tail (most recent), others the free list. */
  release(block: number): void {
    if (this.state[block] !== HELD || this.refs[block] <= 0) throw new Error(`KV pool: release of block ${block}, which is not held`);
    if (--this.refs[block] > 0) return;
    this.heldCount--;
    if (this.hashes[block] !== NO_HASH) {
      this.state[block] = CACHED;
      this.lru.append(block);
    } else {
      this.state[block] = FREE;
      this.freeStack[this.freeTop++] = block;
    }
  }

  /**
   * Reset the prefix cache: every cached block is forgotten (AllBlocksCleared). Refused (false, no
   * event) while any block is referenced.
   */
  clear(events: KvEvent[]): boolean {
    if (this.heldCount > 0) return false;
    for (let b = this.lru.head; b >= 0; b = this.lru.nextOf(b)) {
      this.hashes[b] = NO_HASH;
      this.state[b] = FREE;
      this.freeStack[this.freeTop++] = b;
    }
    this.lru.clear();
    this.byHash.clear();
    events.push({ type: 'AllBlocksCleared' });
    return true;
  }

  /** Blocks with a hash in the prefix cache, referenced or not. */
  get hashedCount(): number {
    return this.prefixCaching ? this.byHash.size : 0;
  }

  /** Every hash currently cached, referenced or not. */
  cachedHashes(): Set<number> {
    const out = new Set<number>();
    this.byHash.forEach((_, h) => out.add(h));
    return out;
  }

  /** Throws on any broken invariant (debug and tests; O(capacity)). */
  assertInvariants(): void {
    const fail = (msg: string): never => {
      throw new Error(`KV pool invariant broken: ${msg}`);
    };
    let held = 0;
    let free = 0;
    let cached = 0;
    for (let b = 0; b < this.capacity; b++) {
      const r = this.refs[b];
      const s = this.state[b];
      const h = this.hashes[b];
      if (r < 0) fail(`block ${b} has negative refcount ${r}`);
      if (s === HELD) {
        held++;
        if (r === 0) fail(`block ${b} is held with refcount 0`);
      } else if (r !== 0) {
        fail(`block ${b} is ${s === FREE ? 'free' : 'cached-free'} but referenced (refcount ${r})`);
      }
      if (s === FREE) {
        free++;
        if (h !== NO_HASH) fail(`free block ${b} still has hash ${h}`);
      }
      if (s === CACHED) {
        cached++;
        if (h === NO_HASH) fail(`cached block ${b} has no hash`);
      }
      if (h !== NO_HASH && this.byHash.get(h) !== b) fail(`block ${b} has hash ${h} but the map points to ${this.byHash.get(h)}`);
      if (s === FREE && (this.lru.prevOf(b) !== -1 || this.lru.head === b)) fail(`free block ${b} is linked in the LRU`);
    }
    if (held !== this.heldCount) fail(`held count ${this.heldCount} but ${held} blocks are held`);
    if (held > this.capacity) fail(`held ${held} > capacity ${this.capacity}`);
    if (free !== this.freeTop) fail(`free list has ${this.freeTop} entries but ${free} blocks are free`);
    for (let i = 0; i < this.freeTop; i++) if (this.state[this.freeStack[i]] !== FREE) fail(`free list entry ${this.freeStack[i]} is not free`);
    const lruSize = this.lru.size;
    if (cached !== lruSize) fail(`LRU size ${lruSize} but ${cached} blocks are cached-free`);
    let walked = 0;
    for (let b = this.lru.head, p = -1; b >= 0; p = b, b = this.lru.nextOf(b)) {
      if (this.state[b] !== CACHED) fail(`LRU holds block ${b}, which is not cached-free`);
      if (this.lru.prevOf(b) !== p) fail(`LRU back link of block ${b} is broken`);
      if (++walked > lruSize) fail('LRU list is longer than its size (cycle?)');
    }
    if (walked !== lruSize) fail(`LRU walk found ${walked} blocks, size says ${lruSize}`);
    let mapped = 0;
    this.byHash.forEach((b, h) => {
      mapped++;
      if (b < 0 || b >= this.capacity || this.hashes[b] !== h) fail(`map sends hash ${h} to block ${b}, which has hash ${this.hashes[b]}`);
    });
    if (mapped !== this.byHash.size) fail(`map holds ${mapped} entries, size says ${this.byHash.size}`);
    if (!this.prefixCaching && this.byHash.size > 0) fail('hashes cached with prefix caching off');
  }
}

function pushRemoved(events: KvEvent[], hash: number): void {
  const last = events.length > 0 ? events[events.length - 1] : undefined;
  if (last !== undefined && last.type === 'BlockRemoved' && last.medium === undefined) last.blockHashes.push(hash);
  else events.push({ type: 'BlockRemoved', blockHashes: [hash] });
}
