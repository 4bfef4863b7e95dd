import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { buildRouterApp, startRouter } from '../../src/router-sim/index.ts';
import { chat } from './helpers.ts';

const MODEL = 'kvlab-mock';
let mocker: RunningMocker;

beforeAll(async () => {
  mocker = await startMocker({ numWorkers: 2, port: 0, speedupRatio: 1000, seed: 3 });
});
afterAll(async () => {
  await mocker?.close();
});

/** The workers four requests sent one after another are routed to. */
async function workersOf(replicas: number): Promise<{ workers: string[]; health: Record<string, unknown> }> {
  const router = await startRouter({ workers: mocker.workers.map((w) => w.url), mode: 'round-robin', port: 0, replicas });
  try {
    const workers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await chat(router.url, { model: MODEL, messages: [{ role: 'user', content: `question ${i}` }], max_tokens: 2 });
      expect(r.status).toBe(200);
      workers.push(r.worker!);
    }
    return { workers, health: await (await fetch(`${router.url}/health`)).json() };
  } finally {
    await router.close();
  }
}

describe('the HTTP router as replicas behind a front spreader (--router-replicas)', () => {
  it('gives each replica its own policy state: two round-robin replicas each start at worker-0', async () => {
    expect((await workersOf(1)).workers).toEqual(['worker-0', 'worker-1', 'worker-0', 'worker-1']);
    const two = await workersOf(2);
    expect(two.workers).toEqual(['worker-0', 'worker-0', 'worker-1', 'worker-1']);
    expect(two.health).toMatchObject({ replicas: 2, replicaSync: false, inFlight: 0 });
  });

  it('refuses 0 replicas and an unknown spread, naming the option', () => {
    expect(() => buildRouterApp({ workers: ['http://127.0.0.1:1'], replicas: 0 })).toThrow(/replicas: must be an integer ≥ 1/);
    expect(() => buildRouterApp({ workers: ['http://127.0.0.1:1'], replicas: 2, replicaSpread: 'diagonal' as never })).toThrow(/replicaSpread/);
  });
});
