/**
 * The KV transfer into a decode worker of a disaggregated (prefill/decode) deployment: the prompt KV a
 * prefill worker computed is pulled into this engine's GPU blocks, as vLLM's NixlConnector does on the
 * decode side (`do_remote_prefill`: the scheduler allocates the blocks, the worker reads the remote
 * blocks asynchronously, the request waits until they have arrived). Owned by the engine.
 *
 * The model: a transfer of `tokens` tokens moves tokens × kvBytesPerToken bytes over the engine's one
 * ingress link (shared-link.ts: concurrent transfers share its bandwidth fairly), then takes a fixed
 * latency more before the request may run (the read's completion notice). Time = latency + bytes /
 * bandwidth for a transfer alone.
 *
 * Defaults: 64 GB/s is the Dynamo mocker's `--kv-transfer-bandwidth` default ("inter-node InfiniBand";
 * docs.nvidia.com/dynamo, Mocker guide, "KV Transfer Latency Simulation"). The 1 ms latency is kvlab's
 * own assumption (an RDMA read's setup and completion notice), not a measured figure.
 *
 * Approximations: only the decode side's link is modelled (the prefill worker's egress and the network
 * between are not contended); no per-layer pipelining; the blocks count as arrived all at once at the
 * end. Pure: no clocks, no I/O.
 */
import { SharedLink } from './shared-link.ts';
import type { DisaggregationMode } from './types.ts';

export const DEFAULT_KV_TRANSFER_BANDWIDTH_GBPS = 64;
export const DEFAULT_KV_TRANSFER_LATENCY_MS = 1;

/** Below this much time before its end a transfer counts as done (as shared-link.ts). */
const DONE_MS = 1e-6;

/** Why a worker in `mode` cannot honour a request's remote prefill / remote decode (null: it can). */
export function remoteRequestProblem(mode: DisaggregationMode | undefined, remotePrefill: boolean, remoteDecode: boolean): string | null {
  const is = mode ?? 'not in P/D mode';
  if (remotePrefill && remoteDecode) return 'do_remote_prefill and do_remote_decode cannot both be true';
  if (remotePrefill && mode !== 'decode') return `do_remote_prefill needs a decode worker (disaggregation mode decode); this worker is ${is}`;
  if (remoteDecode && mode !== 'prefill') return `do_remote_decode needs a prefill worker (disaggregation mode prefill); this worker is ${is}`;
  return null;
}

export class KvTransferLink {
  private readonly link: SharedLink;
  /** Transfers whose bytes have arrived, by id: when they did (they wait out the latency). */
  private readonly arrived = new Map<number, number>();
  private nextId = 1;
  /** Transfers started and tokens moved (stats, tests). */
  transfers = 0;
  tokens = 0;

  constructor(
    bandwidthGbps: number,
    readonly latencyMs: number,
    private readonly bytesPerToken: number,
  ) {
    this.link = new SharedLink(bandwidthGbps);
    this.link.onDone = (id, atMs) => {
      if (this.latencyMs > 0) this.arrived.set(id, atMs);
    };
  }

  /** Start pulling `tokens` tokens' KV at `nowMs`; returns the transfer id (≥ 1). */
  start(tokens: number, nowMs: number): number {
    const id = this.nextId++;
    this.transfers++;
    this.tokens += tokens;
    this.link.add(id, tokens * this.bytesPerToken, nowMs);
    return id;
  }

  /** Whether transfer `id` has not completed (bytes and latency) by `nowMs`. */
  inFlight(id: number, nowMs: number): boolean {
    if (this.link.inFlight(id, nowMs)) return true;
    const at = this.arrived.get(id);
    if (at === undefined) return false;
    if (nowMs + DONE_MS < at + this.latencyMs) return true;
    this.arrived.delete(id);
    return false;
  }

  /** When the next transfer completes after `nowMs` if nothing is added (Infinity when none is in flight). */
  nextCompletionMs(nowMs: number): number {
    this.link.advance(nowMs);
    let next = this.link.nextCompletionMs() + this.latencyMs;
    for (const at of this.arrived.values()) {
      const end = at + this.latencyMs;
      if (end > nowMs + DONE_MS && end < next) next = end;
    }
    return next;
  }

  /** Forget every transfer (a prefix-cache reset happens only with no request holding blocks). */
  clear(): void {
    this.link.clear();
    this.arrived.clear();
  }
}
