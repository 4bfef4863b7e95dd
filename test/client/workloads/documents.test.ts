import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOLLOW_UPS, INITIAL_INSTRUCTIONS, WARMUP_QUESTIONS } from '../../../src/client/workloads/document-prompts.ts';
import { docTypeOf, type SeedDocument } from '../../../src/client/workloads/document-types.ts';
import { buildDocuments } from '../../../src/client/workloads/documents.ts';
import { loadDocuments } from '../../../src/client/workloads/documents-loader.ts';

describe('document type detection', () => {
  it('calls source files CODE and prose or markup TEXT, by extension', () => {
    for (const n of ['a.py', 'b.go', 'c.rs', 'd.ts', 'e.tsx', 'f.js', 'g.sql', 'h.java', 'i.c', 'j.cpp', 'k.rb', 'dir/X.PY']) {
      expect(docTypeOf(n)).toBe('CODE');
    }
    for (const n of ['a.md', 'b.txt', 'c.rst', 'd.html', 'NOTES.TXT']) expect(docTypeOf(n)).toBe('TEXT');
    for (const n of ['a.json', 'b.png', 'Makefile', '.py', 'archive.tar.gz']) expect(docTypeOf(n)).toBeNull();
  });
});

describe('loadDocuments', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvlab-docs-'));
    await writeFile(join(dir, 'z.py'), 'print(1)\n');
    await writeFile(join(dir, 'a.md'), '# A\n');
    await writeFile(join(dir, 'data.json'), '{}');
    await writeFile(join(dir, 'README.md'), 'about this folder');
    await writeFile(join(dir, '.hidden.txt'), 'secret');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads CODE and TEXT files in name order and skips the rest', async () => {
    expect(await loadDocuments(dir)).toEqual([
      { name: 'a.md', content: '# A\n', docType: 'TEXT' },
      { name: 'z.py', content: 'print(1)\n', docType: 'CODE' },
    ]);
  });

  it('loads the shipped documents: mixed code and text, 1–6 KB each', async () => {
    const docs = await loadDocuments();
    expect(docs.length).toBeGreaterThanOrEqual(6);
    expect(new Set(docs.map((d) => d.docType))).toEqual(new Set(['CODE', 'TEXT']));
    for (const d of docs) {
      expect(d.content.length).toBeGreaterThanOrEqual(1000);
      expect(d.content.length).toBeLessThanOrEqual(6 * 1024);
    }
  });

  it('reports a missing folder as an io_error', async () => {
    await expect(loadDocuments(join(dir, 'missing'))).rejects.toMatchObject({ code: 'io_error' });
  });
});

