/**
 * One request as a verbose log line (`-v`, `--ping`, `--print-content`): conversation, turn, status,
 * TTFT, E2E, tokens, worker; with content, the last message sent and the answer (reasoning apart).
 */
import type { BenchRecord, TurnDetail } from '../runner/types.ts';
import { fmt } from './render-summary.ts';

export function describeTurn(r: BenchRecord, d: TurnDetail, opts: { content?: boolean } = {}): string {
  const head = [
    `${r.conversationId} turn ${r.turn}`,
    r.ok ? `ok ${r.status ?? ''}`.trim() : `FAILED ${r.error ?? ''}`.trim(),
    `ttft ${fmt(r.ttftMs)} ms`,
    `e2e ${fmt(r.e2eMs)} ms`,
    `in ${r.inputTokens ?? '-'} (cached ${r.cachedTokens ?? '-'}) out ${r.outputTokens ?? '-'}`,
    r.worker ? `worker ${r.worker}` : '',
    r.retries > 0 ? `retries ${r.retries}` : '',
  ].filter(Boolean);
  let text = head.join('  ') + '\n';
  if (opts.content) {
    const last = d.request.messages[d.request.messages.length - 1];
    if (last) text += `  > ${last.role}: ${last.content}\n`;
    if (d.result.reasoning) text += `  < reasoning: ${d.result.reasoning}\n`;
    text += `  < assistant: ${d.result.content}\n`;
  }
  return text;
}
