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

describe('trace prompt hashes', () => {
  it('agree between two prompts exactly where their token hashes agree, for any ids, run length and engine block size', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 20 }), (rs: TraceRow[], runLength, bs) => {
        const w = buildTrace({ blockSize: runLength }, { rows: rs });
        const { head, tail } = builder.around('user');
        const hasher = new TracePromptHasher(bs, head, tail);
        const prompts = w.scripts.map((s, i) => {
          const t = tracePromptOf(s.turns[0].messages[0])!;
          const tokens = builder.build(new VirtualConversation(i, s).messagesFor(0));
          return { tokens, real: blockHashes(tokens, bs), got: hasher.hash(t.prompt, t.blockSize) };
        });
        for (const p of prompts) {
          expect(p.got.length).toBe(p.tokens.length);
          expect(p.got.hashes).toHaveLength(p.real.length);
          expect(Array.from(p.got.tail)).toEqual(Array.from(p.tokens.subarray(p.real.length * bs)));
        }
        for (const a of prompts) {
          for (const b of prompts) {
            for (let k = 0; k < Math.min(a.real.length, b.real.length); k++) {
              expect(a.got.hashes[k] === b.got.hashes[k]).toBe(a.real[k] === b.real[k]);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
