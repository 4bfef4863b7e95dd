/**
 * Cutting a rendered prompt at a tokenizer's added tokens (`<|eot_id|>`, `<|im_start|>`...), which
 * the tokenizer splits on before anything else: at the leftmost place where one starts, the longest one
 * there wins (what the library's added-token split does for tokens that neither strip whitespace nor
 * must stand as a single word). Candidates are found by each token's first character with `indexOf`,
 * then checked by one Map lookup per distinct token length — Llama-3's 256 added tokens as one regex
 * alternation cost more than tokenizing the rest of a long prompt.
 */

export class AddedTokenSplitter {
  private readonly ids = new Map<string, number>();
  /** Distinct token lengths, longest first. */
  private readonly lengths: number[];
  /** Distinct first characters (code units). */
  private readonly firsts: string[];

  /** @param tokens the added tokens (non-empty contents) */
  constructor(tokens: readonly { content: string; id: number }[]) {
    for (const t of tokens) this.ids.set(t.content, t.id);
    this.lengths = [...new Set(tokens.map((t) => t.content.length))].sort((a, b) => b - a);
    this.firsts = [...new Set(tokens.map((t) => t.content[0]))];
  }

  /** Id of an added token's text. */
  idOf(content: string): number | undefined {
    return this.ids.get(content);
  }

  /**
   * `text` as alternating parts, like `String.split` with a capturing regex: text at even indices
   * (possibly empty), an added token's content at odd ones.
   */
  split(text: string): string[] {
    const out: string[] = [];
    const next = this.firsts.map((c) => text.indexOf(c));
    let at = 0;
    for (;;) {
      let pos = -1;
      for (const p of next) if (p >= 0 && (pos < 0 || p < pos)) pos = p;
      if (pos < 0) break;
      let len = 0;
      for (const l of this.lengths) {
        if (pos + l <= text.length && this.ids.has(text.slice(pos, pos + l))) {
          len = l;
          break;
        }
      }
      if (len > 0) {
        out.push(text.slice(at, pos), text.slice(pos, pos + len));
        at = pos + len;
      }
      const from = len > 0 ? pos + len : pos + 1;
      for (let k = 0; k < next.length; k++) if (next[k] >= 0 && next[k] < from) next[k] = text.indexOf(this.firsts[k], from);
    }
    out.push(text.slice(at));
    return out;
  }
}
