// loader.mjs: instantiate the dlplay core in Node, browsers and Web Workers, without
// Emscripten's generated glue (it calls fetch on file paths, which breaks under Node 18+).
// The module is built standalone: it imports only env.emscripten_notify_memory_growth and
// exports `memory`, `_initialize` (called once here) and the dl_* functions.
import { DlError } from './bindings.mjs';

// A minimal module whose function body uses a v128 instruction: it validates only where the
// engine supports SIMD128 (the same probe the wasm-feature-detect package uses).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** True when this engine validates SIMD128 instructions. */
export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

async function readBytes(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new DlError(`cannot load ${url}: HTTP ${res.status}`, 'state');
  return res.arrayBuffer();
}

async function exists(url) {
  if (isNode && url.protocol === 'file:') {
    const { access } = await import('node:fs/promises');
    return access(url).then(() => true, () => false);
  }
  return true; // in browsers the module sits beside this file (web/dlplay/)
}

/**
 * Instantiate the core.
 * @param {{simd?: boolean, wasmUrl?: string|URL, bytes?: BufferSource}} [options]
 *   simd: force the SIMD (true) or fallback (false) build; default: SIMD when supported.
 *   wasmUrl / bytes: where the module comes from; default: beside this file (or ../build/ in a checkout).
 * @returns {Promise<{exports: object, memory: WebAssembly.Memory, simd: boolean}>}
 */
export async function instantiate(options = {}) {
  const simd = options.simd ?? simdSupported();
  if (simd && !simdSupported()) throw new DlError('this engine does not support WebAssembly SIMD128', 'state');
  let bytes = options.bytes;
  if (!bytes) {
    const file = simd ? 'dlplay.wasm' : 'dlplay-nosimd.wasm';
    let url = options.wasmUrl ? new URL(options.wasmUrl, import.meta.url) : new URL(`./${file}`, import.meta.url);
    if (!options.wasmUrl && !(await exists(url))) url = new URL(`../build/${file}`, import.meta.url);
    bytes = await readBytes(url);
  }
  let memory = null;
  const imports = { env: { emscripten_notify_memory_growth: () => {} } };
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  const exports = instance.exports;
  memory = exports.memory;
  exports._initialize();
  return { exports, memory, simd };
}
