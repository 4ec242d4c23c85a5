// datasets.mjs: image data sets in the compact DLDS format, for Node, pages and workers.
//
// DLDS version 1 (little-endian), usually gzipped (.dlds.gz):
//   "DLDS", u32 version, u32 n, u32 channels, u32 height, u32 width, u32 classes, u32 metaBytes
//   metaBytes of UTF-8 JSON: {"name": "mnist", "split": "train", "labels": ["0", "1", ...]}
//   n records of (u8 label, channels*height*width u8 pixels)
// A record carries its own label, so any prefix of the stream is a usable subset: a page can start
// training on the first few thousand digits while the rest is still arriving.
//
// The IDX reader handles the original MNIST / Fashion-MNIST files (LeCun's format: a magic whose
// third byte is the element type and fourth the number of dims, big-endian dims, then the data).
import { DlError } from './bindings.mjs';

const HEADER = 32;
/** Bounds on what a data file may make us hold: 1 GB of samples, 1 MB of metadata. */
export const DLDS_MAX_BYTES = 2 ** 30, DLDS_MAX_META = 2 ** 20;

/** Parse an IDX file (ubyte data) into {dims, data}. */
export function parseIdx(bytes, what = 'idx file') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length < 4 || u8[0] !== 0 || u8[1] !== 0) throw new DlError(`${what}: not an IDX file`, 'format');
  if (u8[2] !== 0x08) throw new DlError(`${what}: element type 0x${u8[2].toString(16)} is not unsigned bytes`, 'format');
  const nd = u8[3], view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (nd < 1 || nd > 4 || u8.length < 4 + 4 * nd) throw new DlError(`${what}: bad header`, 'format');
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, d) => a * d, 1), start = 4 + 4 * nd;
  if (u8.length - start !== size) throw new DlError(`${what}: ${u8.length - start} data bytes, header says ${size}`, 'format');
  return { dims, data: u8.subarray(start) };
}

/** Encode images (u8, n x C*H*W) and labels (u8) as DLDS bytes (not compressed). */
export function encodeDlds({ images, labels, shape, classes, meta }) {
  const [C, H, W] = shape, D = C * H * W, n = labels.length;
  if (images.length !== n * D) throw new DlError(`encodeDlds: ${images.length} pixels for ${n} images of ${D}`, 'format');
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta ?? {}));
  const out = new Uint8Array(HEADER + metaBytes.length + n * (D + 1));
  out.set([68, 76, 68, 83]); // "DLDS"
  const v = new DataView(out.buffer);
  [1, n, C, H, W, classes, metaBytes.length].forEach((x, i) => v.setUint32(4 + 4 * i, x, true));
  out.set(metaBytes, HEADER);
  for (let i = 0, o = HEADER + metaBytes.length; i < n; i++, o += D + 1) {
    out[o] = labels[i];
    out.set(images.subarray(i * D, (i + 1) * D), o + 1);
  }
  return out;
}

