import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineRequest } from '../../../src/mocker/engine/index.ts';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';
import { engineConfigOf, resolveMockerOptions } from '../../../src/mocker/server/options.ts';

const MODEL = 'kvlab-mock';
const chat = (extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 3, ...extra });

/** An engine that remembers what it was handed. */
class RecordingEngine extends Engine {
  readonly received: EngineRequest[] = [];
  override add(req: EngineRequest): void {
    this.received.push(req);
    super.add(req);
  }
}

describe("the mock worker takes vLLM's priority and Dynamo's latency_sensitivity", () => {
  let app: FastifyInstance;
  let engine: RecordingEngine;
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });

  beforeAll(async () => {
    const options = resolveMockerOptions({ speedupRatio: 1000, schedulingPolicy: 'priority' });
    engine = new RecordingEngine(engineConfigOf(options));
    app = buildWorkerApp({ options, engine });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('hands the engine the request priority, the latency sensitivity and the arrival time', async () => {
    const res = await post('/v1/chat/completions', chat({ priority: -2, nvext: { agent_hints: { latency_sensitivity: 1.5 } } }));
    expect(res.statusCode, res.body).toBe(200);
    const req = engine.received.at(-1)!;
    expect(req.priority).toBe(-2);
    expect(req.latencySensitivityS).toBe(1.5);
    expect(Number.isFinite(req.arrivalMs)).toBe(true);
    expect(engine.config.schedulingPolicy).toBe('priority');
    const plain = await post('/v1/completions', { model: MODEL, prompt: 'hello', max_tokens: 2 });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(engine.received.at(-1)!.priority).toBeUndefined();
  });

  it('refuses a priority that is not an integer and a latency sensitivity that is not a number: 400 naming the field', async () => {
    for (const [body, param] of [
      [chat({ priority: 1.5 }), 'priority'],
      [chat({ priority: 'high' }), 'priority'],
      [chat({ nvext: { agent_hints: { latency_sensitivity: 'yes' } } }), 'nvext.agent_hints.latency_sensitivity'],
    ] as const) {
      const res = await post('/v1/chat/completions', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.param).toBe(param);
    }
  });

  it('refuses an unknown scheduling policy naming the setting', () => {
    expect(() => resolveMockerOptions({ schedulingPolicy: 'sjf' as never })).toThrow(/schedulingPolicy: must be one of "fcfs", "priority", got "sjf"/);
  });
});
