// node-data.mjs: a user's own data in Node: a CSV file, or a folder of labelled images
// (one subfolder per class). Both check every row or file and name the culprit in errors.
// Node only (it reads files); pages get data through datasets.mjs.
import { DlError } from './bindings.mjs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { inflateSync } from 'node:zlib';

/** The largest CSV file loadCsv reads (it holds the text and the numbers at once). */
export const CSV_MAX_BYTES = 256 * 2 ** 20;

/**
 * Read a CSV of numbers with a label column.
 * @param {string} path
 * @param {{label?: string|number, header?: boolean, shape?: number[]}} [options]
 *   label: the label column's name or index (default: the column named "label", else the first);
 *   header: whether the first row names the columns (default: when it is not all numbers);
 *   shape: the per-sample shape to report (default [features]).
 * @returns {Promise<{x: Float32Array, y: Uint8Array, n: number, shape: number[], classes: number, labels: string[]}>}
 *   Labels that are whole numbers 0..K-1 are used as they are; anything else becomes classes in
 *   sorted order, named in `labels`.
 */
export async function loadCsv(path, options = {}) {
  const { size } = await stat(path);
  if (size > CSV_MAX_BYTES) throw new DlError(`${path}: ${size} bytes is over the ${CSV_MAX_BYTES / 2 ** 20} MB a CSV may have`, 'format');
  return parseCsv(await readFile(path, 'utf8'), options, path);
}

/** loadCsv's parser, on text already read; `where` names the source in errors. */
export function parseCsv(text, options = {}, where = 'CSV') {
  if (typeof text !== 'string') throw new DlError(`${where}: expected the CSV's text as a string`, 'arg');
  if (text.length > CSV_MAX_BYTES) throw new DlError(`${where}: ${text.length} characters is over the ${CSV_MAX_BYTES / 2 ** 20} MB a CSV may have`, 'format');
  const lines = text.split(/\r?\n/).map((l, i) => [l, i + 1]).filter(([l]) => l.trim() !== '');
  if (lines.length === 0) throw new DlError(`${where}: the file is empty`, 'format');
  const split = (l) => l.split(',').map((c) => c.trim());
  const first = split(lines[0][0]);
  const header = options.header ?? first.some((c) => c === '' || !Number.isFinite(Number(c)));
  const names = header ? first : first.map((_, i) => `column ${i + 1}`);
  if (names.length < 2) throw new DlError(`${where}: one column; a CSV needs a label column and at least one feature`, 'format');
  const label = options.label;
  if (label != null && typeof label !== 'string' && !(Number.isInteger(label) && label >= 0))
    throw new DlError(`${where}: label must be a column name or a column index (a whole number from 0), got ${String(label)}`, 'arg');
  let labelCol = typeof label === 'number' ? label : names.indexOf(label ?? 'label');
  if (labelCol < 0) {
    if (label != null) throw new DlError(`${where}: no column named '${label}' (columns: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`, 'format');
    labelCol = 0;
  }
  if (labelCol >= names.length) throw new DlError(`${where}: label column ${labelCol} does not exist (${names.length} columns)`, 'format');
  const rows = header ? lines.slice(1) : lines;
  if (rows.length === 0) throw new DlError(`${where}: no data rows after the header`, 'format');
  const D = names.length - 1, x = new Float32Array(rows.length * D), raw = [];
  rows.forEach(([line, no], r) => {
    const cells = split(line);
    if (cells.length !== names.length) throw new DlError(`${where} line ${no}: ${cells.length} values, expected ${names.length}`, 'format');
    let k = 0;
    cells.forEach((c, j) => {
      if (j === labelCol) return raw.push(c);
      const v = Number(c);
      if (c === '' || !Number.isFinite(v)) throw new DlError(`${where} line ${no}, column '${names[j]}': '${c}' is not a number`, 'format');
      if (!Number.isFinite(Math.fround(v))) throw new DlError(`${where} line ${no}, column '${names[j]}': ${c} is beyond the range of 32-bit floats (±3.4e38)`, 'format');
      x[r * D + k++] = v;
    });
  });
  const { y, labels } = encodeLabels(raw, where);
  const shape = options.shape ?? [D];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) throw new DlError(`${where}: shape ${JSON.stringify(shape)} is not a list of positive whole numbers`, 'arg');
  if (shape.reduce((a, d) => a * d, 1) !== D) throw new DlError(`${where}: shape [${shape}] does not hold the ${D} features per row`, 'format');
  return { x, y, n: rows.length, shape, classes: labels.length, labels };
}

