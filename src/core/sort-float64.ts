/**
 * Ascending sort of a Float64Array of finite numbers, in place, in the order
 * `Float64Array.prototype.sort` gives (−0 before +0): an LSD radix sort over the IEEE-754 bits for
 * long arrays (4 passes of 16-bit digits, O(n)), the native sort for short ones. A long run's ITL
 * gaps (millions of numbers, every token of every request) were sorted natively at ~160 ns a number
 * on this project's 2-core VM; the radix passes take a fraction of that.
 *
 * The bits are made order-preserving as unsigned integers the usual way: a positive number's sign bit
 * is set, a negative number's bits are all flipped. NaN is not supported (callers drop non-finite
 * values first). Little-endian hosts only (every platform Node ships for); elsewhere the native sort.
 */

/** Below this many numbers the native sort is faster than 4 passes over 65,536-bucket histograms. */
const RADIX_MIN = 1 << 16;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function sortFloat64(xs: Float64Array): Float64Array {
  const n = xs.length;
  if (n < RADIX_MIN || !LITTLE_ENDIAN) return xs.sort();
  // Word 2i is the low half of number i, word 2i + 1 its high half (sign, exponent, top of mantissa).
  const words = new Uint32Array(xs.buffer, xs.byteOffset, 2 * n);
  const counts = new Uint32Array(4 * 65536);
  for (let i = 0; i < n; i++) {
    let lo = words[2 * i];
    let hi = words[2 * i + 1];
    if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
    counts[lo & 0xffff]++;
    counts[65536 + (lo >>> 16)]++;
    counts[131072 + (hi & 0xffff)]++;
    counts[196608 + (hi >>> 16)]++;
  }
  let src: Uint32Array = words;
  let dst: Uint32Array = new Uint32Array(2 * n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    // A digit every number shares leaves the order as it is: skip the pass.
    if (counts[base + digit(src, 0, pass)] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    const half = pass >> 1;
    const shift = pass & 1 ? 16 : 0;
    for (let i = 0; i < 2 * n; i += 2) {
      const lo = src[i];
      const hi = src[i + 1];
      const at = 2 * counts[base + (((half ? hi : lo) >>> shift) & 0xffff)]++;
      dst[at] = lo;
      dst[at + 1] = hi;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < n; i++) {
    const lo = src[2 * i];
    const hi = src[2 * i + 1];
    if (hi & 0x80000000) {
      words[2 * i] = lo;
      words[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      words[2 * i] = ~lo >>> 0;
      words[2 * i + 1] = ~hi >>> 0;
    }
  }
  return xs;
}

function digit(words: Uint32Array, i: number, pass: number): number {
  const w = words[2 * i + (pass >> 1)];
  return pass & 1 ? w >>> 16 : w & 0xffff;
}
