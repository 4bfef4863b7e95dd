/**
 * Size and cost limits on real loopback servers (mock worker, and the router in front of it): a body
 * over the limit gets a 413 before it is read (announced by Content-Length, or streamed chunked), a
 * 50 MB prompt is refused by its byte count before tokenization while /health keeps answering, and
 * max_tokens is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { startRouter, type RunningRouter } from '../../src/router-sim/index.ts';
import { answerProblem } from './helpers/openai-checks.ts';
import { rawExchange } from './helpers/raw-http.ts';

const MODEL = 'kvlab-mock';
const SMALL_LIMIT = 1024 * 1024;
const BIG_LIMIT = 64 * 1024 * 1024;
let small: RunningMocker;
let big: RunningMocker;
let smallRouter: RunningRouter;
let bigRouter: RunningRouter;

beforeAll(async () => {
  small = await startMocker({ port: 0, speedupRatio: 1000, bodyLimit: SMALL_LIMIT, maxModelLen: 4096, maxTokensLimit: 512 });
  big = await startMocker({ port: 0, speedupRatio: 1000, bodyLimit: BIG_LIMIT });
  smallRouter = await startRouter({ workers: [small.workers[0].url], port: 0, bodyLimit: SMALL_LIMIT, maxModelLen: 4096 });
  bigRouter = await startRouter({ workers: [big.workers[0].url], port: 0, bodyLimit: BIG_LIMIT });
});
afterAll(async () => {
  await Promise.allSettled([smallRouter?.close(), bigRouter?.close()]);
  await Promise.allSettled([small?.close(), big?.close()]);
});

const targets = () => [
  { name: 'mock worker', url: small.workers[0].url, bigUrl: big.workers[0].url, worker: small },
  { name: 'router', url: smallRouter.url, bigUrl: bigRouter.url, worker: small },
];

async function post(url: string, body: unknown): Promise<{ status: number; json: any; worker: string | null }> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  const problem = answerProblem({ status: res.status, contentType: res.headers.get('content-type') ?? '', body: text });
  expect(problem, text.slice(0, 300)).toBeNull();
  return { status: res.status, json: JSON.parse(text), worker: res.headers.get('x-kvlab-worker') };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 2, ...extra });

describe.each(['mock worker', 'router'])('%s: size limits', (name) => {
  const target = () => targets().find((t) => t.name === name)!;

  it('answers 413 to an announced oversized body after reading only its first bytes', async () => {
    const first = Buffer.from(`{"model":"${MODEL}","messages":[{"role":"user","content":"` + 'a'.repeat(16 * 1024));
    const rest = Array.from({ length: 4 }, () => Buffer.alloc(64 * 1024, 'a'));
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}`;
    const answer = await rawExchange(target().url, head, [first, ...rest], { keepSending: false });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('body_too_large');
    expect(answer.sentWhenAnswered).toBeLessThanOrEqual(first.length); // nothing but the first write was sent
  });

  it('answers 413 to a chunked body once it passes the limit, without reading the rest', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const framed = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const chunks = [framed(Buffer.from(`{"model":"${MODEL}","prompt":"`)), ...Array.from({ length: 160 }, () => framed(chunk))]; // 10 MB offered
    const head = 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked';
    const answer = await rawExchange(target().url, head, chunks, { intervalMs: 2 });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('body_too_large');
    expect(answer.sentWhenAnswered).toBeLessThan(5 * SMALL_LIMIT);
  });

  it('refuses a 50 MB prompt by its byte count, before tokenizing, while /health keeps answering', async () => {
    const url = target().bigUrl;
    const huge = JSON.stringify(chat('lorem ipsum '.repeat((50 * 1024 * 1024) / 12)));
    let healthy = 0;
    let settled = false;
    const poll = (async () => {
      while (!settled) {
        const h = await fetch(`${url}/health`);
        expect(h.status).toBe(200);
        await h.arrayBuffer();
        healthy++;
      }
    })();
    const res = await post(url, huge).finally(() => (settled = true));
    await poll;
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('context_length_exceeded');
    expect(res.json.error.message).toMatch(/your prompt is \d+ bytes long, which is at least \d+ tokens/);
    if (name === 'router') expect(res.worker).toBeNull(); // answered by the router, never forwarded
    expect(healthy).toBeGreaterThan(0);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 60_000);

  it('bounds max_tokens and the context, and stays usable', async () => {
    const { url, worker } = target();
    for (const maxTokens of [513, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const r = await post(url, chat('hi', { max_tokens: maxTokens, ignore_eos: true }));
      expect(r.status).toBe(400);
      expect(r.json.error.param).toBe('max_tokens');
    }
    const long = await post(url, chat('hello '.repeat(4000), { max_tokens: 100 }));
    expect(long.status).toBe(400);
    expect(long.json.error.code).toBe('context_length_exceeded');
    const ok = await post(url, chat('hi'));
    expect(ok.status).toBe(200);
    const s = worker.workers[0].engine.stats();
    expect([s.running, s.waiting, s.activeBlocks]).toEqual([0, 0, 0]);
  });
});
