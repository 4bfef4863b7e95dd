/** The terminal view of a prediction (`kvlab predict` without --json). */
import type { PredictResult } from './predict.ts';

const ms = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

export function renderPrediction(r: PredictResult): string {
  const d = r.deployment;
  const lines: string[] = [];
  lines.push(`${d.model} on ${d.tp > 1 ? `${d.tp}× ` : ''}${d.gpu}${d.replicas > 1 ? `, ${d.replicas} replicas (${d.router_mode} router)` : ''} — predicted with the ${r.profile} roofline profile`);
  lines.push(
    `  ${Number.isFinite(d.weights_gib_per_gpu) ? `weights ${d.weights_gib_per_gpu.toFixed(1)} GiB/GPU (${d.weight_dtype})` : `${d.weight_dtype} weights`}, KV cache ${d.kv_blocks.toLocaleString('en-US')} blocks × ${d.block_size} = ${d.kv_tokens.toLocaleString('en-US')} tokens per replica, ` +
      `max-num-seqs ${d.max_num_seqs}, max-num-batched-tokens ${d.max_num_batched_tokens}, max-model-len ${d.max_model_len}`,
  );
  const w = r.workload;
  if (w.systemPromptLen === undefined) lines.push(`  load: ${Object.entries(w).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}`);
  else lines.push(`  load: shared-prefix${w.preset ? ` (${String(w.preset)})` : ''}, ${String(w.numGroups)}×${String(w.usersPerGroup)} prompts of ${String(w.systemPromptLen)}+${String(w.questionLen)} tokens, ${String(w.outputLen)} out, stages ${String(w.stages)}`);
  lines.push('');
  lines.push('            mean      p50      p90      p99');
  for (const [name, q] of [['TTFT ms', r.ttft_ms], ['E2E ms', r.e2e_ms], ['ITL ms', r.itl_ms]] as const) {
    lines.push(`${name.padEnd(9)}${[q.mean, q.p50, q.p90, q.p99].map((v) => ms(v).padStart(9)).join('')}`);
  }
  lines.push(`ITL derived (E2E − TTFT)/(out − 1): ${ms(r.itl_ms_derived)} ms`);
  lines.push('');
  lines.push(
    `requests ${r.requests.toLocaleString('en-US')} (${r.failed} failed), ${r.throughput.requests_per_s.toFixed(2)} req/s, ` +
      `${r.throughput.output_tokens_per_s.toFixed(0)} output tok/s, cache hit ratio ${r.cache_hit_ratio === null ? '—' : pct(r.cache_hit_ratio)}, ${r.simulated_s.toFixed(0)} s simulated`,
  );
  for (const [k, n] of Object.entries(r.errors)) lines.push(`  failed: ${n} × ${k}`);
  const b = r.step_breakdown;
  lines.push(
    `engine time (${b.engine_s.toFixed(1)} s over ${b.steps.toLocaleString('en-US')} steps): ` +
      `GEMMs compute-bound ${pct(b.gemmCompute)}, weight reads ${pct(b.weightRead)}, KV reads ${pct(b.kvRead)}, attention compute ${pct(b.attentionCompute)}, ` +
      `activations ${pct(b.activations)}, all-reduce ${pct(b.allReduce)}, overheads ${pct(b.overhead)}`,
  );
  return lines.join('\n');
}
