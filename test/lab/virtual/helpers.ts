/** Shared builders for the virtual-cluster tests: a cluster config and hand-made scripts. */
import { loremTokens } from '../../../src/core/lorem.ts';
import { createRng } from '../../../src/core/rng.ts';
import type { ConversationScript, Schedule, ScriptMessage, TurnSpec, Workload } from '../../../src/client/workloads/types.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../../src/mocker/engine/index.ts';
import type { VirtualClusterConfig, VirtualRouterConfig } from '../../../src/lab/virtual/index.ts';

export function cluster(over: Partial<Omit<VirtualClusterConfig, 'engine' | 'router'>> & { engine?: Partial<EngineConfig>; router?: Partial<VirtualRouterConfig> } = {}): VirtualClusterConfig {
  return {
    numWorkers: over.numWorkers ?? 1,
    ...(over.prefillWorkers !== undefined ? { prefillWorkers: over.prefillWorkers } : {}),
    engine: { ...DEFAULT_ENGINE_CONFIG, ...over.engine },
    timing: over.timing,
    reasoningRatio: over.reasoningRatio ?? 0,
    router: { mode: 'kv', kvOverlapScoreWeight: 1, routerTemperature: 0, routerTtlS: 120, ...over.router },
  };
}

export function lorem(role: ScriptMessage['role'], n: number, seed: string): ScriptMessage {
  return { role, content: '', contentTokens: loremTokens(createRng(seed), n) };
}

export function turn(userTokens: number, seed: string, over: Partial<TurnSpec> = {}): TurnSpec {
  return { messages: [lorem('user', userTokens, seed)], maxTokens: 20, ignoreEos: true, delayMs: 0, ...over };
}

export function script(id: string, turns: TurnSpec[], over: Partial<ConversationScript> = {}): ConversationScript {
  return { id, preamble: [], turns, keepHistory: true, ...over };
}

export function workload(scripts: ConversationScript[], schedule: Schedule = { kind: 'closed', concurrency: scripts.length }): Workload {
  return { name: 'test', scripts, schedule, params: {} };
}

/** End of a record's request, ms since the run start. */
export function endOf(r: { sentAtMs: number; e2eMs: number | null }): number {
  return r.sentAtMs + (r.e2eMs ?? 0);
}
