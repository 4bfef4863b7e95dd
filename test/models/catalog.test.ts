import { describe, expect, it } from 'vitest';
import {
  findGpu,
  findModel,
  findModelEntry,
  listGpus,
  listModels,
  paramCounts,
} from '../../src/models/index.ts';
import { thrown } from './thrown.ts';

const REQUIRED_MODELS = [
  'meta-llama/Llama-2-7b-hf',
  'meta-llama/Llama-2-70b-hf',
  'meta-llama/Llama-3.1-8B-Instruct',
  'meta-llama/Llama-3.1-70B-Instruct',
  'meta-llama/Llama-4-Scout-17B-16E-Instruct',
  'codellama/CodeLlama-34b-Instruct-hf',
  'Qwen/Qwen2.5-7B-Instruct',
  'Qwen/Qwen3-8B',
  'Qwen/Qwen3-14B',
  'Qwen/Qwen3-32B',
  'mistralai/Mistral-Nemo-Instruct-2407',
  'mistralai/Mixtral-8x7B-v0.1',
  'mistralai/Mixtral-8x7B-Instruct-v0.1',
  'mistralai/Mixtral-8x22B-v0.1',
  'mistralai/Mixtral-8x22B-Instruct-v0.1',
  '01-ai/Yi-34B',
  'deepseek-ai/DeepSeek-R1-Distill-Llama-8B',
  'openai/gpt-oss-120b',
];


describe('model catalogue', () => {
  it('holds every required model, each with a config.json source and where it was read', () => {
    const ids = listModels().map((m) => m.spec.id);
    for (const id of REQUIRED_MODELS) expect(ids).toContain(id);
    for (const m of listModels()) {
      expect(m.spec.source, m.spec.id ?? '').toBe(`https://huggingface.co/${m.spec.id}/blob/main/config.json`);
      expect(m.readFrom.length, m.spec.id ?? '').toBeGreaterThanOrEqual(2);
      expect(m.published.source, m.spec.id ?? '').toMatch(/^https:\/\//);
    }
  });

  // The check that the architecture numbers were read right: counting parameters from them lands
  // on the publisher's figure.
  it.each(listModels().map((m) => ({ id: m.spec.id, m })))('$id: computed total within 3 percent of the published count', ({ m }) => {
    const total = paramCounts(m.spec).total;
    expect(Math.abs(total / m.published.totalParams - 1)).toBeLessThan(0.03);
  });

  it.each(listModels().filter((m) => m.published.activeParams !== null).map((m) => ({ id: m.spec.id, m })))(
    '$id: computed active count within 3 percent of the published one',
    ({ m }) => {
      const inputEmbedding = m.published.activeExcludesInputEmbedding ? m.spec.vocab * m.spec.hidden : 0;
      const active = paramCounts(m.spec).active - inputEmbedding;
      expect(Math.abs(active / (m.published.activeParams as number) - 1)).toBeLessThan(0.03);
    },
  );

  it('finds a model by Hugging Face id, by bare name, in any case', () => {
    const spec = findModel('meta-llama/Llama-3.1-8B-Instruct');
    expect(findModel('Llama-3.1-8B-Instruct')).toBe(spec);
    expect(findModel('META-LLAMA/llama-3.1-8b-instruct')).toBe(spec);
    expect(findModel('  llama-3.1-8b-instruct ')).toBe(spec);
    expect(findModelEntry('gpt-oss-120b').published.activeExcludesInputEmbedding).toBe(true);
  });

  it('rejects an unknown model with one line listing every known id', () => {
    const err = thrown(() => findModel('llama-9'));
    expect(err.reason).toBe('unknown_model');
    expect(err.code).toBe('model_not_found');
    expect(err.message).not.toContain('\n');
    expect(err.message.startsWith('Unknown model "llama-9"; known: ')).toBe(true);
    for (const id of REQUIRED_MODELS) expect(err.message).toContain(id);
  });

  it('keeps the facts that differ between near-identical entries', () => {
    expect(findModel('Mixtral-8x22B-v0.1').vocab).toBe(32000);
    expect(findModel('Mixtral-8x22B-Instruct-v0.1').vocab).toBe(32768);
    expect(findModel('Mistral-Nemo-Instruct-2407').headDim).toBe(128);
    expect(findModel('Llama-2-70b-hf').weightDtype).toBe('fp16');
    expect(findModel('Llama-4-Scout-17B-16E-Instruct').moe).toMatchObject({ moeLayers: 48, sharedExperts: 1 });
    expect(findModel('gpt-oss-120b').attention).toMatchObject({ slidingWindow: 128, slidingLayers: 18 });
  });
});

describe('GPU catalogue', () => {
  it('holds the five GPUs with dense peaks, bandwidth, memory and a datasheet source', () => {
    expect(listGpus().map((g) => g.name)).toEqual(['H100-SXM-80GB', 'H200-SXM-141GB', 'A100-SXM-80GB', 'L40S', 'B200']);
    for (const g of listGpus()) {
      expect(g.bf16DenseTflops).toBeGreaterThan(0);
      expect(g.memoryBandwidthTBps).toBeGreaterThan(0);
      expect(g.source).toMatch(/^https:\/\/www\.nvidia\.com\//);
    }
    expect(findGpu('A100-SXM-80GB').fp8DenseTflops).toBeNull();
    expect(findGpu('H100-SXM-80GB')).toMatchObject({ bf16DenseTflops: 989.5, fp8DenseTflops: 1979, memoryGB: 80 });
    expect(findGpu('L40S').interconnect.kind).toMatch(/^PCIe/);
  });

  it('finds a GPU by name or alias, ignoring case, spaces, dashes and a leading NVIDIA', () => {
    const h100 = findGpu('H100-SXM-80GB');
    for (const name of ['H100', 'h100-sxm', 'H100 SXM', 'h100_sxm5', 'NVIDIA H100 80GB HBM3', 'h100sxm80gb']) {
      expect(findGpu(name), name).toBe(h100);
    }
    expect(findGpu('a100').name).toBe('A100-SXM-80GB');
    expect(findGpu('NVIDIA L40S').name).toBe('L40S');
  });

  it('rejects an unknown GPU with one line listing the known ones', () => {
    const err = thrown(() => findGpu('V100'));
    expect(err.reason).toBe('unknown_gpu');
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/^Unknown GPU "V100"; known: H100-SXM-80GB \(H100, /);
    for (const g of listGpus()) expect(err.message).toContain(g.name);
  });
});
