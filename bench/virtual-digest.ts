/**
 * `node --import tsx bench/virtual-digest.ts`: replays the whole Mooncake trace on the virtual cluster
 * of bench suite 1 (8 workers, engine defaults, max-model-len 262,144, seed 0) under every router mode
 * and checks that each run's records, duration and counters hash to the value pinned before the speed
 * work of issue 18: a faster replay must compute the very same thing. Prints one line per mode (digest,
 * match, CPU seconds); exit 1 when a digest differs. test/lab/virtual/records-pinned.test.ts pins
 * smaller scenarios inside the test suite.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_TRACE_FILE, loadTrace, WORKLOADS } from '../src/client/workloads/index.ts';
import { runVirtual } from '../src/lab/virtual/index.ts';
import { DEFAULT_ENGINE_CONFIG } from '../src/mocker/engine/index.ts';
import type { RouterMode } from '../src/router-sim/types.ts';

/** sha256 (first 16 hex digits) of JSON.stringify(runVirtual(...)), recorded at a0fff4f. */
const PINNED: Record<RouterMode, string> = {
  kv: '2ce166d8e6dcaa06',
  'round-robin': '54693b03c03da53a',
  'kv-approx': 'c80f2018bf1afcc4',
  'least-loaded': 'b4ce39f5c7abbb3c',
  random: '38d0c5a850784b38',
};

const rows = await loadTrace(DEFAULT_TRACE_FILE);
const workload = WORKLOADS.trace.build({}, { rows });
let bad = 0;
for (const mode of Object.keys(PINNED) as RouterMode[]) {
  const cpu0 = process.cpuUsage();
  const r = runVirtual({
    workload,
    cluster: { numWorkers: 8, engine: { ...DEFAULT_ENGINE_CONFIG, maxModelLen: 262_144 }, reasoningRatio: 0, router: { mode, kvOverlapScoreWeight: 1, routerTemperature: 0, routerTtlS: 120 } },
    seed: 0,
  });
  const cpu = process.cpuUsage(cpu0);
  const digest = createHash('sha256').update(JSON.stringify(r)).digest('hex').slice(0, 16);
  const ok = digest === PINNED[mode];
  if (!ok) bad++;
  console.log(`${mode.padEnd(12)} ${digest} ${ok ? 'matches' : `DIFFERS (pinned ${PINNED[mode]})`}  ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
}
process.exitCode = bad > 0 ? 1 : 0;
