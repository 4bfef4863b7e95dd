import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../../src/core/chat-template.ts';
import { buildTrace, promptLength, tracePromptOf } from '../../../src/client/workloads/trace.ts';
import type { TraceRow } from '../../../src/client/workloads/trace-loader.ts';
import { VirtualConversation } from '../../../src/lab/virtual/conversation.ts';
import { PromptBuilder } from '../../../src/lab/virtual/prompt-builder.ts';
import { TraceHashMemo } from '../../../src/lab/virtual/trace-hashes.ts';

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

describe('trace hash memo', () => {
  it('gives exactly blockHashes of the built prompt, for any ids, run length and engine block size', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 20 }), (rs: TraceRow[], runLength, bs) => {
        const w = buildTrace({ blockSize: runLength }, { rows: rs });
        const memo = new TraceHashMemo(bs);
        w.scripts.forEach((s, i) => {
          const t = tracePromptOf(s.turns[0].messages[0])!;
          const prompt = builder.build(new VirtualConversation(i, s).messagesFor(0));
          const got = memo.hashes(prompt, builder.headLength('user'), t.prompt, t.blockSize, promptLength(t.prompt, t.blockSize));
          expect(got).toEqual(blockHashes(prompt, bs));
        });
      }),
      { numRuns: 150 },
    );
  });
});
