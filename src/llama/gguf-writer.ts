/**
 * A GGUF v3 writer (the file format llama.cpp loads), from the format's public specification
 * (ggml-org/ggml, docs/gguf.md): little-endian; header = magic "GGUF", uint32 version 3, uint64 tensor
 * count, uint64 metadata count; then metadata key/value pairs (key as a uint64-length string, uint32
 * value type, value; arrays as uint32 element type + uint64 length + elements); then tensor infos
 * (name, uint32 dimension count, uint64 dimensions innermost first, uint32 ggml type, uint64 offset
 * into the data section); then zero padding to `general.alignment` (32 unless set) and the tensor data,
 * each tensor starting at a multiple of the alignment.
 *
 * Only what kvlab writes is supported: scalar and array values of the types below and F32 tensors.
 */

/** GGUF metadata value types (the spec's gguf_metadata_value_type). */
export const GGUF_TYPE = Object.freeze({ UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10 });
/** ggml tensor type of 32-bit floats. */
export const GGML_TYPE_F32 = 0;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32' | 'u64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] };

export interface GgufTensor {
  name: string;
  /** Dimensions, innermost (contiguous) first, as ggml counts them. */
  dims: readonly number[];
  data: Float32Array;
}

/** Grows a byte buffer as values are appended. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

type Scalar = Extract<GgufValue, { value: number | boolean | string }>;

/** Each scalar kind: its GGUF type code and how its value is written. */
const SCALARS: { [K in Scalar['type']]: [number, (out: ByteSink, v: Extract<Scalar, { type: K }>['value']) => void] } = {
  u32: [GGUF_TYPE.UINT32, (o, v) => o.u32(v)],
  i32: [GGUF_TYPE.INT32, (o, v) => o.i32(v)],
  f32: [GGUF_TYPE.FLOAT32, (o, v) => o.f32(v)],
  u64: [GGUF_TYPE.UINT64, (o, v) => o.u64(v)],
  bool: [GGUF_TYPE.BOOL, (o, v) => o.u8(v ? 1 : 0)],
  string: [GGUF_TYPE.STRING, (o, v) => o.str(v)],
};

function writeValue(out: ByteSink, v: GgufValue): void {
  if (v.type === 'string[]' || v.type === 'i32[]') {
    out.u32(GGUF_TYPE.ARRAY);
    out.u32(v.type === 'string[]' ? GGUF_TYPE.STRING : GGUF_TYPE.INT32);
    out.u64(v.value.length);
    if (v.type === 'string[]') for (const x of v.value) out.str(x);
    else for (const x of v.value) out.i32(x);
    return;
  }
  const [code, write] = SCALARS[v.type] as [number, (out: ByteSink, value: unknown) => void];
  out.u32(code);
  write(out, v.value);
}

const tensorBytes = (t: GgufTensor): number => t.data.length * 4;

/**
 * The file's header, metadata and tensor infos up to the aligned start of the data section, and the
 * data section's layout (each tensor's offset). Throws RangeError on a tensor whose data does not
 * match its dimensions.
 */
export function encodeGgufHead(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): { head: Buffer; offsets: number[] } {
  const alignment = GGUF_DEFAULT_ALIGNMENT;
  const out = new ByteSink();
  out.u32(0x46554747); // "GGUF" read as a little-endian uint32
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, value] of metadata) {
    out.str(key);
    writeValue(out, value);
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) throw new RangeError(`tensor ${t.name}: ${t.data.length} values for dimensions ${t.dims.join('×')}`);
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(GGML_TYPE_F32);
    out.u64(offset);
    offsets.push(offset);
    offset += Math.ceil(tensorBytes(t) / alignment) * alignment;
  }
  out.pad(alignment);
  return { head: out.bytes(), offsets };
}

/** The whole GGUF file as one buffer (kvlab's models are a few MB to tens of MB). */
export function encodeGguf(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Buffer {
  const { head, offsets } = encodeGgufHead(metadata, tensors);
  const last = tensors.length === 0 ? 0 : offsets[offsets.length - 1] + tensorBytes(tensors[tensors.length - 1]);
  const file = Buffer.alloc(head.length + Math.ceil(last / GGUF_DEFAULT_ALIGNMENT) * GGUF_DEFAULT_ALIGNMENT);
  head.copy(file, 0);
  tensors.forEach((t, i) => {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, tensorBytes(t));
    // Float32Array is host-endian; GGUF is little-endian (every platform node-llama-cpp ships for).
    file.set(bytes, head.length + offsets[i]);
  });
  return file;
}