function encodeLabels(raw, where) {
  const numeric = raw.every((v) => /^\d+$/.test(v));
  let labels, index;
  if (numeric) {
    let K = 0; // a loop, not Math.max(...raw): a spread of 200,000 rows overflows the stack
    for (let i = 0; i < raw.length; i++) {
      const c = Number(raw[i]);
      if (c > 254) throw new DlError(`${where}: label ${raw[i]} at row ${i + 1}; labels are classes 0 to 254`, 'format');
      if (c + 1 > K) K = c + 1;
    }
    labels = Array.from({ length: K }, (_, i) => String(i));
    index = (v) => Number(v);
  } else {
    labels = [...new Set(raw)].sort();
    const map = new Map(labels.map((l, i) => [l, i]));
    index = (v) => map.get(v);
  }
  if (labels.length > 255) throw new DlError(`${where}: ${labels.length} classes; at most 255 are supported`, 'format');
  if (labels.length < 2) throw new DlError(`${where}: only one class (${labels[0]}); classification needs at least 2`, 'format');
  return { y: Uint8Array.from(raw, index), labels };
}

/**
 * Read a folder with one subfolder per class, each holding PNG (8-bit, non-interlaced) or
 * binary PGM/PPM images of one size.
 * @param {string} dir
 * @param {{channels?: 1|3}} [options] 1 (default): grayscale; 3: RGB
 * @returns {Promise<{x: Uint8Array, y: Uint8Array, n: number, shape: number[], classes: number, labels: string[]}>}
 *   x is channel-first ([C, H, W] per image), as the models take it.
 */
export async function loadImageFolder(dir, { channels = 1 } = {}) {
  if (channels !== 1 && channels !== 3) throw new DlError(`channels must be 1 or 3, got ${channels}`, 'format');
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (entries.length < 2) throw new DlError(`${dir}: expected one subfolder per class (at least 2), found ${entries.length}`, 'format');
  const images = [], y = [];
  let size = null;
  for (const [k, cls] of entries.entries()) {
    const files = (await readdir(join(dir, cls))).filter((f) => ['.png', '.pgm', '.ppm'].includes(extname(f).toLowerCase())).sort();
    if (files.length === 0) throw new DlError(`${join(dir, cls)}: no .png, .pgm or .ppm images`, 'format');
    for (const f of files) {
      const path = join(dir, cls, f);
      if (!(await stat(path)).isFile()) continue;
      let img;
      try {
        img = decodeImage(await readFile(path), channels);
      } catch (e) {
        throw new DlError(`${path}: ${e.message}`, 'format');
      }
      size ??= [img.height, img.width];
      if (img.height !== size[0] || img.width !== size[1])
        throw new DlError(`${path}: ${img.width}x${img.height}, but the first image is ${size[1]}x${size[0]}; all images must have one size`, 'format');
      images.push(img.data);
      y.push(k);
    }
  }
  const D = channels * size[0] * size[1], x = new Uint8Array(images.length * D);
  images.forEach((d, i) => x.set(d, i * D));
  return { x, y: Uint8Array.from(y), n: images.length, shape: [channels, size[0], size[1]], classes: entries.length, labels: entries };
}

/** Decode PNG or binary PGM/PPM bytes into channel-first pixels {width, height, data}. */
export function decodeImage(bytes, channels = 1) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const rgb = u8[0] === 0x89 && u8[1] === 0x50 ? decodePng(u8) : decodeNetpbm(u8);
  const { width, height, pixels, comps } = rgb, P = width * height;
  const data = new Uint8Array(channels * P);
  for (let i = 0; i < P; i++) {
    const r = pixels[i * comps], g = comps >= 3 ? pixels[i * comps + 1] : r, b = comps >= 3 ? pixels[i * comps + 2] : r;
    if (channels === 1) data[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else (data[i] = r), (data[P + i] = g), (data[2 * P + i] = b);
  }
  return { width, height, data };
}

