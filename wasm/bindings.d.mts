/** Status names by code, as in core/dl.h: ok, arg, shape, oom, state, numeric, format. */
export const STATUS: readonly string[];

/**
 * An error reported by the core. The message names the culprit, e.g.
 * "conv2d 'c2': kernel 7x7 is larger than the 5x5 input it receives (padding included); use a smaller kernel or padding 'same'".
 */
export class DlError extends Error {
  name: 'DlError';
  /** 'arg' | 'shape' | 'oom' | 'state' | 'numeric' | 'format' */
  code: string;
  constructor(message: string, code: string);
}

/** Helpers over a module's raw exports; used by dlplay.mjs, not by pages. */
export function bind(exports: WebAssembly.Exports): unknown;
