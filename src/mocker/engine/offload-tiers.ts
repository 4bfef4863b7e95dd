/**
 * KV offload tiers below GPU memory: an optional CPU tier and, below it, an optional disk tier, each
 * holding whole blocks by chained hash with its own LRU, and each reached over a shared link
 * (shared-link.ts: GPU↔CPU for the CPU tier, CPU↔disk for the disk tier). Owned by the engine, which
 * calls it when the GPU pool evicts a cached block and when admission finds a prefix block here.
 *
 * The model (exclusive tiers: a hash lives in exactly one of GPU, CPU, disk):
 *  - a cached block evicted from GPU is offloaded to the CPU tier (its write-back occupies the GPU↔CPU
 *    link); a CPU tier that is full demotes its least recently offloaded block to disk (over the
 *    CPU↔disk link), and a full disk drops its least recent block;
 *  - a prefix block found in a lower tier is taken out of it and loaded into a fresh GPU block; the
 *    load is a transfer on that tier's link, and the request that needs it waits for it (the engine
 *    keeps scheduling everyone else, as with an async KV connector load);
 *  - KV events carry the block's `medium` ("CPU", "DISK"; absent means GPU), as vLLM's do.
 *
 * Defaults (cited): link bandwidths of 14 GB/s (GPU↔CPU, "G1↔G2") and 7 GB/s (CPU↔disk, "G2↔G3") are
 * the Dynamo mocker's (dynamo-mocker `src/kvbm_offload/config.rs`, DEFAULT_G1_G2_BANDWIDTH_GBPS and
 * DEFAULT_G2_G3_BANDWIDTH_GBPS). KV bytes per token default to Llama-3.1-8B's in fp16: 2 (K and V) ×
 * 32 layers × 8 KV heads × 128 head dim × 2 bytes = 131072 (models/sizes `kvBytesPerToken`).
 *
 * Approximations: the GPU block of an offloaded block is reused at once (real offloaders copy it out
 * before freeing it, or copy computed blocks ahead of time), so a write-back costs link time, never
 * GPU memory; a block taken for loading is on GPU (and announced there) from the start of its load;
 * a disk block loads over the CPU↔disk link only (not also over GPU↔CPU); lower-tier events carry
 * hashes only (no token ids, no parent hash) — the tier keeps no tokens. Pure: no clocks, no I/O.
 */
import { SharedLink } from './shared-link.ts';
import type { KvEvent, LowerMedium } from './types.ts';

export const DEFAULT_KV_CPU_BANDWIDTH_GBPS = 14;
export const DEFAULT_KV_DISK_BANDWIDTH_GBPS = 7;
export const DEFAULT_KV_BYTES_PER_TOKEN = 131072;

/** Blocks of `gib` GiB of KV at `kvBytesPerToken` bytes per token and `blockSize` tokens per block. */
export function blocksOfGib(gib: number, kvBytesPerToken: number, blockSize: number): number {
  return Math.floor((gib * 2 ** 30) / (kvBytesPerToken * blockSize));
}

export const TIER_NONE = 0;
export const TIER_CPU = 1;
export const TIER_DISK = 2;

export interface OffloadSettings {
  cpuBlocks: number;
  /** 0 → no disk tier. */
  diskBlocks: number;
  cpuBandwidthGbps: number;
  diskBandwidthGbps: number;
  bytesPerBlock: number;
  blockSize: number;
}

/** One tier's blocks by hash, least recently added first (a Map keeps insertion order). */
class TierLru {
  private readonly order = new Map<number, true>();
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.order.size;
  }

  has(hash: number): boolean {
    return this.order.has(hash);
  }

  delete(hash: number): boolean {
    return this.order.delete(hash);
  }

  /** The least recent hash, or −1. */
  oldest(): number {
    for (const h of this.order.keys()) return h;
    return -1;
  }

  add(hash: number): void {
    this.order.set(hash, true);
  }

  clear(): void {
    this.order.clear();
  }

  keys(): IterableIterator<number> {
    return this.order.keys();
  }
}

export class OffloadTiers {
  readonly cpu: TierLru;
  readonly disk: TierLru | null;
  readonly cpuLink: SharedLink;
  readonly diskLink: SharedLink | null;
  private nextId = 1;
  /** Per link (0 CPU, 1 disk): the write-back transfer of the current time, grown by later evictions. */
  private readonly writeId = [-1, -1];
  private readonly writeAt = [NaN, NaN];
  /** Blocks offloaded from GPU, demoted to disk, dropped from disk (stats and tests). */
  offloaded = 0;
  demoted = 0;
  dropped = 0;

  constructor(readonly settings: OffloadSettings) {
    this.cpu = new TierLru(settings.cpuBlocks);
    this.cpuLink = new SharedLink(settings.cpuBandwidthGbps);
    this.disk = settings.diskBlocks > 0 ? new TierLru(settings.diskBlocks) : null;
    this.diskLink = settings.diskBlocks > 0 ? new SharedLink(settings.diskBandwidthGbps) : null;
  }

  /** The lower tier holding `hash` (TIER_CPU, TIER_DISK) or TIER_NONE. */
  tierOf(hash: number): number {
    if (this.cpu.has(hash)) return TIER_CPU;
    if (this.disk !== null && this.disk.has(hash)) return TIER_DISK;
    return TIER_NONE;
  }

  /** The GPU pool evicted cached block `hash` at `nowMs`: write it back to the CPU tier. */
  offload(hash: number, nowMs: number, events: KvEvent[]): void {
    if (this.cpu.size >= this.cpu.capacity) this.demoteOldest(nowMs, events);
    this.cpu.add(hash);
    this.offloaded++;
    this.write(0, nowMs);
    pushTierEvent(events, 'BlockStored', 'CPU', hash, this.settings.blockSize);
  }

