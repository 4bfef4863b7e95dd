/**
 * Lorem text that round-trips through the tokenizer: a vocabulary of lowercase ascii words that each
 * encode to exactly ONE o200k token when preceded by a space (" lorem", " the", " river"...). Any
 * sequence of these tokens decodes to " w1 w2 w3..." and re-encodes to exactly the same tokens,
 * because o200k's pre-tokenizer splits that text into the same " word" pieces. Workloads use it for
 * user messages and the mock engine for answers, so an answer's blocks hit the cache on the next turn.
 *
 * `tokensForId` turns an integer id (e.g. a Mooncake trace hash id) into a fixed run of lorem tokens
 * with an integer hash of (id, index): no Rng per call, so 512-token blocks are cheap to build.
 * Approximation: the text is word salad (uniform over the vocabulary), not natural language.
 */
import type { Rng } from './rng.ts';
import { LOREM_VOCAB_TABLE } from './lorem-vocab.ts';

/**
 * Candidate words; those that are a single o200k token after a space are the vocabulary (lorem-vocab.ts
 * holds them with their ids; other tokenizers pick their own: tokenizers/answer-words).
 */
export const CANDIDATES = `
lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore
et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex
ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla
pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id
est laborum
the of and to a in is it you that he was for on are with as his they be at one have this from or had
by not word but what some we can out other were all there when up use your how said an each she
which their time if will way about many then them write would like so these her long make thing see
him two has look more day could go come did number sound no most people my over know water than call
first who may down side been now find any new work part take get place made live where after back
little only round man year came show every good me give our under name very through just form
sentence great think say help low line differ turn cause much mean before move right boy old too same
tell does set three want air well also play small end put home read hand port large spell add even
land here must big high such follow act why ask men change went light kind off need house picture try
us again animal point mother world near build self earth father head stand own page should country
found answer school grow study still learn plant cover food sun four between state keep eye never
last let thought city tree cross farm hard start might story saw far sea draw left late run while
press close night real life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river car feet care second book
carry took science eat room friend began idea fish mountain stop once base hear horse cut sure watch
color face wood main enough plain girl usual young ready above ever red list though feel talk bird
soon body dog family direct pose leave song measure door product black short class wind question
happen complete ship area half rock order fire south problem piece told knew pass since top whole
king space heard best hour better true during hundred five remember step early hold west ground
interest reach fast verb sing listen six table travel less morning ten simple several toward war lay
against pattern slow center love person money serve appear road map rain rule govern pull cold notice
voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun
field rest correct able pound done beauty drive stood contain front teach week final gave green quick
develop ocean warm free minute strong special mind behind clear tail produce fact street inch multiply
nothing course stay wheel full force blue object decide surface deep moon island foot system busy test
record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape
equate hot miss brought heat snow tire bring yes distant fill east paint language among grand ball
yet wave drop heart present heavy dance engine position arm wide sail material size vary settle speak
weight general ice matter circle pair include divide syllable felt perhaps pick sudden count square
reason length represent art subject region energy hunt probable bed brother egg ride cell believe
fraction forest sit race window store summer train sleep prove lone leg exercise wall catch mount wish
sky board joy winter sat written wild instrument kept glass grass cow job edge sign visit past soft
fun bright gas weather month million bear finish happy hope flower clothe strange gone jump baby eight
village meet root buy raise solve metal whether push seven paragraph third shall held hair describe
cook floor either result burn hill safe cat century consider type law bit coast copy phrase silent
tall sand soil roll temperature finger industry value fight lie beat excite natural view sense ear
else quite broke case middle kill son lake moment scale loud spring observe child straight consonant
nation dictionary milk speed method organ pay age section dress cloud surprise quiet stone tiny climb
cool design poor lot experiment bottom key iron single stick flat twenty skin smile crease hole trade
melody trip office receive row mouth exact symbol die least trouble shout except wrote seed tone join
suggest clean break lady yard rise bad blow oil blood touch grew cent mix team wire cost lost brown
wear garden equal sent choose fell fit flow fair bank collect save control decimal gentle woman
captain practice separate difficult doctor please protect noon whose locate ring character insect
caught period indicate radio spoke atom human history effect electric expect crop modern element hit
student corner party supply bone rail imagine provide agree thus capital chair danger fruit rich thick
soldier process operate guess necessary sharp wing create neighbor wash bat rather crowd corn compare
poem string bell depend meat rub tube famous dollar stream fear sight thin triangle planet hurry chief
colony clock mine tie enter major fresh search send yellow gun allow print dead spot desert suit
current lift rose continue block chart hat sell success company subtract event particular deal swim
term opposite wife shoe shoulder spread arrange camp invent cotton born determine quart nine truck
noise level chance gather shop stretch throw shine property column molecule select wrong gray repeat
require broad prepare salt nose plural anger claim continent oxygen sugar death pretty skill women
season solution magnet silver thank branch match suffix especially fig afraid huge sister steel
discuss forward similar guide experience score apple bought led pitch coat mass card band rope slip
win dream evening condition feed tool total basic smell valley nor double seat arrive master track
parent shore division sheet substance favor connect post spend chord fat glad original share station
dad bread charge proper bar offer segment slave duck instant market degree populate chick dear enemy
reply drink occur support speech nature range steam motion path liquid log meant quotient teeth shell
neck
`;

