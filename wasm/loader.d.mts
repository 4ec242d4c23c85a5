/** Options for instantiating the core. */
export interface InstantiateOptions {
  /** Force the SIMD128 build (true) or the fallback (false). Default: SIMD when the engine validates it. */
  simd?: boolean;
  /** Where the .wasm file is. Default: beside loader.mjs, or ../build/ in a source checkout. */
  wasmUrl?: string | URL;
  /** The module's bytes, when the caller already has them. */
  bytes?: BufferSource;
}

/** True when this JavaScript engine validates WebAssembly SIMD128 instructions. */
export function simdSupported(): boolean;

/** Instantiate the standalone module (no Emscripten glue) and call its `_initialize` once. */
export function instantiate(options?: InstantiateOptions): Promise<{
  exports: WebAssembly.Exports & { memory: WebAssembly.Memory };
  memory: WebAssembly.Memory;
  simd: boolean;
}>;
