import { beforeAll, describe, expect, it } from 'vitest';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { KvlabError } from '../../../src/core/errors.ts';
import { tokensForId } from '../../../src/core/lorem.ts';
import { buildTrace, LoremRunCache, promptTokens, transformRows, TRACE_DEFAULTS } from '../../../src/client/workloads/trace.ts';
import { contentWriterOf } from '../../../src/client/workloads/content-writer.ts';
import { loadTrace, parseTraceJsonl, type TraceRow } from '../../../src/client/workloads/trace-loader.ts';

function tokensOfScript(w: ReturnType<typeof buildTrace>, i: number): number[] {
  return w.scripts[i].turns[0].messages[0].contentTokens!;
}

describe('trace loader', () => {
  it('parses JSONL rows, skipping blank lines and ignoring extra fields', () => {
    const rows = parseTraceJsonl(
      '{"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [0, 1]}\n\n' +
        '{"timestamp": 12.5, "input_length": 10, "output_length": 0, "hash_ids": [2], "session_id": "x"}\n',
    );
    expect(rows).toEqual([
      { timestamp: 0, input_length: 600, output_length: 5, hash_ids: [0, 1] },
      { timestamp: 12.5, input_length: 10, output_length: 1, hash_ids: [2] },
    ]);
  });

  it('names the file and line of a bad row', () => {
    expect(() => parseTraceJsonl('{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [0]}\n{oops', 't.jsonl')).toThrow(
      /Invalid t\.jsonl line 2: not valid JSON/,
    );
    expect(() => parseTraceJsonl('{"timestamp": 0, "output_length": 1, "hash_ids": [0]}', 't.jsonl')).toThrow(
      /t\.jsonl line 1: "input_length" must be a number ≥ 1/,
    );
    expect(() => parseTraceJsonl('{"timestamp": 0, "input_length": 3, "output_length": 1, "hash_ids": [-1]}')).toThrow(/hash_ids/);
  });

  it('reports a missing file as an io_error', async () => {
    await expect(loadTrace('/nonexistent/trace.jsonl')).rejects.toMatchObject({ code: 'io_error' });
  });
});

describe('trace workload on the shipped Mooncake trace', () => {
  let rows: TraceRow[];
  beforeAll(async () => {
    rows = await loadTrace();
  });

  it('has one request per trace row, sent at timestamp / speedupRatio, open loop', () => {
    expect(rows).toHaveLength(3993);
    const w = buildTrace({ speedupRatio: 4 }, { rows });
    expect(w.schedule).toEqual({ kind: 'open' });
    expect(w.scripts).toHaveLength(3993);
    for (let i = 0; i < rows.length; i++) {
      const t = w.scripts[i].turns[0];
      expect(t.atMs).toBe(rows[i].timestamp / 4);
      expect(t.maxTokens).toBe(rows[i].output_length);
      expect(t.ignoreEos).toBe(true);
    }
    expect(w.scripts[rows.length - 1].turns[0].atMs).toBeGreaterThan(1000_000 / 4);
  });

  it('makes the prompt exactly input_length tokens of the ids\' blocks', () => {
    const w = buildTrace({ numRequests: 30 }, { rows });
    expect(w.scripts).toHaveLength(30);
    for (let i = 0; i < 30; i++) {
      const tokens = tokensOfScript(w, i);
      expect(tokens).toHaveLength(rows[i].input_length);
      const first = Math.min(512, rows[i].input_length);
      expect(tokens.slice(0, first)).toEqual(tokensForId(rows[i].hash_ids[0], first));
      const last = rows[i].hash_ids[rows[i].hash_ids.length - 1];
      const tail = rows[i].input_length - (rows[i].hash_ids.length - 1) * 512;
      expect(tokens.slice(-tail)).toEqual(tokensForId(last, tail));
    }
  });

  it('gives equal token blocks exactly where hash ids are equal (best-case reuse matches the ids)', () => {
    // Count reusable leading blocks twice: by ids, and by block hashes of the generated tokens.
    const n = 300;
    const w = buildTrace({ numRequests: n }, { rows });
    const seenIds = new Set<number>();
    const seenHashes = new Set<number>();
    let idHits = 0;
    let tokenHits = 0;
    for (let i = 0; i < n; i++) {
      const fullIds = rows[i].hash_ids.slice(0, Math.floor(rows[i].input_length / 512));
      const hashes = blockHashes(tokensOfScript(w, i), 512);
      expect(hashes).toHaveLength(fullIds.length);
      let run = true;
      for (let b = 0; b < fullIds.length; b++) {
        run = run && seenIds.has(fullIds[b]);
        if (run) idHits++;
      }
      run = true;
      for (const h of hashes) {
        run = run && seenHashes.has(h);
        if (run) tokenHits++;
      }
      for (const id of fullIds) seenIds.add(id);
      for (const h of hashes) seenHashes.add(h);
    }
    expect(idHits).toBeGreaterThan(300);
    expect(tokenHits).toBe(idHits);
    expect(seenHashes.size).toBe(seenIds.size);
  });

  it('drops rows longer than maxIsl and replays the first numRequests of the rest', () => {
    const w = buildTrace({ maxIsl: 8000, numRequests: 100 }, { rows });
    expect(w.scripts).toHaveLength(100);
    const kept = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.input_length <= 8000).slice(0, 100);
    expect(w.scripts.map((s) => s.tags!.traceRow)).toEqual(kept.map(({ i }) => i));
  });
});