/** The vocabulary: words and ids from the table (lorem-vocab.ts: no tokenizer loaded). */
function buildVocabulary(): { words: string[]; ids: number[] } {
  const words: string[] = [];
  const ids: number[] = [];
  for (const pair of LOREM_VOCAB_TABLE.split(/\s+/)) {
    if (pair === '') continue;
    const [w, id] = pair.split(':');
    words.push(w);
    ids.push(Number(id));
  }
  return { words, ids };
}

const VOCAB = buildVocabulary();

/** The lorem words (lowercase ascii, each one token after a space), in a stable order. */
export const LOREM_WORDS: readonly string[] = Object.freeze(VOCAB.words);
/** Token id of ' ' + LOREM_WORDS[i]. */
export const LOREM_TOKEN_IDS: readonly number[] = Object.freeze(VOCAB.ids);

const LOREM_SET: ReadonlySet<number> = new Set(VOCAB.ids);
const V = VOCAB.ids.length;
/**
 * The ids as a typed array, for the draw loops: indexing it with `(u * V) | 0` (the same index as
 * Math.floor for 0 ≤ u < 1) and calling the rng's `next` without a property load per token halves a
 * draw (~25 → ~11 ns a token on the 2-core VM; a 2,000 × 14,000-token workload draws 25 M of them).
 */
const ID_OF_WORD = Int32Array.from(VOCAB.ids);

/** 1 + the word index of each lorem token id (0: not a lorem token), indexed by token id. */
const WORD_OF_ID = new Uint16Array(Math.max(...VOCAB.ids) + 1);
VOCAB.ids.forEach((id, i) => (WORD_OF_ID[id] = i + 1));
/** Every word's ASCII bytes with its leading space, back to back; word i is [WORD_AT[i], WORD_AT[i + 1]). */
const WORD_AT = new Int32Array(V + 1);
const WORD_BYTES = new Uint8Array(VOCAB.words.reduce((n, w) => n + w.length + 1, 0));
VOCAB.words.forEach((w, i) => {
  let at = WORD_AT[i];
  WORD_BYTES[at++] = 32;
  for (let k = 0; k < w.length; k++) WORD_BYTES[at++] = w.charCodeAt(k);
  WORD_AT[i + 1] = at;
});
const LONGEST_WORD = Math.max(...VOCAB.words.map((w) => w.length)) + 1;
/** Bytes of the longest lorem word with its space: the text of n tokens takes at most n times this. */
export const LOREM_MAX_TOKEN_BYTES = LONGEST_WORD;
/**
 * The same bytes as two 8-byte lanes per word (zero-padded to 16 bytes), kept as float64 bit patterns:
 * a word is written with one or two unaligned 8-byte stores instead of a byte loop (its padding
 * overwritten by the next word). A lane is only moved, never computed with, so its bits arrive as they
 * are (ASCII bytes never make the one pattern a move may change, a NaN: its top byte would be 0x7f or
 * 0xff). Same-process A/B against the earlier four 4-byte lanes: ~20 % less time per 16k-token prompt.
 */
const LANE_BYTES = 16;
const WORD_LANES = new Float64Array(V * 2);
const WORD_LEN = new Uint8Array(V);
if (LONGEST_WORD > LANE_BYTES) throw new Error(`a lorem word is longer than ${LANE_BYTES - 1} letters`);
VOCAB.words.forEach((w, i) => {
  const padded = Buffer.alloc(LANE_BYTES);
  const len = WORD_AT[i + 1] - WORD_AT[i];
  padded.set(WORD_BYTES.subarray(WORD_AT[i], WORD_AT[i + 1]));
  WORD_LEN[i] = len;
  WORD_LANES[i * 2] = padded.readDoubleLE(0);
  WORD_LANES[i * 2 + 1] = padded.readDoubleLE(8);
});
/** Text being assembled (kept between calls, grown as needed). */
let textBytes = Buffer.allocUnsafe(1 << 16);

/** True when `id` is one of the lorem tokens. */
export function isLoremToken(id: number): boolean {
  return LOREM_SET.has(id);
}

/** `n` lorem tokens drawn uniformly from the vocabulary with `rng`. */
export function loremTokens(rng: Rng, n: number): number[] {
  const out = new Array<number>(n);
  const next = rng.next;
  for (let i = 0; i < n; i++) out[i] = ID_OF_WORD[(next() * V) | 0];
  return out;
}

