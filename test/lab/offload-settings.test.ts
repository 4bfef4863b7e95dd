import { describe, expect, it } from 'vitest';
import { mockerOptionsFromFlags } from '../../src/cli/mocker.ts';
import { resolveCluster } from '../../src/lab/cluster-settings.ts';

const deployment = { model: 'meta-llama/Llama-3.1-8B-Instruct', gpu: 'H100-SXM-80GB' };
// Llama-3.1-8B fp16: 131072 KV bytes per token; block size 16 → 2 MiB per block → 512 blocks per GiB.

describe('offload tier settings', () => {
  it('sizes tiers in GiB from the deployment model\'s KV bytes per token (experiment files)', () => {
    const c = resolveCluster({ deployment, kvOffload: { cpuGib: 1, diskGib: 4 } }, '.');
    expect(c.engine).toMatchObject({ kvCpuBlocks: 512, kvDiskBlocks: 2048, kvBytesPerToken: 131072, blockSize: 16 });
  });

  it('leaves the engine config without offload keys when the section has no kvOffload', () => {
    expect(Object.keys(resolveCluster({}, '.').engine).some((k) => k.startsWith('kv'))).toBe(false);
  });

  it('names the field when a GiB size cannot be turned into blocks or a disk has no CPU tier above it', () => {
    expect(() => resolveCluster({ kvOffload: { cpuGib: 1 } }, '.')).toThrow(/cluster\.kvOffload\.cpuGib.*KV bytes per token/);
    expect(() => resolveCluster({ deployment, kvOffload: { cpuBlocks: 8, cpuGib: 1 } }, '.')).toThrow(/give the tier's size once/);
    expect(() => resolveCluster({ kvOffload: { diskBlocks: 8 } }, '.')).toThrow(/cluster\.kvOffload\.diskBlocks.*needs a CPU tier/);
  });

  it('sizes tiers in GiB on the command line with --kv-bytes-per-token, and refuses a GiB size without it', async () => {
    const o = await mockerOptionsFromFlags({ kvCpuGib: 1, kvBytesPerToken: 131072, blockSize: 16 } as never);
    expect(o.kvCpuBlocks).toBe(512);
    await expect(mockerOptionsFromFlags({ kvCpuGib: 1 } as never)).rejects.toThrow(/--kv-cpu-gib.*KV bytes per token/);
  });
});
