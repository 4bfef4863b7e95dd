import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMocker, type RunningMocker } from '../../../src/mocker/server/start.ts';
import { metricValue, parsePrometheus, until } from './helpers.ts';

const MODEL = 'kvlab-mock';
const EXPECTED = {
  'vllm:num_requests_running': 'gauge',
  'vllm:num_requests_waiting': 'gauge',
  'vllm:kv_cache_usage_perc': 'gauge',
  'vllm:prefix_cache_queries_total': 'counter',
  'vllm:prefix_cache_hits_total': 'counter',
  'vllm:prompt_tokens_total': 'counter',
  'vllm:generation_tokens_total': 'counter',
  'vllm:num_preemptions_total': 'counter',
  'vllm:time_to_first_token_seconds': 'histogram',
  'vllm:e2e_request_latency_seconds': 'histogram',
  'vllm:request_success_total': 'counter',
};

describe('/metrics and client aborts', () => {
  let mocker: RunningMocker;
  let url: string;
  const scrape = async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parsePrometheus(await res.text());
  };
  const chat = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'count the blocks '.repeat(20) }], ...body }),
      signal,
    });

  beforeAll(async () => {
    mocker = await startMocker({ port: 0, speedupRatio: 1000, blockSize: 16, numWorkers: 2 });
    url = mocker.workers[0].url;
  });
  afterAll(async () => {
    await mocker.close();
  });

  it('exposes vLLM metric names with their types and the model_name label', async () => {
    const { types, samples } = await scrape();
    for (const [name, type] of Object.entries(EXPECTED)) expect(types.get(name), name).toBe(type);
    for (const s of samples.filter((s) => s.name.startsWith('vllm:'))) expect(s.labels.model_name).toBe(MODEL);
  });

  it('counters and histograms move after requests; each worker has its own registry', async () => {
    const before = (await scrape()).samples;
    const res = await chat({ max_tokens: 8, ignore_eos: true });
    const body = await res.json();
    const again = await (await chat({ max_tokens: 4, ignore_eos: true })).json();
    const after = (await scrape()).samples;
    const delta = (name: string, match: Record<string, string> = {}) => metricValue(after, name, match) - metricValue(before, name, match);
    expect(delta('vllm:prompt_tokens_total')).toBe(body.usage.prompt_tokens + again.usage.prompt_tokens);
    expect(delta('vllm:generation_tokens_total')).toBe(12);
    expect(delta('vllm:prefix_cache_queries_total')).toBeGreaterThan(0);
    expect(delta('vllm:prefix_cache_hits_total')).toBe(again.usage.prompt_tokens_details.cached_tokens);
    expect(delta('vllm:request_success_total', { finished_reason: 'length' })).toBe(2);
    expect(delta('vllm:time_to_first_token_seconds_count')).toBe(2);
    expect(delta('vllm:e2e_request_latency_seconds_count')).toBe(2);
    expect(metricValue(after, 'vllm:num_requests_running')).toBe(0);
    // worker-1 saw nothing
    const other = parsePrometheus(await (await fetch(`${mocker.workers[1].url}/metrics`)).text()).samples;
    expect(metricValue(other, 'vllm:request_success_total')).toBe(0);
  });

  it('a client that aborts mid-stream frees its running slot and KV blocks', async () => {
    const engine = mocker.workers[0].engine;
    const ctrl = new AbortController();
    // speedup 1000 still leaves ~200 ms of decoding for 30k tokens: plenty of time to abort mid-stream
    const res = await chat({ max_tokens: 30_000, ignore_eos: true, stream: true }, ctrl.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = '';
    while ((received.match(/data: /g) ?? []).length < 3) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended early');
      received += new TextDecoder().decode(value);
    }
    expect(metricValue((await scrape()).samples, 'vllm:num_requests_running')).toBe(1);
    expect(engine.stats().activeBlocks).toBeGreaterThan(0);
    ctrl.abort();
    await until(() => engine.stats().running === 0, 'the aborted request to leave the engine');
    const { samples } = await scrape();
    expect(metricValue(samples, 'vllm:num_requests_running')).toBe(0);
    expect(metricValue(samples, 'vllm:kv_cache_usage_perc')).toBe(0);
    expect(engine.stats().activeBlocks).toBe(0);
    engine.assertInvariants();
    // and the next request is served normally
    expect((await chat({ max_tokens: 2 })).status).toBe(200);
  });
});
