import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../../src/client/http/transport.ts';
import { serverRoot } from '../../../src/client/http/server-admin.ts';
import { json, startFakeHttp, type FakeHttp } from '../helpers/fake-http.ts';

let srv: FakeHttp;

/** A plain-text answer (SGLang's /flush_cache answers in text). */
function text(res: import('node:http').ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(body);
}
beforeAll(async () => {
  srv = await startFakeHttp();
});
afterAll(async () => {
  await srv.close();
});

async function withTransport<T>(path: string, fn: (t: ReturnType<typeof createTransport>) => Promise<T>): Promise<T> {
  const t = createTransport({ baseUrl: `${srv.url}${path}`, headers: { authorization: 'Bearer sk-x' } });
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

describe('model cards', () => {
  it("read max_model_len where the server reports it (vLLM's card), null elsewhere", async () => {
    srv.handle = (_req, res) => json(res, 200, { object: 'list', data: [{ id: 'a', max_model_len: 8192 }, { id: 'b' }, { id: 'c', max_model_len: 'x' }, { nope: 1 }] });
    const cards = await withTransport('', (t) => t.listModels());
    expect(cards).toEqual([
      { id: 'a', maxModelLen: 8192 },
      { id: 'b', maxModelLen: null },
      { id: 'c', maxModelLen: null },
    ]);
  });
});

describe('prefix-cache reset', () => {
  it('POSTs /reset_prefix_cache at the server root (not under /v1), with the headers', async () => {
    srv.handle = (_req, res) => json(res, 200, { ok: true });
    const n0 = srv.seen.length;
    await withTransport('/prefix/v1', (t) => t.resetPrefixCache());
    expect(srv.seen.slice(n0).map((s) => `${s.method} ${s.url}`)).toEqual(['POST /prefix/reset_prefix_cache']);
    expect(srv.seen.at(-1)!.headers.authorization).toBe('Bearer sk-x');
    expect(serverRoot('http://h:1/v1')).toBe('http://h:1');
  });

  it("falls back to SGLang's /flush_cache when the server has no /reset_prefix_cache", async () => {
    srv.handle = (req, res) => (req.url === '/flush_cache' ? text(res, 200, 'Cache flushed.\n') : json(res, 404, { detail: 'Not Found' }));
    const n0 = srv.seen.length;
    await withTransport('', (t) => t.resetPrefixCache());
    expect(srv.seen.slice(n0).map((s) => s.url)).toEqual(['/reset_prefix_cache', '/flush_cache']);
  });

  it('says how to get a reset route when the server has neither', async () => {
    srv.handle = (_req, res) => json(res, 404, { detail: 'Not Found' });
    await expect(withTransport('', (t) => t.resetPrefixCache())).rejects.toThrow(/no prefix-cache reset: .*VLLM_SERVER_DEV_MODE=1.*SGLang/);
  });

  it("fails with the server's reason when it refuses: kvlab's 409, vLLM's success:false, SGLang's 400", async () => {
    srv.handle = (_req, res) => json(res, 409, { error: { message: 'prefix cache not reset: requests are still running' } });
    await expect(withTransport('', (t) => t.resetPrefixCache())).rejects.toThrow(/HTTP 409: prefix cache not reset: requests are still running/);
    srv.handle = (_req, res) => json(res, 200, { success: false });
    await expect(withTransport('', (t) => t.resetPrefixCache())).rejects.toThrow(/did not reset .*success: false/);
    srv.handle = (req, res) => (req.url === '/flush_cache' ? text(res, 400, 'running requests') : json(res, 404, {}));
    await expect(withTransport('', (t) => t.resetPrefixCache())).rejects.toThrow(/POST .*\/flush_cache: .*HTTP 400: running requests/);
  });
});
