/**
 * The contract every workload generator keeps, run against every entry of the registry: pure and
 * deterministic for a seed, seed-sensitive, well-formed turns, unique ids, token/text agreement.
 */
import { describe, expect, it } from 'vitest';
import { KvlabError } from '../../../src/core/errors.ts';
import { decode, encode } from '../../../src/core/tokenizer.ts';
import { getWorkload, WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from '../../../src/client/workloads/index.ts';
import type { Workload } from '../../../src/client/workloads/types.ts';
import type { TraceRow } from '../../../src/client/workloads/trace-loader.ts';

const SMALL_ROWS: TraceRow[] = [
  { timestamp: 0, input_length: 40, output_length: 5, hash_ids: [0, 1, 2] },
  { timestamp: 10, input_length: 35, output_length: 7, hash_ids: [0, 1, 3] },
  { timestamp: 25, input_length: 20, output_length: 3, hash_ids: [0, 4] },
  { timestamp: 40, input_length: 50, output_length: 9, hash_ids: [5, 6, 7, 8] },
];

/** Small parameters and inputs for each workload; `seed` varies per call. */
const CASES: Record<WorkloadName, { params: Record<string, unknown>; inputs?: unknown }> = {
  multiturn: { params: { numUsers: 3, numTurns: 3, numUserTokens: 20, systemPromptTokens: 8 } },
  documents: {
    params: { conversations: 5, turns: 4 },
    inputs: {
      documents: [
        { name: 'a.py', content: 'def f(x):\n    return x + 1\n' },
        { name: 'b.md', content: '# Notes\n\nCaches remember things.' },
      ],
    },
  },
  conversations: {
    params: { numClients: 2 },
    inputs: {
      input: {
        filetype: 'generate_conversations',
        num_conversations: 4,
        text_files: [],
        prompt_input: {
          num_turns: { distribution: 'uniform', min: 2, max: 8 },
          common_prefix_num_tokens: { distribution: 'constant', value: 10 },
          prefix_num_tokens: { distribution: 'uniform', min: 5, max: 30 },
          num_tokens: { distribution: 'uniform', min: 20, max: 40 },
        },
        prompt_output: { num_tokens: { distribution: 'uniform', min: 5, max: 15 } },
      },
    },
  },
  'prefix-ratio': { params: { isl: 200, osl: 20, requests: 12, concurrency: 3, numPrefixPrompts: 3, prefixRatio: 0.5 } },
  // The seed only matters when rows are spread over several tree copies.
  trace: { params: { blockSize: 16, prefixRootMultiplier: 3 }, inputs: { rows: SMALL_ROWS } },
  'shared-prefix': { params: { systemPromptLen: 20, questionLen: 30, outputLen: 8, numGroups: 3, usersPerGroup: 2, stages: '4:3,10:1' } },
};

function build(name: WorkloadName, seed: number): Workload {
  const c = CASES[name];
  return getWorkload(name).build({ ...c.params, seed }, c.inputs);
}

describe.each(WORKLOAD_NAMES)('workload %s', (name) => {
  it('gives the same scripts for the same seed', () => {
    expect(build(name, 7)).toEqual(build(name, 7));
  });

  it('gives different scripts for another seed', () => {
    expect(build(name, 7).scripts).not.toEqual(build(name, 8).scripts);
  });

  it('has unique script ids and at least one turn per script', () => {
    const w = build(name, 1);
    expect(w.scripts.length).toBeGreaterThan(0);
    expect(new Set(w.scripts.map((s) => s.id)).size).toBe(w.scripts.length);
    for (const s of w.scripts) expect(s.turns.length).toBeGreaterThan(0);
  });

  it('asks for at least one token on every turn, with well-formed timing', () => {
    const w = build(name, 1);
    for (const s of w.scripts) {
      for (const t of s.turns) {
        expect(Number.isInteger(t.maxTokens) && t.maxTokens >= 1).toBe(true);
        expect(t.delayMs).toBeGreaterThanOrEqual(0);
        if (w.schedule.kind === 'open') expect(t.atMs).toBeGreaterThanOrEqual(0);
        expect(t.messages.length).toBeGreaterThan(0);
      }
    }
  });

  it('has contentTokens that decode to the content and re-tokenize from it', () => {
    const w = build(name, 1);
    let withTokens = 0;
    for (const s of w.scripts) {
      for (const m of [...s.preamble, ...s.turns.flatMap((t) => t.messages)]) {
        if (m.contentTokens === undefined) continue;
        withTokens++;
        expect(decode(m.contentTokens)).toBe(m.content);
        expect(encode(m.content)).toEqual(m.contentTokens);
      }
    }
    // documents is text only (files); every other generator builds from tokens.
    if (name !== 'documents') expect(withTokens).toBeGreaterThan(0);
  });

  it('reports its resolved parameters as JSON-safe data with the registry name', () => {
    const w = build(name, 3);
    expect(w.name).toBe(name);
    expect(JSON.parse(JSON.stringify(w.params)).seed).toBe(3);
  });

  it('rejects an unknown parameter with a clear error', () => {
    const c = CASES[name];
    let err: unknown;
    try {
      getWorkload(name).build({ ...c.params, noSuchKnob: 1 }, c.inputs);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KvlabError);
    expect((err as KvlabError).message).toMatch(new RegExp(`^Invalid ${name} parameter noSuchKnob: unknown parameter`));
  });
});

describe('workload registry', () => {
  it('lists the six generators with their defaults', () => {
    expect(Object.keys(WORKLOADS).sort()).toEqual(['conversations', 'documents', 'multiturn', 'prefix-ratio', 'shared-prefix', 'trace']);
    expect(WORKLOADS['shared-prefix'].defaults.stages).toBe('8:600,20:600');
    expect(WORKLOADS.multiturn.defaults.numUsers).toBe(10);
    expect(WORKLOADS.documents.defaults.parallel).toBe(4);
    expect(WORKLOADS['prefix-ratio'].defaults.isl).toBe(14000);
    expect(WORKLOADS.trace.defaults.blockSize).toBe(512);
    expect(WORKLOADS.conversations.defaults.conversationSampling).toBe('round_robin');
  });

  it('keeps a default when an override is undefined and rejects a bad value', () => {
    expect(WORKLOADS.multiturn.build({ numUsers: undefined, numTurns: 1 }).scripts).toHaveLength(10);
    expect(() => WORKLOADS.multiturn.build({ numUsers: 0 })).toThrow(/Invalid multiturn parameter numUsers: must be an integer ≥ 1, got 0/);
    expect(() => WORKLOADS['prefix-ratio'].build({ prefixRatio: 1.5 })).toThrow(/prefixRatio: must be a number ≥ 0 and ≤ 1/);
  });
});