function readHeader(u8) {
  if (u8.length < HEADER) return null;
  if (u8[0] !== 68 || u8[1] !== 76 || u8[2] !== 68 || u8[3] !== 83) throw new DlError('not a DLDS data file', 'format');
  const v = new DataView(u8.buffer, u8.byteOffset, HEADER);
  const [version, n, C, H, W, classes, metaLen] = Array.from({ length: 7 }, (_, i) => v.getUint32(4 + 4 * i, true));
  if (version !== 1) throw new DlError(`DLDS version ${version} is not supported`, 'format');
  if (metaLen > DLDS_MAX_META) throw new DlError(`DLDS metadata of ${metaLen} bytes is over the ${DLDS_MAX_META}-byte limit`, 'format');
  if (!n || !C || !H || !W || n * (C * H * W + 1) > DLDS_MAX_BYTES)
    throw new DlError(`DLDS header declares ${n} samples of ${C}x${H}x${W}: empty, or over the ${DLDS_MAX_BYTES / 2 ** 30} GB limit`, 'format');
  if (u8.length < HEADER + metaLen) return null;
  let meta;
  try {
    meta = JSON.parse(new TextDecoder().decode(u8.subarray(HEADER, HEADER + metaLen)));
  } catch (e) {
    throw new DlError(`DLDS metadata is not JSON (${e.message})`, 'format');
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new DlError('DLDS metadata must be a JSON object', 'format');
  if (classes < 1 || classes > 255) throw new DlError(`DLDS header declares ${classes} classes; 1 to 255 are supported`, 'format');
  if (meta.labels != null && (!Array.isArray(meta.labels) || meta.labels.length !== classes || !meta.labels.every((l) => typeof l === 'string')))
    throw new DlError(`DLDS metadata: labels must be ${classes} strings, one per class`, 'format');
  return { n, shape: [C, H, W], classes, meta, dataStart: HEADER + metaLen };
}

const badLabel = (i, label, classes) => `DLDS sample ${i} has label ${label}, but the file declares ${classes} classes`;

/**
 * A data set being filled: x (u8, n x C*H*W) and y (u8 labels) are allocated for all n samples;
 * `count` says how many have arrived.
 */
function emptySet(h) {
  const D = h.shape[0] * h.shape[1] * h.shape[2];
  return {
    name: h.meta.name, split: h.meta.split, labels: h.meta.labels ?? null,
    shape: h.shape, classes: h.classes, n: h.n, count: 0,
    x: new Uint8Array(h.n * D), y: new Uint8Array(h.n),
  };
}

/** Decode whole DLDS bytes (already decompressed). */
export function decodeDlds(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const h = readHeader(u8);
  if (!h) throw new DlError('DLDS data truncated in its header', 'format');
  const set = emptySet(h), D = set.x.length / set.n;
  const expected = h.dataStart + h.n * (D + 1);
  if (u8.length !== expected) throw new DlError(`DLDS data has ${u8.length} bytes, expected ${expected}`, 'format');
  for (let i = 0, o = h.dataStart; i < h.n; i++, o += D + 1) {
    if (u8[o] >= h.classes) throw new DlError(badLabel(i, u8[o], h.classes), 'format');
    set.y[i] = u8[o];
    set.x.set(u8.subarray(o + 1, o + 1 + D), i * D);
  }
  set.count = h.n;
  return set;
}

/**
 * Stream a gzipped DLDS file (fetch in browsers and workers). onProgress(set) is called as records
 * arrive (set.count grows); the promise resolves with the complete set.
 */
export async function fetchDataset(url, { onProgress, signal } = {}) {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new DlError(`cannot load ${url}: HTTP ${res.status}`, 'format');
  const reader = res.body.pipeThrough(new DecompressionStream('gzip')).getReader();
  let pending = new Uint8Array(0), set = null, D = 0, offset = 0, slice = performance.now();
  for (;;) {
    // A fast source resolves every read at once, as microtasks: without a real yield now and
    // then, messages to this thread (a worker's requests, a page's clicks) would wait for the
    // whole file.
    if (performance.now() - slice > 8) {
      await new Promise((r) => setTimeout(r, 0));
      slice = performance.now();
    }
    const { done, value } = await reader.read();
    if (value) {
      const joined = new Uint8Array(pending.length + value.length);
      joined.set(pending);
      joined.set(value, pending.length);
      pending = joined;
      if (!set) {
        const h = readHeader(pending);
        if (h) {
          set = emptySet(h);
          D = set.x.length / set.n;
          offset = h.dataStart;
        }
      }
      if (!set && pending.length > HEADER + DLDS_MAX_META) throw new DlError(`${url}: no DLDS header in the first ${pending.length} bytes`, 'format');
      if (set) {
        let o = offset;
        if (set.count === set.n && pending.length > o) throw new DlError(`${url}: more data than its header declares`, 'format');
        while (pending.length - o >= D + 1 && set.count < set.n) {
          if (pending[o] >= set.classes) throw new DlError(`${url}: ${badLabel(set.count, pending[o], set.classes)}`, 'format');
          set.y[set.count] = pending[o];
          set.x.set(pending.subarray(o + 1, o + 1 + D), set.count * D);
          set.count++;
          o += D + 1;
        }
        pending = pending.slice(o);
        offset = 0;
        onProgress?.(set);
      }
    }
    if (done) break;
  }
  if (!set || set.count !== set.n) throw new DlError(`${url}: data ended after ${set?.count ?? 0} of ${set?.n ?? '?'} samples`, 'format');
  return set;
}

/** Node: read a gzipped DLDS file from disk. */
export async function readDataset(path) {
  const { readFile } = await import('node:fs/promises');
  const { gunzipSync } = await import('node:zlib');
  let bytes;
  try {
    bytes = gunzipSync(await readFile(path), { maxOutputLength: DLDS_MAX_BYTES + HEADER + DLDS_MAX_META });
  } catch (e) {
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new DlError(`${path}: decompresses to more than the ${DLDS_MAX_BYTES / 2 ** 30} GB a data file may hold`, 'format');
    throw new DlError(`${path}: not a gzipped file, or corrupt (${e.message})`, 'format');
  }
  return decodeDlds(bytes);
}

/** The first n samples of a set (a view, no copy). */
export function take(set, n) {
  const D = set.x.length / set.n, k = Math.min(n, set.count ?? set.n);
  return { ...set, n: k, count: k, x: set.x.subarray(0, k * D), y: set.y.subarray(0, k) };
}

export const MNIST_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