  /** Take `hash` out of its tier to load it into GPU (the caller starts the load with `startLoad`). */
  take(hash: number, tier: number, events: KvEvent[]): void {
    const lru = tier === TIER_CPU ? this.cpu : this.disk;
    if (lru === null || !lru.delete(hash)) throw new Error(`offload tiers: block ${hash} is not in tier ${tier}`);
    pushTierEvent(events, 'BlockRemoved', tier === TIER_CPU ? 'CPU' : 'DISK', hash, this.settings.blockSize);
  }

  /** GPU now computed `hash` itself: forget a lower-tier copy of it, if any (tiers stay exclusive). */
  drop(hash: number, events: KvEvent[]): void {
    const tier = this.tierOf(hash);
    if (tier !== TIER_NONE) this.take(hash, tier, events);
  }

  /** Start loading `blocks` blocks from `tier` at `nowMs`; returns the transfer id. */
  startLoad(tier: number, blocks: number, nowMs: number): number {
    const link = tier === TIER_CPU ? this.cpuLink : this.diskLink;
    if (link === null) throw new Error(`offload tiers: no link for tier ${tier}`);
    const id = this.nextId++;
    link.add(id, blocks * this.settings.bytesPerBlock, nowMs);
    return id;
  }

  /** Whether transfer `id` is still moving at `nowMs`. */
  inFlight(id: number, nowMs: number): boolean {
    return this.cpuLink.inFlight(id, nowMs) || (this.diskLink !== null && this.diskLink.inFlight(id, nowMs));
  }

  /** When the next transfer on any link completes after `nowMs` (Infinity when none moves). */
  nextCompletionMs(nowMs: number): number {
    this.cpuLink.advance(nowMs);
    this.diskLink?.advance(nowMs);
    return Math.min(this.cpuLink.nextCompletionMs(), this.diskLink === null ? Infinity : this.diskLink.nextCompletionMs());
  }

  /** Forget every offloaded block and transfer (a prefix-cache reset: AllBlocksCleared covers them). */
  clear(): void {
    this.cpu.clear();
    this.disk?.clear();
    this.cpuLink.clear();
    this.diskLink?.clear();
    this.writeAt[0] = this.writeAt[1] = NaN;
  }

  /** Every hash held by a lower tier. */
  hashes(): number[] {
    return [...this.cpu.keys(), ...(this.disk ? this.disk.keys() : [])];
  }

  /** Throws when a tier is over capacity or a hash is in two places (`gpuHashes`: the GPU pool's). */
  assertInvariants(gpuHashes: ReadonlySet<number>): void {
    const fail = (msg: string): never => {
      throw new Error(`offload tier invariant broken: ${msg}`);
    };
    if (this.cpu.size > this.cpu.capacity) fail(`CPU tier holds ${this.cpu.size} > ${this.cpu.capacity} blocks`);
    if (this.disk && this.disk.size > this.disk.capacity) fail(`disk tier holds ${this.disk.size} > ${this.disk.capacity} blocks`);
    for (const h of this.cpu.keys()) {
      if (gpuHashes.has(h)) fail(`block ${h} is both on GPU and in the CPU tier`);
      if (this.disk?.has(h)) fail(`block ${h} is both in the CPU and the disk tier`);
    }
    if (this.disk) for (const h of this.disk.keys()) if (gpuHashes.has(h)) fail(`block ${h} is both on GPU and in the disk tier`);
  }

  /** Make room in the CPU tier: its least recent block goes to disk (or is dropped without one). */
  private demoteOldest(nowMs: number, events: KvEvent[]): void {
    const out = this.cpu.oldest();
    this.cpu.delete(out);
    pushTierEvent(events, 'BlockRemoved', 'CPU', out, this.settings.blockSize);
    if (this.disk === null) {
      this.dropped++;
      return;
    }
    if (this.disk.size >= this.disk.capacity) {
      const gone = this.disk.oldest();
      this.disk.delete(gone);
      this.dropped++;
      pushTierEvent(events, 'BlockRemoved', 'DISK', gone, this.settings.blockSize);
    }
    this.disk.add(out);
    this.demoted++;
    this.write(1, nowMs);
    pushTierEvent(events, 'BlockStored', 'DISK', out, this.settings.blockSize);
  }

  /** One more block written over link `k` at `nowMs`: the writes of one instant form one transfer. */
  private write(k: 0 | 1, nowMs: number): void {
    const link = k === 0 ? this.cpuLink : this.diskLink!;
    const bytes = this.settings.bytesPerBlock;
    if (this.writeAt[k] === nowMs && link.grow(this.writeId[k], bytes, nowMs)) return;
    const id = this.nextId++;
    link.add(id, bytes, nowMs);
    this.writeId[k] = id;
    this.writeAt[k] = nowMs;
  }
}

/** Append a lower-tier event, merged into the previous one when it is the same kind on the same medium. */
function pushTierEvent(events: KvEvent[], type: 'BlockStored' | 'BlockRemoved', medium: LowerMedium, hash: number, blockSize: number): void {
  const last = events.length > 0 ? events[events.length - 1] : undefined;
  if (last !== undefined && last.type === type && last.medium === medium) {
    last.blockHashes.push(hash);
    return;
  }
  if (type === 'BlockStored') events.push({ type, blockHashes: [hash], parentHash: null, tokenIds: [], blockSize, medium });
  else events.push({ type, blockHashes: [hash], medium });
}
