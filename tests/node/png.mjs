// png.mjs: PNG files for the reader tests and the data fuzzer, written as an encoder writes them
// (chunks with their CRC-32s), so the decoder meets what real files hold.
import { crc32, deflateSync } from 'node:zlib';

const COMPONENTS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }; // by colour type: grey, RGB, palette, grey + alpha, RGBA

/**
 * A PNG of colour `type` whose image data is `rows` (filtered scanlines) compressed as given.
 * `split` (0 to 1) cuts the compressed data into two IDAT chunks that far in, as encoders may.
 */
export function pngFile(width, height, type, rows, { palette = null, split = 0 } = {}) {
  const chunk = (name, body) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(name, 4, 'latin1');
    Buffer.from(body).copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0), ihdr.writeUInt32BE(height, 4), (ihdr[8] = 8), (ihdr[9] = type);
  const z = deflateSync(rows), cut = Math.floor(split * z.length), idat = cut > 0 ? [z.subarray(0, cut), z.subarray(cut)] : [z];
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', palette)] : []), ...idat.map((d) => chunk('IDAT', d)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A PNG of the pixels `px` (COMPONENTS[type] bytes each, row by row). Each row gets one of the
 * five filters from `r` (filter 0 without it), and the compressed data is split where r says, so
 * decoding must undo every predictor exactly.
 */
export function encodePng(w, h, type, px, palette = null, r = () => 0) {
  const comps = COMPONENTS[type], stride = w * comps, rows = new Uint8Array(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const f = Math.floor(r() * 5);
    rows[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const o = y * stride + i, a = i >= comps ? px[o - comps] : 0, b = y ? px[o - stride] : 0, c = y && i >= comps ? px[o - stride - comps] : 0;
      const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      rows[y * (stride + 1) + 1 + i] = (px[o] - pred) & 255;
    }
  }
  return pngFile(w, h, type, rows, { palette, split: r() });
}
