/**
 * Faults on real loopback servers, bounded by conditions (never by sleeps):
 * - a worker killed mid-stream: its in-flight request ends with a clean error at the client, new
 *   requests avoid it at once, and it serves again once restarted on the same port;
 * - kv mode, a worker restarted (its KV-event publisher with it): the router clears its entries on the
 *   disconnect and relearns them from the new stream, never holding blocks the new engine lacks;
 * - kv mode, batches lost (a sequence gap): the router clears the worker and stops routing on the
 *   lost entries; a stream gone silent: the entries are dropped once the TTL has passed;
 * - the router restarted mid-run: the client retries (--max-retries), the run completes and its
 *   errors are counted.
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Publisher } from 'zeromq';
import { blockHashes } from '../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../src/core/chat-template.ts';
import { encodeEventBatch, encodeSeq, type KvCacheEvent } from '../../src/core/kv-event-codec.ts';
import { loremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';
import { runBench } from '../../src/client/bench.ts';
import { createTransport } from '../../src/client/http/transport.ts';
import { buildMultiturn } from '../../src/client/workloads/index.ts';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { startRouter, type RouterOptions, type RunningRouter } from '../../src/router-sim/index.ts';
import { waitFor } from '../helpers/wait.ts';

const MODEL = 'kvlab-mock';
const BS = 16;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function mocker(opts: Parameters<typeof startMocker>[0]): Promise<RunningMocker> {
  const m = await startMocker(opts);
  cleanups.push(() => m.close());
  return m;
}

async function router(opts: Partial<RouterOptions>): Promise<RunningRouter> {
  const r = await startRouter({ port: 0, ...opts });
  cleanups.push(() => r.close());
  return r;
}

const portOf = (url: string): number => Number(new URL(url).port);

async function chat(url: string, content: string, extra: Record<string, unknown> = {}): Promise<{ status: number; worker: string | null; text: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 2, ...extra }),
  });
  return { status: res.status, worker: res.headers.get('x-kvlab-worker'), text: await res.text() };
}

/** The router's block hashes of a one-message chat prompt (same template and tokenizer). */
function promptBlocks(content: string): { hashes: number[]; tokens: number[] } {
  const tokens = new ChatTokenizer().encodeChat([{ role: 'user', content }]);
  return { hashes: blockHashes(tokens, BS), tokens: tokens.slice(0, Math.floor(tokens.length / BS) * BS) };
}

