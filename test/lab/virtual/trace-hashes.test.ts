import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../../src/core/chat-template.ts';
import { buildTrace, tracePromptOf } from '../../../src/client/workloads/trace.ts';
import type { TraceRow } from '../../../src/client/workloads/trace-loader.ts';
import { VirtualConversation } from '../../../src/lab/virtual/conversation.ts';
import { PromptBuilder } from '../../../src/lab/virtual/prompt-builder.ts';
import { TracePromptHasher } from '../../../src/lab/virtual/trace-hashes.ts';

const builder = new PromptBuilder(new ChatTokenizer());

/** Rows over a few ids, in any order (ids shared at different positions and after different ids). */
const rows = fc.array(
  fc.record({
    timestamp: fc.constant(0),
    input_length: fc.integer({ min: 1, max: 90 }),
    output_length: fc.constant(1),
    hash_ids: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }),
  }),
  { minLength: 1, maxLength: 12 },
);

/** Each prompt's real tokens, their block hashes and the hashes derived from the trace's ids. */
function hashedPrompts(rs: TraceRow[], runLength: number, bs: number) {
  const w = buildTrace({ blockSize: runLength }, { rows: rs });
  const { head, tail } = builder.around('user');
  const hasher = new TracePromptHasher(bs, head, tail);
  return w.scripts.map((s, i) => {
    const t = tracePromptOf(s.turns[0].messages[0])!;
    const tokens = builder.build(new VirtualConversation(i, s).messagesFor(0));
    return { tokens, real: blockHashes(tokens, bs), got: hasher.hash(t.prompt, t.blockSize) };
  });
}

/** Calls `f(same, realSame)` for every pair of prompts and every block both have in full. */
function eachSharedBlock(prompts: ReturnType<typeof hashedPrompts>, f: (same: boolean, realSame: boolean) => void): void {
  for (const a of prompts) {
    for (const b of prompts) {
      for (let k = 0; k < Math.min(a.real.length, b.real.length); k++) f(a.got.hashes[k] === b.got.hashes[k], a.real[k] === b.real[k]);
    }
  }
}

describe('trace prompt hashes', () => {
  it('give every prompt its length, one hash per full block and the real tokens after them, and never share a block whose tokens differ, for any ids, run length and engine block size', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 20 }), (rs: TraceRow[], runLength, bs) => {
        const prompts = hashedPrompts(rs, runLength, bs);
        for (const p of prompts) {
          expect(p.got.length).toBe(p.tokens.length);
          expect(p.got.hashes).toHaveLength(p.real.length);
          expect(Array.from(p.got.tail)).toEqual(Array.from(p.tokens.subarray(p.real.length * bs)));
        }
        eachSharedBlock(prompts, (same, realSame) => {
          if (same) expect(realSame).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  // Different ids' lorem runs can agree on a token or two (id 0 and id 220 both start with token
  // 10652), so a 1–3-token block can have equal tokens under different ids; from 8 tokens up the
  // hashes agree exactly where the tokens do.
  it('share a block exactly when its tokens agree, for blocks of 8 tokens or more', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 24 }), fc.integer({ min: 8, max: 20 }), (rs: TraceRow[], runLength, bs) => {
        eachSharedBlock(hashedPrompts(rs, runLength, bs), (same, realSame) => expect(same).toBe(realSame));
      }),
      { numRuns: 150 },
    );
  });
});
