/**
 * A conversation's generated content drawn when it is first read, not when the workload is built:
 * a generator gives each conversation a `DrawnContent` — the function that draws its messages' token
 * ids, in order, from the conversation's own seeded stream — messages that read it (`drawnMessage`)
 * and, optionally, turns made when read (`scriptWithTurns`). The first read of a message draws them
 * all, with the same draws in the same order as drawing at build time, so the scripts (and every run
 * of them) are the same; `releaseScript` (a runner calls it once a conversation is over) lets them
 * go, and a later read draws them again, identically. The source rides on the message objects, which
 * scripts transformed by spreading (sharding, time compression, priority classes) share, so it needs
 * no field of the script's contract. A workload of N conversations so holds N draw functions and what
 * makes their turns, not N conversations' prompts; a virtual run holds the content of the
 * conversations in flight. `liveDrawnContents` counts the contents drawn and not released (what a
 * test of laziness checks).
 */
import type { PromptWords } from '../../core/tokenizers/prompt-words.ts';
import type { ConversationScript, Role, ScriptMessage, TurnSpec } from './types.ts';

let live = 0;

/** Contents drawn and not released, over the process (a diagnostic: tests check a run's laziness with it). */
export function liveDrawnContents(): number {
  return live;
}

export class DrawnContent {
  private parts: number[][] | null = null;
  private texts: (string | undefined)[] = [];
  /** The conversation's turns, kept while its content is drawn (`turns`). */
  private kept: TurnSpec[] | null = null;

  /** `draw` returns every part's token ids, in part order; it must be pure (a fresh seeded stream each call). */
  constructor(
    private readonly draw: () => number[][],
    readonly words: PromptWords,
  ) {}

  /** Token ids of part `i` (draws the conversation's content on first use). */
  tokens(i: number): number[] {
    if (this.parts === null) {
      this.parts = this.draw();
      live++;
    }
    return this.parts[i];
  }

  /** Text of part `i` (made once while drawn). */
  text(i: number): string {
    const tokens = this.tokens(i);
    return (this.texts[i] ??= this.words.text(tokens));
  }

  /**
   * The conversation's turns, made by `make`: while the content is drawn (the conversation is being
   * read) the same array every time, so a reader that reads `script.turns` once per message does not
   * make them again each time; before that a new array (reading think times draws no text).
   */
  turns(make: () => TurnSpec[]): TurnSpec[] {
    if (this.parts === null) return make();
    return (this.kept ??= make());
  }

  /** Let the drawn content go (reading it again draws it again, identically). */
  release(): void {
    if (this.parts === null) return;
    this.parts = null;
    this.texts = [];
    this.kept = null;
    live--;
  }
}

const SOURCE = Symbol('drawn content');
const PART = Symbol('drawn part');

interface DrawnMessage extends ScriptMessage {
  [SOURCE]: DrawnContent;
  [PART]: number;
}

// One pair of getters for every drawn message (they read `this`), so a message costs its own fields only.
function contentOf(this: DrawnMessage): string {
  return this[SOURCE].text(this[PART]);
}
function contentTokensOf(this: DrawnMessage): number[] {
  return this[SOURCE].tokens(this[PART]);
}

/**
 * A message whose content is part `part` of `source` (text and token ids read through getters, like
 * any ScriptMessage: enumerable, so spreads, JSON and comparisons see the content itself).
 */
export function drawnMessage(role: Role, source: DrawnContent, part: number): ScriptMessage {
  const msg = { role } as DrawnMessage;
  Object.defineProperty(msg, 'content', { enumerable: true, get: contentOf });
  Object.defineProperty(msg, 'contentTokens', { enumerable: true, get: contentTokensOf });
  Object.defineProperty(msg, SOURCE, { value: source });
  Object.defineProperty(msg, PART, { value: part });
  return msg;
}

const MAKE_TURNS = Symbol('make turns');

interface ScriptWithTurns extends ConversationScript {
  [SOURCE]: DrawnContent;
  [MAKE_TURNS]: () => TurnSpec[];
}

// One getter for every such script (it reads `this`), so a script costs no closure of its own for it.
function turnsOf(this: ScriptWithTurns): TurnSpec[] {
  return this[SOURCE].turns(this[MAKE_TURNS]);
}

/**
 * A script whose `turns` are made by `make` when read — a new array each time until the script's
 * content is drawn, then one array while it stays drawn (DrawnContent `turns`) — through an
 * enumerable getter, so spreads, JSON and comparisons see them (fields in the usual order): a
 * generator's conversations hold what makes their turns, not the turns.
 */
export function scriptWithTurns(head: Omit<ConversationScript, 'turns'>, source: DrawnContent, make: () => TurnSpec[]): ConversationScript {
  const { id, preamble, ...rest } = head;
  const script = { id, preamble } as ScriptWithTurns;
  Object.defineProperty(script, 'turns', { enumerable: true, get: turnsOf });
  Object.defineProperty(script, SOURCE, { value: source });
  Object.defineProperty(script, MAKE_TURNS, { value: make });
  return Object.assign(script, rest);
}

/**
 * Let go of the drawn content behind a script's messages, if any (once the conversation is over);
 * `turns`: the turns already read, when the script makes them on each read.
 */
export function releaseScript(script: { readonly preamble: readonly ScriptMessage[]; readonly turns: readonly TurnSpec[] }): void {
  for (const m of script.preamble) (m as Partial<DrawnMessage>)[SOURCE]?.release();
  for (const t of script.turns) for (const m of t.messages) (m as Partial<DrawnMessage>)[SOURCE]?.release();
}