/** A KV-events publisher the test drives by hand: batches get consecutive sequence numbers unless some are skipped (lost). */
async function fakePublisher(): Promise<{ endpoint: string; send(events: KvCacheEvent[]): Promise<void>; lose(n: number): void }> {
  const pub = new Publisher({ linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  cleanups.push(async () => pub.close());
  let seq = 0;
  return {
    endpoint: pub.lastEndpoint!,
    send: (events) => pub.send([Buffer.alloc(0), encodeSeq(seq++), encodeEventBatch(Date.now() / 1000, events)]),
    lose: (n) => void (seq += n),
  };
}

const stored = (p: { hashes: number[]; tokens: number[] }): KvCacheEvent => ({ type: 'BlockStored', blockHashes: p.hashes, parentHash: null, tokenIds: p.tokens, blockSize: BS });

type FakePublisher = Awaited<ReturnType<typeof fakePublisher>>;

/**
 * Tell the router that `worker` caches `p`: the batch is resent until the subscription is live and
 * applied. Copies sent before the first was applied may still be on their way, so a marker batch
 * follows and is awaited too: batches of one stream arrive in order, so once the marker is applied no
 * copy of `p` can arrive later (a late copy would count as a sign of life of the stream).
 */
async function teach(pub: FakePublisher, core: RunningRouter['state']['core'], worker: number, p: { hashes: number[]; tokens: number[] }, markerSeed: number): Promise<void> {
  await waitFor(async () => {
    await pub.send([stored(p)]);
    return core.indexer.overlaps(p.hashes)[worker] === p.hashes.length;
  }, `the router to learn worker-${worker} has the prompt`);
  const marker = promptBlocks(loremText(createRng(markerSeed), 20).text);
  await pub.send([stored(marker)]);
  await waitFor(() => core.indexer.overlaps(marker.hashes)[worker] === marker.hashes.length, 'the marker batch to be applied');
}

describe('a worker killed mid-stream', () => {
  it('ends its in-flight request with a clean error, is avoided at once, and serves again after a restart on the same port', async () => {
    const fast = await mocker({ port: 0, speedupRatio: 1000, seed: 1 });
    let slow = await mocker({ port: 0, speedupRatio: 1, seed: 2 }); // ~6 ms per token: streams last seconds
    const slowPort = portOf(slow.workers[0].url);
    const r = await router({ workers: [fast.workers[0].url, slow.workers[0].url], mode: 'round-robin', downForMs: 100, healthCheckMs: 50 });
    const client = createTransport({ baseUrl: r.url, maxRetries: 0 });
    cleanups.push(() => client.close());

    const long = { model: MODEL, messages: [{ role: 'user' as const, content: 'a long story please' }], maxTokens: 3000, ignoreEos: true };
    const sends = [client.sendChat(long), client.sendChat(long)];
    await waitFor(() => slow.workers[0].engine.stats().generationTokens > 20, 'the slow worker to be streaming');
    await slow.close();
    const results = await Promise.all(sends);

    const cut = results.find((x) => x.worker === 'worker-1')!;
    expect(cut.ok).toBe(false);
    expect(cut.failure).toBe('stream');
    expect(cut.error).toMatch(/upstream worker worker-1 is unavailable: stream interrupted/);
    expect(cut.ttftMs).not.toBeNull(); // it had started: tokens arrived before the cut
    expect(results.find((x) => x.worker === 'worker-0')?.ok).toBe(true);

    // Marked down when its stream broke: every new request goes to the live worker.
    expect(r.state.core.isUp(1)).toBe(false);
    for (let i = 0; i < 6; i++) {
      const res = await chat(r.url, `after the kill ${i}`);
      expect([res.status, res.worker]).toEqual([200, 'worker-0']);
    }

    slow = await mocker({ port: slowPort, speedupRatio: 1000, seed: 3 });
    await waitFor(() => r.state.core.isUp(1), 'a health check to bring worker-1 back');
    const workers = new Set<string | null>();
    for (let i = 0; i < 4; i++) {
      const res = await chat(r.url, `after the restart ${i}`);
      expect(res.status).toBe(200);
      workers.add(res.worker);
    }
    expect(workers).toEqual(new Set(['worker-0', 'worker-1']));
    expect(r.state.core.tracker.size).toBe(0);
  });
});

describe('kv mode and a KV-event stream that restarts, drops or goes silent', () => {
  it('clears a restarted worker on the disconnect and relearns exactly what its new engine caches', async () => {
    const opts = { speedupRatio: 1000, blockSize: BS, seed: 4 };
    let w0 = await mocker({ port: 0, kvEventsPort: 0, ...opts });
    const w1 = await mocker({ port: 0, kvEventsPort: 0, ...opts });
    const httpPort = portOf(w0.workers[0].url);
    const kvPort = portOf(w0.workers[0].kvEventsEndpoint!.replace('tcp://', 'http://'));
    const r = await router({
      workers: [w0.workers[0].url, w1.workers[0].url],
      kvEvents: [w0.workers[0].kvEventsEndpoint!, w1.workers[0].kvEventsEndpoint!],
      mode: 'kv',
      blockSize: BS,
      downForMs: 100,
      healthCheckMs: 50,
    });
    const { core } = r.state;
    expect(await r.state.subscribers!.ready(5000)).toBe(true);

    const content = loremText(createRng(1), 300).text;
    const p = promptBlocks(content);
    const first = await chat(r.url, content);
    expect(first.status).toBe(200);
    expect(first.worker).toBe('worker-0'); // a tie goes to the first worker
    await waitFor(() => core.indexer.overlaps(p.hashes)[0] === p.hashes.length, 'the router to learn the prompt blocks');

    await w0.close();
    await waitFor(() => core.indexer.blocksOf(0) === 0, "worker-0's entries to be cleared on the disconnect");
    expect(r.state.subscribers!.stats.resyncs[0]).toBeGreaterThanOrEqual(1);

    w0 = await mocker({ port: httpPort, kvEventsPort: kvPort, ...opts });
    await waitFor(() => core.isUp(0), 'worker-0 to be up');
    // The router relearns worker-0 from its new stream only; it never holds a block the new engine lacks.
    let i = 0;
    await waitFor(async () => {
      await chat(r.url, loremText(createRng(100 + i++), 80).text);
      return core.indexer.blocksOf(0) > 0;
    }, 'events from the restarted worker');
    // Batches the new publisher sent before the router's socket reconnected are lost (ZeroMQ's slow
    // joiner), so the router may know fewer blocks than the engine caches — never more.
    const cached = w0.workers[0].engine.cachedBlockHashes();
    let known = 0;
    for (const h of cached) if (core.indexer.holds(0, h)) known++;
    expect(known).toBeGreaterThan(0);
    expect(core.indexer.blocksOf(0)).toBe(known);
    expect(core.indexer.overlaps(p.hashes)[0]).toBe(0); // the old engine's prompt is gone with it
  });

  it('stops routing on blocks whose removal was lost: a sequence gap clears the worker', async () => {
    const w = await mocker({ numWorkers: 2, port: 0, speedupRatio: 1000, blockSize: BS });
    const pubs = [await fakePublisher(), await fakePublisher()];
    const r = await router({ workers: w.workers.map((x) => x.url), kvEvents: pubs.map((x) => x.endpoint), mode: 'kv', blockSize: BS });
    const { core } = r.state;
    expect(await r.state.subscribers!.ready(5000)).toBe(true);

    const content = loremText(createRng(2), 200).text;
    const p = promptBlocks(content);
    await teach(pubs[1], core, 1, p, 1002); // worker-1 caches the prompt
    const resyncs = r.state.subscribers!.stats.resyncs[1];
    expect((await chat(r.url, content, { max_tokens: 1 })).worker).toBe('worker-1');

    // The batch of worker-1 evicting the prompt is lost; the next one arrives.
    const other = promptBlocks(loremText(createRng(3), 40).text);
    pubs[1].lose(1);
    await pubs[1].send([stored(other)]);
    await waitFor(() => core.indexer.overlaps(other.hashes)[1] === other.hashes.length, 'the next batch to be applied');
    expect(r.state.subscribers!.stats.resyncs[1]).toBe(resyncs + 1);
    expect(core.indexer.overlaps(p.hashes)[1]).toBe(0);
    expect((await chat(r.url, content, { max_tokens: 1 })).worker).toBe('worker-0');
  });

  it('drops the entries of a worker whose stream went silent once the TTL has passed after it stored blocks', async () => {
    const w = await mocker({ numWorkers: 2, port: 0, speedupRatio: 1000, blockSize: BS });
    const pubs = [await fakePublisher(), await fakePublisher()];
    const r = await router({ workers: w.workers.map((x) => x.url), kvEvents: pubs.map((x) => x.endpoint), mode: 'kv', blockSize: BS, routerTtlS: 0.3 });
    const { core } = r.state;
    expect(await r.state.subscribers!.ready(5000)).toBe(true);

    const content = loremText(createRng(5), 200).text;
    const p = promptBlocks(content);
    await teach(pubs[1], core, 1, p, 1005);
    const resyncs = r.state.subscribers!.stats.resyncs[1];
    // Worker-1 answers 20 tokens: it stores new blocks, but its stream says nothing from now on.
    const routed = await chat(r.url, content, { max_tokens: 20, ignore_eos: true });
    expect(routed.worker).toBe('worker-1');
    expect(w.workers[1].engine.cachedBlockHashes().size).toBeGreaterThan(p.hashes.length);

    await waitFor(async () => (await chat(r.url, content, { max_tokens: 1 })).worker === 'worker-0', 'the silent stream to be distrusted', 10_000, 50);
    expect(core.indexer.blocksOf(1)).toBe(0);
    expect(r.state.subscribers!.stats.resyncs[1]).toBe(resyncs); // no gap was seen: the TTL rule cleared it
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`kvlab_router_resyncs_total\\{worker="worker-1"\\} ${resyncs + 1}\n`));
  });
});