/**
 * The same `n` tokens as `loremTokens` with the same `rng` draws, in a typed array: a workload that
 * keeps many long prompts until they are sent holds them off the JavaScript heap (the garbage
 * collector neither copies nor scans them).
 */
export function loremTokenArray(rng: Rng, n: number): Int32Array {
  const out = new Int32Array(n);
  const next = rng.next;
  for (let i = 0; i < n; i++) out[i] = ID_OF_WORD[(next() * V) | 0];
  return out;
}

/** `n` lorem tokens and their text (decodes/re-encodes exactly; starts with a space when n > 0). */
export function loremText(rng: Rng, n: number): { text: string; tokens: number[] } {
  const tokens = loremTokens(rng, n);
  return { text: tokensToLoremText(tokens), tokens };
}

/**
 * Writes the text of lorem `tokens` as ASCII bytes into `out` from `at` and returns where it ended:
 * each word's 8-byte lanes stored from one table (no string is made); the last words, within 16 bytes of the
 * end of `out`, byte by byte. `out` must have room for the text from `at` (at most
 * `LOREM_MAX_TOKEN_BYTES` per token); up to 15 bytes after the text (within `out`) may be overwritten,
 * so whatever follows it is written after it. The text needs no escaping inside a JSON string
 * (lowercase letters and spaces).
 */
export function writeLoremText(tokens: ArrayLike<number>, out: Uint8Array, at: number): number {
  const n = tokens.length;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const lanesUpTo = out.length - LANE_BYTES;
  for (let i = 0; i < n; i++) {
    const id = tokens[i];
    const w = (WORD_OF_ID[id] ?? 0) - 1; // any id outside the table (negative, too large, fractional) reads undefined
    if (w < 0) throw new RangeError(`token id ${id} is not a lorem token`);
    const len = WORD_LEN[w];
    if (at <= lanesUpTo) {
      view.setFloat64(at, WORD_LANES[w * 2], true);
      if (len > 8) view.setFloat64(at + 8, WORD_LANES[w * 2 + 1], true);
    } else {
      if (at + len > out.length) throw new RangeError(`writeLoremText: ${out.length - at} bytes left for a ${len}-byte word`);
      for (let b = WORD_AT[w], k = 0; k < len; k++) out[at + k] = WORD_BYTES[b + k];
    }
    at += len;
  }
  return at;
}

/**
 * Text of a sequence of lorem tokens (same as decode, without going through the BPE tables): the
 * words' bytes written into a buffer (`writeLoremText`), which becomes the string in one native call
 * (several times cheaper than joining 16,000 word strings for a long prompt).
 */
export function tokensToLoremText(tokens: ArrayLike<number>): string {
  const n = tokens.length;
  if (textBytes.length < n * LONGEST_WORD) textBytes = Buffer.allocUnsafe(n * LONGEST_WORD);
  const at = writeLoremText(tokens, textBytes, 0);
  const text = textBytes.toString('latin1', 0, at);
  if (textBytes.length > 1 << 22) textBytes = Buffer.allocUnsafe(1 << 16); // a huge text's buffer is not kept
  return text;
}

const TWO_32 = 4294967296;

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A deterministic run of exactly `n` lorem tokens for an integer `id` (same id → same run; different
 * ids → different runs with overwhelming probability). Token i depends on (id, i) only.
 */
export function tokensForId(id: number, n: number): number[] {
  const out = new Array<number>(n);
  writeTokensForId(id, n, out, 0);
  return out;
}

/**
 * `tokensForId(id, from + n)` tokens [from, from + n) written into `out` from `offset` (no allocation:
 * long trace prompts).
 */
export function writeTokensForId(id: number, n: number, out: number[] | Int32Array, offset: number, from = 0): void {
  if (!Number.isSafeInteger(id)) throw new RangeError(`tokensForId: id must be a safe integer, got ${id}`);
  const abs = Math.abs(id);
  const lo = abs % TWO_32;
  // |id| < 2^53, so hi < 2^21; the sign goes in bit 21: (lo, hi) is unique per id.
  const hi = Math.floor(abs / TWO_32) + (id < 0 ? 0x200000 : 0);
  // Two independent 32-bit lanes: two ids share a run only if both lanes collide (~2^-64).
  const laneA = mix32(mix32(lo ^ 0x243f6a88) ^ hi);
  const laneB = mix32((mix32(lo ^ 0xb7e15162) + Math.imul(hi ^ 0x7f4a7c15, 0x9e3779b1)) >>> 0);
  const ids = VOCAB.ids;
  for (let i = from, end = from + n; i < end; i++) {
    const h = mix32(laneA ^ Math.imul(i + 1, 0x85ebca6b)) ^ mix32(laneB ^ Math.imul(i + 1, 0xc2b2ae35));
    // (h >>> 0) % V with int32 arithmetic only: h = 2q + b, so h mod V = (2·(q mod V) + b) mod V.
    out[offset + i - from] = ids[(((h >>> 1) % V) * 2 + (h & 1)) % V];
  }
}
