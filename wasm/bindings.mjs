// bindings.mjs: the thin layer over the raw exports. Every dl_* call that returns a status goes
// through `check`, which turns a non-zero status into a DlError carrying the core's message.
// Typed-array views are made fresh after each call, since any call may grow (and so detach)
// the wasm memory.

/** Status names by code, as in core/dl.h. */
export const STATUS = ['ok', 'arg', 'shape', 'oom', 'state', 'numeric', 'format'];

/** An error reported by the core: `code` is one of STATUS ('shape', 'numeric', ...). */
export class DlError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'DlError';
    this.code = code;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Wrap an instantiated module.
 * @param {object} exports  the module's exports
 * @returns the helpers the API modules use
 */
export function bind(exports) {
  const memory = exports.memory;
  // One small scratch block for out-parameters (ids, pointers, sizes, shapes).
  const out = exports.dl_alloc(64);

  const u8 = () => new Uint8Array(memory.buffer);
  const i32 = (ptr, n) => new Int32Array(memory.buffer, ptr, n);
  const u32 = (ptr, n) => new Uint32Array(memory.buffer, ptr, n);
  const f32 = (ptr, n) => new Float32Array(memory.buffer, ptr, n);

  function readString(ptr) {
    const bytes = u8();
    let end = ptr;
    while (bytes[end]) end++;
    return decoder.decode(bytes.subarray(ptr, end));
  }
  const lastError = () => readString(exports.dl_last_error());

  function check(status) {
    if (status !== 0) throw new DlError(lastError(), STATUS[status] ?? `status ${status}`);
  }

  // Allocate, fill, run `fn(ptr)`, free: for strings, byte blobs and small arrays passed by pointer.
  // Bytes get a NUL after them, so text can be read as a C string.
  function alloc(bytes) {
    const p = exports.dl_alloc(bytes);
    if (!p) throw new DlError(`out of memory allocating ${bytes} bytes`, 'oom');
    return p;
  }
  function withBytes(bytes, fn) {
    const p = alloc(bytes.length + 1);
    try {
      u8().set(bytes, p);
      u8()[p + bytes.length] = 0;
      return fn(p);
    } finally {
      exports.dl_free(p);
    }
  }
  const withString = (s, fn) => (s == null ? fn(0) : withBytes(encoder.encode(String(s)), fn));
  function withArray(Type, values, fn) {
    const n = values?.length ?? 0;
    const p = alloc(Math.max(n, 1) * 4);
    try {
      new Type(memory.buffer, p, n).set(values ?? []);
      return fn(p, n);
    } finally {
      exports.dl_free(p);
    }
  }
  const withInts = (values, fn) => withArray(Int32Array, values, fn);
  const withFloats = (values, fn) => withArray(Float32Array, values, fn);

  return { exports, memory, out, i32, u32, f32, readString, lastError, check, alloc, withBytes, withString, withInts, withFloats };
}