describe('the router restarted mid-run', () => {
  it('lets the client retry per --max-retries; the run completes with its errors counted', async () => {
    const w = await mocker({ numWorkers: 2, port: 0, speedupRatio: 200 });
    const opts = { workers: w.workers.map((x) => x.url), mode: 'round-robin' as const };
    let r = await router(opts);
    const port = portOf(r.url);
    const workload = buildMultiturn({ numUsers: 4, numTurns: 15, numUserTokens: 30, maxCompletionTokens: 8, meanDelayMs: 5, seed: 7 });
    let seen = 0;
    const run = runBench({ command: 'bench multiturn', workload, urls: [r.url], model: MODEL, maxRetries: 5, onRecord: () => seen++ });

    await waitFor(() => seen >= 10, 'the run to be under way');
    await r.close();
    // While the router is away, connections to its port are refused (reset); restart it once the client has hit that.
    let refused = 0;
    const away = createServer((s) => {
      refused++;
      s.destroy();
    });
    await new Promise<void>((res) => away.listen(port, '127.0.0.1', res));
    await waitFor(() => refused >= 1, 'the client to find the router gone');
    await new Promise<void>((res) => away.close(() => res()));
    r = await router({ ...opts, port });

    const result = await run;
    const records = result.records;
    expect(result.interrupted).toBe(false);
    // Every conversation ran to its end, or to a failed turn (a conversation keeping history stops there).
    for (let u = 0; u < 4; u++) {
      const turns = records.filter((x) => x.conversationId === `user-${u}`).sort((a, b) => a.turn - b.turn);
      const firstFailure = turns.findIndex((x) => !x.ok);
      expect(turns.map((x) => x.turn)).toEqual(turns.map((_, k) => k + 1));
      expect(firstFailure === -1 ? turns.length : firstFailure + 1).toBe(turns.length);
      if (firstFailure === -1) expect(turns).toHaveLength(15);
    }
    const failed = records.filter((x) => !x.ok);
    expect(result.run.summary.requests).toBe(records.length);
    expect(result.run.summary.failed).toBe(failed.length);
    expect(Object.values(result.run.summary.errors).reduce((a, b) => a + b, 0)).toBe(failed.length);
    expect(failed.length).toBeLessThanOrEqual(4); // at most the streams in flight when it went away
    expect(records.some((x) => x.retries > 0 && x.ok)).toBe(true);
    expect(Math.max(...records.map((x) => x.retries))).toBeLessThanOrEqual(5);
  });
});
