/**
 * `kvlab predict` and `kvlab calibrate` as a user runs them (commander in-process): output shapes,
 * JSON fields, profiles written and read back, and one-line errors for bad input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/in-process-cli.ts';
import { registerCalibrate } from '../../src/cli/calibrate.ts';
import { registerPredict } from '../../src/cli/predict.ts';
import { KvlabError } from '../../src/core/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-predict-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CALIBRATION = join(import.meta.dirname, '..', '..', 'data', 'vllm-real', 'calibration.json');

const cli = (args: string[]) => runCli([registerPredict, registerCalibrate], args);

const SHORT = ['--stages', '4:20'];

describe('kvlab predict', () => {
  it('--json gives TTFT, E2E and ITL percentiles, the derived ITL, throughput, cache hits, KV blocks and the step breakdown', async () => {
    const { out, error } = await cli(['predict', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100', '--max-num-seqs', '128', '--max-num-batched-tokens', '2048', '--preset', 'general', ...SHORT, '--json']);
    expect(error).toBeNull();
    const r = JSON.parse(out);
    for (const k of ['ttft_ms', 'e2e_ms', 'itl_ms']) expect(Object.keys(r[k])).toEqual(['mean', 'p50', 'p90', 'p99']);
    expect(r.requests).toBe(80);
    expect(r.failed).toBe(0);
    const outMean = 248;
    expect(r.itl_ms_derived).toBeCloseTo((r.e2e_ms.mean - r.ttft_ms.mean) / (outMean - 1), 6);
    expect(r.deployment).toMatchObject({ model: 'meta-llama/Llama-3.1-8B-Instruct', gpu: 'H100-SXM-80GB', tp: 1, block_size: 16, max_num_seqs: 128 });
    expect(r.deployment.kv_blocks).toBeGreaterThan(20_000);
    expect(r.cache_hit_ratio).toBeGreaterThan(0.5); // prompts come back every 45 requests
    expect(r.step_breakdown.weightRead).toBeGreaterThan(0.5); // decode batches read the weights
    expect(r.throughput.output_tokens_per_s).toBeGreaterThan(0);
  });

  it('accepts the bare model name in any case and a config.json, and prints a readable table without --json', async () => {
    const config = join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 32000, max_position_embeddings: 8192, torch_dtype: 'bfloat16' }));
    const a = await cli(['predict', '--model', 'llama-3.1-8b-instruct', '--gpu', 'h100-sxm', '--preset', 'codegen', ...SHORT]);
    expect(a.error).toBeNull();
    expect(a.out).toMatch(/TTFT ms\s+[\d.]+/);
    expect(a.out).toMatch(/engine time .* weight reads/);
    const b = await cli(['predict', '--model-config', config, '--gpu', 'L40S', '--preset', 'codegen', ...SHORT, '--json']);
    expect(b.error).toBeNull();
    expect(JSON.parse(b.out).deployment.gpu).toBe('L40S');
  });

  it('counts prompts longer than max-model-len as failed requests', async () => {
    const { out } = await cli(['predict', '--model', 'Qwen3-8B', '--gpu', 'H100', '--max-model-len', '400', '--preset', 'general', ...SHORT, '--json']);
    const r = JSON.parse(out);
    expect(r.failed).toBe(80);
    expect(Object.keys(r.errors).join()).toMatch(/400/);
  });

  it.each([
    [['--model', 'nope', '--gpu', 'H100'], '--model', /Unknown model "nope"; known: meta-llama\/Llama-2-7b-hf/],
    [['--model', 'Qwen3-8B', '--gpu', 'X1'], '--gpu', /Unknown GPU "X1"; known: H100-SXM-80GB/],
    [['--model', 'Qwen3-8B', '--gpu', 'A100', '--weight-dtype', 'fp8'], '--weight-dtype', /no FP8 tensor cores/],
    [['--model', 'Llama-2-70b-hf', '--gpu', 'L40S'], '--tp', /does not fit on L40S at TP 1: \d+\.\d+ GiB of weights/],
    [['--model-config', '/nonexistent/config.json', '--gpu', 'H100'], '--model', /cannot read the model config/],
  ])('refuses bad input with one line naming the flag (%#)', async (args, flag, message) => {
    const { error } = await cli(['predict', ...args, ...SHORT]);
    expect(error).toBeInstanceOf(KvlabError);
    expect((error as KvlabError).code).toBe('bad_flag');
    expect((error as Error).message).toContain(flag);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('--gguf simulates a llama-worker (its slots and batch, the CPU device) under a --workload-file load', async () => {
    const { testModelPath } = await import('../llama/helpers.ts');
    const wl = join(root, 'multiturn.json');
    writeFileSync(wl, JSON.stringify({ workload: 'multiturn', params: { numUsers: 2, numTurns: 3, systemPromptTokens: 200, numUserTokens: 20, maxCompletionTokens: 8, ignoreEos: true, meanDelayMs: 0, seed: 1 } }));
    const { out, error } = await cli(['predict', '--gguf', testModelPath(), '--parallel', '3', '--workload-file', wl, '--json']);
    expect(error).toBeNull();
    const r = JSON.parse(out);
    expect(r.requests).toBe(6);
    expect(r.deployment).toMatchObject({ gpu: 'CPU-1-thread', max_num_seqs: 3, max_num_batched_tokens: 512, max_model_len: 4096, async_scheduling: false });
  });

  it.each([
    [['--gguf', '/nonexistent/m.gguf'], '--gguf', /cannot read the GGUF file/],
    [['--parallel', '2', '--model', 'Qwen3-8B', '--gpu', 'H100'], '--parallel', /describes a llama-worker: give it with --gguf/],
    [['--gguf', 'x.gguf', '--gpu', 'H100'], '--gpu', /not with --gguf/],
    [['--model', 'Qwen3-8B', '--gpu', 'H100', '--workload-file', '/nonexistent/w.json'], '--workload-file', /cannot read the workload file/],
  ])('refuses bad llama-worker and workload-file input with one line naming the flag (%#)', async (args, flag, message) => {
    const { error } = await cli(['predict', ...args]);
    expect((error as KvlabError).code).toBe('bad_flag');
    expect((error as Error).message).toContain(flag);
    expect((error as Error).message).toMatch(message);
  });

  it('names the field a config.json is missing', async () => {
    const config = join(root, 'partial.json');
    writeFileSync(config, JSON.stringify({ hidden_size: 2048, num_hidden_layers: 16, num_attention_heads: 32, vocab_size: 32000, intermediate_size: 8192, max_position_embeddings: 4096 }));
    const { error } = await cli(['predict', '--model-config', config, '--gpu', 'H100', ...SHORT]);
    expect((error as Error).message).toMatch(/num_key_value_heads is missing/);
  });
});

describe('kvlab calibrate --measurements', () => {
  it('fits a profile to a few experiments, writes it, reports leave-one-out accuracy, and predict reads it back', async () => {
    const all = JSON.parse(readFileSync(CALIBRATION, 'utf8'));
    const few = { ...all, experiments: all.experiments.filter((e: { id: string }) => /llama-2-7b-tp1-(codegen|roleplay)|qwen2-5-7b-instruct-tp1-roleplay/.test(e.id)) };
    expect(few.experiments).toHaveLength(3);
    const file = join(root, 'few.json');
    writeFileSync(file, JSON.stringify(few));
    const profile = join(root, 'profile.json');
    const { out, err, error } = await cli(['calibrate', '--measurements', file, '--duration-scale', '0.05', '--threads', '1', '--report', '-o', profile]);
    expect(error).toBeNull();
    expect(err).toMatch(/iteration 1: rms relative error/);
    expect(out).toMatch(/Leave-one-out/);
    expect(out).toMatch(/TTFT\s+median\s+[\d.]+ %\s+mean/);
    expect(out).toMatch(/reference \(median \|error\|\): TTFT 18\.4 %/);
    const written = JSON.parse(readFileSync(profile, 'utf8'));
    expect(written.kind).toBe('roofline');
    expect(written.meta.experiments).toHaveLength(3);
    expect(written.meta.leaveOneOut.e2e.median_ape).toBeGreaterThanOrEqual(0);
    const p = await cli(['predict', '--model', 'Qwen2.5-7B-Instruct', '--gpu', 'H100', '--preset', 'roleplay', ...SHORT, '--profile', profile, '--json']);
    expect(p.error).toBeNull();
    expect(JSON.parse(p.out).profile).toBe(written.name);
  }, 120_000);

  it('refuses a measurements file that is not one, naming the field', async () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ presets: {}, experiments: [{ id: 'x', measured: {} }] }));
    const { error } = await cli(['calibrate', '--measurements', bad, '--threads', '1']);
    expect((error as Error).message).toMatch(/experiments\[0\]/);
    const none = await cli(['calibrate']);
    expect((none.error as Error).message).toMatch(/--measurements FILE or run folders/);
  });
});
