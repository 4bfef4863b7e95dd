/**
 * A reused buffer holding a text's UTF-16 code units, for the tokenizers' scanners (scanning a typed
 * array beats `charCodeAt`). ASCII text (kvlab's lorem, most prompts) is written by the native UTF-8
 * encoder as bytes and widened in place from the back; other text one code unit at a time.
 */

/** A buffer larger than this (code units) is dropped by `release` (a huge prompt's buffer is not kept). */
const KEEP_UNITS = 1 << 22;
const utf8 = new TextEncoder();

export class CodeUnitBuffer {
  private units = new Uint16Array(1 << 16);
  private bytes = new Uint8Array(this.units.buffer);

  /** `text`'s code units in `[0, text.length)` of the returned array (valid until the next call). */
  load(text: string): Uint16Array {
    const n = text.length;
    if (this.units.length < n) {
      this.units = new Uint16Array(Math.max(n, this.units.length * 2));
      this.bytes = new Uint8Array(this.units.buffer);
    }
    const units = this.units;
    const ascii = this.bytes.subarray(n);
    const r = n <= ascii.length ? utf8.encodeInto(text, ascii.subarray(0, n)) : null;
    if (r !== null && r.read === n && r.written === n) units.set(ascii.subarray(0, n));
    else for (let i = 0; i < n; i++) units[i] = text.charCodeAt(i);
    return units;
  }

  /** Drops an oversized buffer. */
  release(): void {
    if (this.units.length > KEEP_UNITS) {
      this.units = new Uint16Array(1 << 16);
      this.bytes = new Uint8Array(this.units.buffer);
    }
  }
}