describe('documents workload', () => {
  const docs: SeedDocument[] = [
    { name: 'one.py', content: 'def one():\n    return 1\n' },
    { name: 'two.md', content: '# Two\n\nA note about the number two.' },
    { name: 'three.go', content: 'package three\n\nconst Three = 3\n' },
  ];
  const w = buildDocuments({ conversations: 8, turns: 14, minDelay: 0.25, maxDelay: 0.75, parallel: 3, seed: 4 }, { documents: docs });

  it('gives conversation i the document i mod n, tagged with its type', () => {
    expect(w.scripts).toHaveLength(8);
    expect(w.schedule).toEqual({ kind: 'queue', workers: 3 });
    w.scripts.forEach((s, i) => {
      const doc = docs[i % docs.length];
      expect(s.tags).toEqual({ docType: docTypeOf(doc.name), document: doc.name });
      expect(s.keepHistory).toBe(true);
      expect(s.turns).toHaveLength(14);
    });
  });

  it('opens with an instruction for the type followed by the whole document', () => {
    w.scripts.forEach((s, i) => {
      const doc = docs[i % docs.length];
      const first = s.turns[0].messages[0].content;
      expect(first).toContain(doc.content);
      expect(INITIAL_INSTRUCTIONS[docTypeOf(doc.name)!].some((ins) => first.startsWith(ins))).toBe(true);
    });
  });

  it('follows up with questions for the type, none repeated before all were asked', () => {
    for (const s of w.scripts) {
      const type = s.tags!.docType as 'CODE' | 'TEXT';
      const asked = s.turns.slice(1).map((t) => t.messages[0].content);
      for (const q of asked) expect(FOLLOW_UPS[type]).toContain(q);
      expect(new Set(asked.slice(0, FOLLOW_UPS[type].length)).size).toBe(FOLLOW_UPS[type].length);
    }
  });

  /** Every pause within [lo, hi] ms, and both ends of the range nearly reached (a uniform spread). */
  function expectSpread(delays: number[], lo: number, hi: number): void {
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(lo);
      expect(d).toBeLessThanOrEqual(hi);
    }
    expect(Math.min(...delays)).toBeLessThan(lo + (hi - lo) / 10);
    expect(Math.max(...delays)).toBeGreaterThan(hi - (hi - lo) / 10);
  }

  it('by default pauses uniform [0.5, 2] s before every turn, the first included, as llm-d does', () => {
    const delays = buildDocuments({}, { documents: docs }).scripts.flatMap((s) => s.turns.map((t) => t.delayMs));
    expect(delays).toHaveLength(110);
    expectSpread(delays, 500, 2000);
  });

  it('takes the pause range from minDelay and maxDelay', () => {
    expectSpread(
      w.scripts.flatMap((s) => s.turns.map((t) => t.delayMs)),
      250,
      750,
    );
  });

  it('gives the same pauses for the same seed and others for another seed', () => {
    const delaysOf = (seed: number) => buildDocuments({ seed }, { documents: docs }).scripts.map((s) => s.turns.map((t) => t.delayMs));
    expect(delaysOf(3)).toEqual(delaysOf(3));
    expect(delaysOf(3)).not.toEqual(delaysOf(4));
  });

  it('firstTurnDelay: false sends turn 1 at once; interleaveTurns: false runs each conversation on one worker', () => {
    const old = buildDocuments({ firstTurnDelay: false, interleaveTurns: false, parallel: 2 }, { documents: docs });
    expect(old.schedule).toEqual({ kind: 'closed', concurrency: 2 });
    for (const s of old.scripts) {
      expect(s.turns[0].delayMs).toBe(0);
      for (const t of s.turns.slice(1)) expect(t.delayMs).toBeGreaterThanOrEqual(500);
    }
  });

  it("warms up like llm-d's tool: 20 short questions of 50 tokens, one at a time, unrelated to the documents", () => {
    expect(w.warmup).toMatchObject({ requests: 20, concurrency: 1 });
    expect(w.warmup!.turns.map((t) => t.messages)).toEqual(WARMUP_QUESTIONS.map((q) => [{ role: 'user', content: q }]));
    expect(new Set(WARMUP_QUESTIONS).size).toBe(20);
    for (const t of w.warmup!.turns) expect(t).toMatchObject({ maxTokens: 50, ignoreEos: false });
  });

  it('uses maxTokens on every turn and no ignore_eos unless asked', () => {
    for (const t of w.scripts.flatMap((s) => s.turns)) {
      expect(t.maxTokens).toBe(500);
      expect(t.ignoreEos).toBe(false);
    }
    const exact = buildDocuments({ ignoreEos: true, maxTokens: 9, conversations: 1, turns: 2 }, { documents: docs });
    expect(exact.scripts[0].turns.every((t) => t.ignoreEos && t.maxTokens === 9)).toBe(true);
  });

  it('rejects missing documents, unknown types and an inverted delay range', () => {
    expect(() => buildDocuments({}, { documents: [] })).toThrow(/no seed documents/);
    expect(() => buildDocuments({}, undefined)).toThrow(/no seed documents/);
    expect(() => buildDocuments({}, { documents: [{ name: 'x.bin', content: '' }] })).toThrow(/neither CODE nor TEXT/);
    expect(() => buildDocuments({ minDelay: 2, maxDelay: 1 }, { documents: docs })).toThrow(/maxDelay: must be ≥ minDelay/);
  });
});