describe('trace multipliers', () => {
  const bs = 4;
  // Ids 0 and 1 are shared (core); 2, 3, 4, 5 are each row's own blocks.
  const rows: TraceRow[] = [
    { timestamp: 0, input_length: 14, output_length: 1, hash_ids: [0, 1, 2, 3] },
    { timestamp: 1, input_length: 10, output_length: 1, hash_ids: [0, 1, 4] },
    { timestamp: 2, input_length: 6, output_length: 1, hash_ids: [0, 5] },
    { timestamp: 3, input_length: 7, output_length: 1, hash_ids: [0, 1] },
  ];
  const params = (over: Partial<typeof TRACE_DEFAULTS>) => ({ ...TRACE_DEFAULTS, blockSize: bs, ...over });

  it('leaves ids and lengths alone when every multiplier is 1', () => {
    const out = transformRows(rows, params({}), () => 0);
    expect(out.map((p) => p.ids)).toEqual(rows.map((r) => r.hash_ids));
    expect(out.map((p) => p.inputLength)).toEqual(rows.map((r) => r.input_length));
  });

  it('stretches shared prefixes by prefixLenMultiplier and keeps them shared', () => {
    const out = transformRows(rows, params({ prefixLenMultiplier: 2 }), () => 0);
    // Row 0: core [0, 1] → 4 blocks, own tail of 6 tokens unchanged.
    expect(out[0].ids).toHaveLength(6);
    expect(out[0].inputLength).toBe(4 * bs + 6);
    // Row 1 shares the whole stretched core with row 0; row 2 shares the stretched first block.
    expect(out[1].ids.slice(0, 4)).toEqual(out[0].ids.slice(0, 4));
    expect(out[1].inputLength).toBe(4 * bs + 2);
    expect(out[2].ids.slice(0, 2)).toEqual(out[0].ids.slice(0, 2));
    expect(out[2].ids[2]).not.toBe(out[0].ids[2]);
    // Row 3 ends inside its last core block (3 tokens of it).
    expect(out[3].ids).toEqual(out[0].ids.slice(0, 4));
    expect(out[3].inputLength).toBe(3 * bs + 3);
    const tokens = out.map((p) => promptTokens(p, bs));
    expect(tokens[3]).toEqual(tokens[0].slice(0, 15));
  });

  it('scales each row\'s own tokens by promptLenMultiplier', () => {
    const out = transformRows(rows, params({ promptLenMultiplier: 2 }), () => 0);
    expect(out[0].inputLength).toBe(2 * bs + 12);
    expect(out[0].ids).toHaveLength(2 + 3);
    expect(out[0].ids.slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(out[2].inputLength).toBe(bs + 4);
    expect(out[3].inputLength).toBe(7);
  });

  it('separates tree copies chosen by prefixRootMultiplier', () => {
    const out = transformRows(rows, params({ prefixRootMultiplier: 2 }), (row) => (row === 1 ? 1 : 0));
    expect(out[1].ids.some((id) => out[0].ids.includes(id))).toBe(false);
    expect(out[2].ids[0]).toBe(out[0].ids[0]);
    const w = buildTrace({ blockSize: bs, prefixRootMultiplier: 4, seed: 5 }, { rows: Array.from({ length: 40 }, () => rows[0]) });
    const copies = new Set(w.scripts.map((s) => s.tags!.treeCopy));
    expect(copies.size).toBeGreaterThan(1);
    for (const s of w.scripts) {
      const same = w.scripts.find((o) => o.tags!.treeCopy === s.tags!.treeCopy)!;
      expect(s.turns[0].messages[0].contentTokens).toEqual(same.turns[0].messages[0].contentTokens);
    }
  });

  it('rejects non-positive multipliers', () => {
    expect(() => buildTrace({ prefixLenMultiplier: 0 }, { rows })).toThrow(KvlabError);
    expect(() => buildTrace({ speedupRatio: -1 }, { rows })).toThrow(/speedupRatio: must be a number > 0/);
  });
  it('writes the same content tokens into a buffer through its content writer, and other messages have none', () => {
    const rows: TraceRow[] = [
      { timestamp: 0, input_length: 20, output_length: 1, hash_ids: [3, 4, 5] },
      { timestamp: 1, input_length: 16, output_length: 1, hash_ids: [3, 4] },
      { timestamp: 2, input_length: 5, output_length: 1, hash_ids: [9] },
    ];
    const w = buildTrace({ blockSize: 8 }, { rows });
    for (const s of w.scripts) {
      const m = s.turns[0].messages[0];
      const writer = contentWriterOf(m)!;
      const out = new Int32Array(writer.length + 3).fill(-7);
      writer.write(out, 2);
      expect(Array.from(out.subarray(2, 2 + writer.length))).toEqual(m.contentTokens);
      expect([out[0], out[1], out[out.length - 1]]).toEqual([-7, -7, -7]);
    }
    expect(contentWriterOf({ role: 'user', content: 'x', contentTokens: [1] })).toBeUndefined();
  });

  it('LoremRunCache keeps exactly the most recently used ids and always writes their runs', () => {
    let x = 12345;
    const rand = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    const cache = new LoremRunCache(8, 5);
    const recent: number[] = []; // reference LRU, most recent last
    const out = new Int32Array(8);
    for (let k = 0; k < 400; k++) {
      const id = rand(12);
      const n = 1 + rand(8);
      cache.write(id, n, out, 0);
      expect(Array.from(out.subarray(0, n))).toEqual(tokensForId(id, n));
      const at = recent.indexOf(id);
      if (at >= 0) recent.splice(at, 1);
      recent.push(id);
      if (recent.length > 5) recent.shift();
      for (let j = 0; j < 12; j++) expect(cache.has(j)).toBe(recent.includes(j));
    }
  });

  it('LoremRunCache writes tokensForId runs (or their prefix) and evicts the least recently used past its bound', () => {
    const cache = new LoremRunCache(16, 2);
    const runOf = (id: number, n = 16): number[] => {
      const out = new Int32Array(n + 2).fill(-1);
      cache.write(id, n, out, 1);
      expect([out[0], out[n + 1]]).toEqual([-1, -1]);
      return Array.from(out.subarray(1, n + 1));
    };
    expect(runOf(1)).toEqual(tokensForId(1, 16));
    expect(runOf(2, 5)).toEqual(tokensForId(2, 5));
    expect(runOf(1)).toEqual(tokensForId(1, 16));
    expect(runOf(3)).toEqual(tokensForId(3, 16)); // evicts 2, the least recently used
    expect([cache.has(1), cache.has(2), cache.has(3)]).toEqual([true, false, true]);
    expect(runOf(2)).toEqual(tokensForId(2, 16)); // evicts 1, reusing its slot
    expect([cache.has(1), cache.has(2), cache.has(3)]).toEqual([false, true, true]);
    expect(runOf(3)).toEqual(tokensForId(3, 16));
    expect(runOf(1, 7)).toEqual(tokensForId(1, 7));
  });
});