function decodeNetpbm(u8) {
  const text = new TextDecoder('latin1').decode(u8.subarray(0, Math.min(u8.length, 64)));
  const m = /^P([56])\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
  if (!m) throw new DlError('not a PNG or binary PGM/PPM image', 'format');
  const comps = m[1] === '6' ? 3 : 1, width = Number(m[2]), height = Number(m[3]);
  if (Number(m[4]) !== 255) throw new DlError(`maximum value ${m[4]}; only 8-bit (255) images are supported`, 'format');
  if (!width || !height || width * height > 1 << 24) throw new DlError(`image size ${width}x${height} is not supported (1 to 2^24 pixels)`, 'format');
  const start = m[0].length, need = width * height * comps;
  if (u8.length - start < need) throw new DlError('image data is truncated', 'format');
  return { width, height, comps, pixels: u8.subarray(start, start + need) };
}

// PNG: chunks, zlib-compressed scanlines, each row filtered by one of five predictors.
function decodePng(u8) {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (sig.some((b, i) => u8[i] !== b)) throw new DlError('bad PNG signature', 'format');
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  let pos = 8, width = 0, height = 0, depth = 0, type = -1, palette = null;
  const idat = [];
  while (pos + 8 <= u8.length) {
    const len = view.getUint32(pos), name = String.fromCharCode(...u8.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > u8.length) throw new DlError(`PNG chunk ${name} is truncated`, 'format');
    const body = u8.subarray(pos + 8, pos + 8 + len);
    if (name === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      depth = body[8];
      type = body[9];
      if (body[12] !== 0) throw new DlError('interlaced PNGs are not supported', 'format');
    } else if (name === 'PLTE') palette = body;
    else if (name === 'IDAT') idat.push(body);
    else if (name === 'IEND') break;
    pos += 12 + len;
  }
  if (depth !== 8) throw new DlError(`${depth}-bit PNG; only 8-bit images are supported`, 'format');
  const comps = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[type];
  if (!comps) throw new DlError(`PNG colour type ${type} is not supported`, 'format');
  if (!width || !height || width * height > 1 << 24) throw new DlError(`PNG size ${width}x${height} is not supported (1 to 2^24 pixels)`, 'format');
  if (idat.length === 0) throw new DlError('PNG has no image data (truncated?)', 'format');
  let raw;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: height * (width * comps + 1) + 1 }); /* no more than the image */
  } catch (e) {
    throw new DlError(`PNG image data is corrupt or truncated (${e.message})`, 'format');
  }
  const stride = width * comps;
  if (raw.length < height * (stride + 1)) throw new DlError('PNG image data is truncated', 'format');
  const px = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    const f = raw[r * (stride + 1)], src = raw.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1)), o = r * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= comps ? px[o + i - comps] : 0, b = r ? px[o - stride + i] : 0, c = r && i >= comps ? px[o - stride + i - comps] : 0;
      let p;
      if (f === 0) p = 0;
      else if (f === 1) p = a;
      else if (f === 2) p = b;
      else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) {
        const q = a + b - c, qa = Math.abs(q - a), qb = Math.abs(q - b), qc = Math.abs(q - c);
        p = qa <= qb && qa <= qc ? a : qb <= qc ? b : c;
      } else throw new DlError(`bad PNG row filter ${f}`, 'format');
      px[o + i] = (src[i] + p) & 255;
    }
  }
  if (type !== 3) return { width, height, comps, pixels: px };
  if (!palette || palette.length % 3 || palette.length === 0) throw new DlError('palette PNG without a valid palette (PLTE)', 'format');
  const colours = palette.length / 3;
  for (let i = 0; i < width * height; i++)
    if (px[i] >= colours) throw new DlError(`palette PNG: pixel ${i} is colour ${px[i]}, but the palette has ${colours}`, 'format');
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) out.set(palette.subarray(3 * px[i], 3 * px[i] + 3), 3 * i);
  return { width, height, comps: 3, pixels: out };
}
