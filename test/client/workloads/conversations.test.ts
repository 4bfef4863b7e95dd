import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../../src/core/tokenizer.ts';
import { buildConversations } from '../../../src/client/workloads/conversations.ts';
import { EXAMPLE_SPEC_FILE, loadConversationsInput } from '../../../src/client/workloads/conversations-loader.ts';
import { SPEC_INSTRUCTION, userTurnsFromMessages } from '../../../src/client/workloads/conversations-spec.ts';

function spec(over: Record<string, unknown> = {}, input: Record<string, unknown> = {}, output: unknown = { distribution: 'constant', value: 30 }) {
  return {
    filetype: 'generate_conversations',
    num_conversations: 6,
    text_files: [],
    prompt_input: {
      num_turns: { distribution: 'constant', value: 6 },
      common_prefix_num_tokens: { distribution: 'constant', value: 40 },
      prefix_num_tokens: { distribution: 'constant', value: 100 },
      num_tokens: { distribution: 'constant', value: 80 },
      ...input,
    },
    prompt_output: { num_tokens: output },
    ...over,
  };
}

const SHAREGPT_OPENAI = [
  {
    id: 'a',
    messages: [
      { role: 'system', content: 'You answer briefly.' },
      { role: 'user', content: 'What is a KV cache?' },
      { role: 'assistant', content: 'It stores attention keys and values of earlier tokens so they are not recomputed.' },
      { role: 'user', content: 'Why does prefix caching help multi-turn chat?' },
      { role: 'assistant', content: 'Each turn repeats the history.' },
      { role: 'user', content: 'Thanks!' },
    ],
  },
  { id: 'b', messages: [{ role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi there' }] },
];

const SHAREGPT_ORIGINAL = [
  {
    id: 'c',
    conversations: [
      { from: 'human', value: 'Tell me about caches.' },
      { from: 'gpt', value: 'Caches keep recently used data close.' },
      { from: 'human', value: 'And eviction?' },
    ],
  },
];

describe('vLLM num_turns (messages, user + assistant)', () => {
  it('rounds a draw up to an even number of messages, at least 2', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(userTurnsFromMessages)).toEqual([1, 1, 1, 2, 2, 3, 3, 4]);
  });
});

describe('conversations workload from a generate_conversations spec', () => {
  it('has num_conversations scripts of num_turns / 2 user turns each', () => {
    const w = buildConversations({}, { input: spec() });
    expect(w.scripts).toHaveLength(6);
    for (const s of w.scripts) {
      expect(s.turns).toHaveLength(3);
      expect(s.keepHistory).toBe(true);
      for (const t of s.turns) expect(t.maxTokens).toBe(30);
    }
    const odd = buildConversations({}, { input: spec({}, { num_turns: { distribution: 'constant', value: 7 } }) });
    for (const s of odd.scripts) expect(s.turns).toHaveLength(4);
    const varied = buildConversations({}, { input: spec({ num_conversations: 40 }, { num_turns: { distribution: 'uniform', min: 2, max: 12 } }) });
    const counts = varied.scripts.map((s) => s.turns.length);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(6);
  });

  it('sizes user messages from num_tokens, with the common prefix and the context on turn 1', () => {
    const w = buildConversations({}, { input: spec() });
    const firsts = w.scripts.map((s) => s.turns[0].messages[0]);
    // Turn 1: num_tokens (which includes the common prefix) + prefix_num_tokens.
    for (const m of firsts) expect(Math.abs(m.contentTokens!.length - 180)).toBeLessThanOrEqual(3);
    for (const s of w.scripts) {
      for (const t of s.turns.slice(1)) expect(Math.abs(t.messages[0].contentTokens!.length - 80)).toBeLessThanOrEqual(3);
      for (const t of s.turns) expect(t.messages[0].content).toContain(SPEC_INSTRUCTION);
    }
    // Every conversation starts with the same common prefix, then its own marker.
    const shared = firsts[0].contentTokens!.slice(0, 35);
    for (const m of firsts) expect(m.contentTokens!.slice(0, 35)).toEqual(shared);
    expect(new Set(firsts.map((m) => m.contentTokens!.slice(0, 50).join(','))).size).toBe(6);
  });

  it('cuts text from the corpus when text files are given', () => {
    const corpus = ['The quick brown fox jumps over the lazy dog. '.repeat(20)];
    const w = buildConversations({}, { input: spec(), corpus });
    expect(w.scripts[0].turns[0].messages[0].content).toContain('quick brown fox');
    expect(w.scripts[0].turns[0].messages[0].content).not.toMatch(/lorem/);
  });

  it('applies limitMaxTokens and maxTurns as vLLM does', () => {
    const w = buildConversations({ limitMinTokens: 5, limitMaxTokens: 12, maxTurns: 3 }, { input: spec() });
    for (const s of w.scripts) {
      expect(s.turns).toHaveLength(2);
      for (const t of s.turns) expect(t.maxTokens).toBe(12);
    }
    const unlimited = buildConversations({ limitMinTokens: -1, limitMaxTokens: -1, fallbackMaxTokens: 321 }, { input: spec() });
    for (const t of unlimited.scripts.flatMap((s) => s.turns)) expect(t.maxTokens).toBe(321);
    expect(() => buildConversations({ limitMaxTokens: 10 }, { input: spec() })).toThrow(/set both limitMinTokens and limitMaxTokens/);
    expect(() => buildConversations({ limitMinTokens: 20, limitMaxTokens: 10 }, { input: spec() })).toThrow(/must be ≤ limitMaxTokens/);
  });

  it('schedules clients with their share of the active conversations', () => {
    const w = buildConversations({ numClients: 2, maxNumRequests: 10, requestRate: 1.5, conversationSampling: 'random' }, { input: spec() });
    expect(w.schedule).toEqual({
      kind: 'clients',
      numClients: 2,
      maxActiveConversations: 3,
      requestRate: 1.5,
      sampling: 'random',
      maxNumRequests: 10,
      warmupStep: false,
      earlyStop: false,
    });
    expect(w.params).toMatchObject({ maxActiveConversations: 6, conversations: 6, userTurns: 18, input: 'spec', stream: true });
    expect(() => buildConversations({ numClients: 7 }, { input: spec() })).toThrow(/numClients: must be ≤ the number of conversations \(6\)/);
    expect(() => buildConversations({ numClients: 3, maxActiveConversations: 2 }, { input: spec() })).toThrow(/must be ≥ numClients/);
  });

  it('names the field of a bad spec', () => {
    expect(() => buildConversations({}, { input: spec({ num_conversations: 0 }) })).toThrow(/input\.num_conversations: must be an integer ≥ 1/);
    expect(() => buildConversations({}, { input: spec({}, { num_tokens: { distribution: 'gauss' } }) })).toThrow(
      /input\.prompt_input\.num_tokens\.distribution/,
    );
    expect(() => buildConversations({}, { input: { filetype: 'other' } })).toThrow(/filetype: expected "generate_conversations"/);
    expect(() => buildConversations({}, { input: 'nope' })).toThrow(/ShareGPT-style list/);
  });
});

describe('conversations workload from a ShareGPT file', () => {
  it('turns user messages into turns, system messages into the preamble, references into max_tokens', () => {
    const w = buildConversations({}, { input: SHAREGPT_OPENAI });
    expect(w.scripts.map((s) => s.id)).toEqual(['a', 'b']);
    const [a, b] = w.scripts;
    expect(a.preamble).toEqual([{ role: 'system', content: 'You answer briefly.' }]);
    expect(a.turns.map((t) => t.messages[0].content)).toEqual(['What is a KV cache?', 'Why does prefix caching help multi-turn chat?', 'Thanks!']);
    expect(a.turns.map((t) => t.maxTokens)).toEqual([
      countTokens('It stores attention keys and values of earlier tokens so they are not recomputed.'),
      countTokens('Each turn repeats the history.'),
      1024, // no reference answer: the fallback
    ]);
    expect(b.turns).toHaveLength(1);
    expect(a.turns[0].messages[0].contentTokens).toBeUndefined();
  });

  it('reads the original from/value layout too', () => {
    const w = buildConversations({ limitMinTokens: 1, limitMaxTokens: 64 }, { input: SHAREGPT_ORIGINAL });
    expect(w.scripts).toHaveLength(1);
    expect(w.scripts[0].turns.map((t) => [t.messages[0].role, t.messages[0].content, t.maxTokens])).toEqual([
      ['user', 'Tell me about caches.', 64],
      ['user', 'And eviction?', 64],
    ]);
  });

  it('rejects duplicate ids and messages that do not alternate', () => {
    expect(() => buildConversations({}, { input: [SHAREGPT_OPENAI[1], SHAREGPT_OPENAI[1]] })).toThrow(/appears more than once/);
    const bad = [{ id: 'x', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }];
    expect(() => buildConversations({}, { input: bad, source: 'f.json' })).toThrow(/f\.json\[0\] message 1: expected an assistant message, got user/);
    const noUser = [{ id: 'y', messages: [{ role: 'system', content: 's' }] }];
    expect(() => buildConversations({}, { input: noUser })).toThrow(/has no user message/);
  });
});

describe('loadConversationsInput', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvlab-conv-'));
    await writeFile(join(dir, 'corpus.txt'), 'Call me by a name that tokenizes well. '.repeat(50));
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec({ text_files: ['corpus.txt'] })));
    await writeFile(join(dir, 'missing.json'), JSON.stringify(spec({ text_files: ['nope.txt'] })));
    await writeFile(join(dir, 'broken.json'), '{"filetype": ');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads text_files next to the spec', async () => {
    const inputs = await loadConversationsInput(join(dir, 'spec.json'));
    expect(inputs.corpus).toHaveLength(1);
    const w = buildConversations({}, inputs);
    expect(w.scripts[0].turns[0].messages[0].content).toContain('tokenizes well');
  });

  it('reports a missing text file and broken JSON clearly', async () => {
    await expect(loadConversationsInput(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'io_error' });
    await expect(loadConversationsInput(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json: not valid JSON/);
  });

  it('loads the shipped example spec with the shipped corpus', async () => {
    const w = buildConversations({ numClients: 2 }, await loadConversationsInput(EXAMPLE_SPEC_FILE));
    expect(w.scripts).toHaveLength(12);
    for (const s of w.scripts) {
      expect(s.turns.length).toBeGreaterThanOrEqual(3);
      expect(s.turns.length).toBeLessThanOrEqual(5);
    }
    expect(w.scripts[0].turns[0].messages[0].content).toContain('truth universally acknowledged');
  });
});
