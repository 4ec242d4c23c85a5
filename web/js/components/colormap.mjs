// colormap.mjs: colour maps shared by the image and decision-boundary components, so a weight
// shown in a filter grid and a neuron map reads the same everywhere.

// Blue for negative, white at zero, red for positive (ColorBrewer RdBu end points): readable for
// the common red-green colour-blind types, unlike red-green maps.
const NEG = [33, 102, 172], POS = [178, 24, 43];

/**
 * Write the diverging colour of `t` in [-1, 1] (clamped) into `out` at `offset` as RGBA bytes.
 * @param {number} t
 * @param {Uint8ClampedArray} out
 * @param {number} offset
 * @example
 * const px = new Uint8ClampedArray(4);
 * diverging(-1, px, 0); // px = [33, 102, 172, 255], full blue
 */
export function diverging(t, out, offset) {
  if (!(t === t)) t = 0; // NaN shows as zero rather than as a black hole
  const c = t < 0 ? NEG : POS, a = Math.min(1, Math.abs(t));
  out[offset] = 255 + (c[0] - 255) * a;
  out[offset + 1] = 255 + (c[1] - 255) * a;
  out[offset + 2] = 255 + (c[2] - 255) * a;
  out[offset + 3] = 255;
}

/**
 * Parse '#rgb' or '#rrggbb' into [r, g, b] bytes (black for anything else).
 * @param {string} hex
 * @returns {number[]}
 * @example
 * hexToRgb('#f59322'); // [245, 147, 34]
 */
export function hexToRgb(hex) {
  let h = String(hex).trim().replace(/^#/, '');
  if (h.length === 3) h = h.replace(/./g, '$&$&');
  const n = parseInt(h, 16);
  return /^[0-9a-f]{6}$/i.test(h) ? [(n >> 16) & 255, (n >> 8) & 255, n & 255] : [0, 0, 0];
}

/** One colour per class (orange and blue first, as TensorFlow Playground's two classes), shared by every view that colours classes. */
export const CLASS_COLORS = ['#f59322', '#0877bd', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
