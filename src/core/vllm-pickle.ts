/**
 * The exact bytes CPython's `pickle.dumps(x, protocol=5)` writes for the two values vLLM's `sha256`
 * block-hash algorithm hashes (vllm/utils/hashing.py pickles with pickle.HIGHEST_PROTOCOL, 5 since
 * Python 3.8): the seed string of NONE_HASH, and a block's key tuple (parent digest, tuple of token
 * ids, None). Opcodes as CPython's pickler picks them (Lib/pickle.py, Modules/_pickle.c): PROTO 5, one
 * FRAME holding the rest, SHORT_BINUNICODE/BINUNICODE for a str, SHORT_BINBYTES/BINBYTES for bytes,
 * BININT1/BININT2/BININT for ints, TUPLE1-3 or MARK…TUPLE for tuples, MEMOIZE after each str, bytes
 * and non-empty tuple, NONE, STOP. A test compares digests with CPython's on vectors it computed.
 *
 * Limits (RangeError): token ids in [0, 2^31) and a pickle under 64 KiB, where CPython would start a
 * second frame (a block of more than ~13,000 tokens).
 */

const PROTO = 0x80;
const FRAME = 0x95;
const SHORT_BINUNICODE = 0x8c;
const BINUNICODE = 0x58;
const SHORT_BINBYTES = 0x43;
const BINBYTES = 0x42;
const BININT1 = 0x4b;
const BININT2 = 0x4d;
const BININT = 0x4a;
const MARK = 0x28;
const TUPLE = 0x74;
const EMPTY_TUPLE = 0x29;
const TUPLE1 = 0x85;
const NONE = 0x4e;
const MEMOIZE = 0x94;
const STOP = 0x2e;

/** Frames CPython splits at this size (its FRAME_SIZE_TARGET). */
const FRAME_TARGET = 64 * 1024;

/** A growing byte buffer, the frame's contents. */
class Out {
  bytes = new Uint8Array(256);
  n = 0;
  push(b: number): void {
    if (this.n === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.n++] = b;
  }
  u32(v: number): void {
    for (let s = 0; s < 32; s += 8) this.push((v >>> s) & 0xff);
  }
  raw(data: Uint8Array): void {
    for (const b of data) this.push(b);
  }
}

function blob(out: Out, data: Uint8Array, short: number, long: number): void {
  if (data.length < 0x100) out.push(short), out.push(data.length);
  else out.push(long), out.u32(data.length);
  out.raw(data);
  out.push(MEMOIZE);
}

function int(out: Out, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`token id ${v} is outside what kvlab pickles ([0, 2^31))`);
  if (v < 0x100) out.push(BININT1), out.push(v);
  else if (v < 0x10000) out.push(BININT2), out.push(v & 0xff), out.push(v >>> 8);
  else out.push(BININT), out.u32(v);
}

/** PROTO 5, then the contents (STOP added) in one frame. */
function finish(out: Out): Uint8Array {
  out.push(STOP);
  if (out.n >= FRAME_TARGET) throw new RangeError(`a ${out.n}-byte pickle would span several frames (not reproduced)`);
  const res = new Uint8Array(out.n + 11);
  res[0] = PROTO;
  res[1] = 5;
  res[2] = FRAME;
  new DataView(res.buffer).setBigUint64(3, BigInt(out.n), true);
  res.set(out.bytes.subarray(0, out.n), 11);
  return res;
}

/** `pickle.dumps(s, 5)` for a str. */
export function pickleString(s: string): Uint8Array {
  const out = new Out();
  blob(out, Buffer.from(s, 'utf8'), SHORT_BINUNICODE, BINUNICODE);
  return finish(out);
}

/** `pickle.dumps((parent, tuple(tokens[start, start + len)), None), 5)`, parent a bytes object. */
export function pickleBlockKey(parent: Uint8Array, tokens: ArrayLike<number>, start: number, len: number): Uint8Array {
  const out = new Out();
  blob(out, parent, SHORT_BINBYTES, BINBYTES);
  if (len === 0) out.push(EMPTY_TUPLE);
  else {
    if (len > 3) out.push(MARK);
    for (let i = 0; i < len; i++) int(out, tokens[start + i]);
    out.push(len > 3 ? TUPLE : TUPLE1 + len - 1);
    out.push(MEMOIZE);
  }
  out.push(NONE);
  out.push(TUPLE1 + 2); // TUPLE3
  out.push(MEMOIZE);
  return finish(out);
}
