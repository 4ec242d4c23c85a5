// fuzz-data.mjs: a seeded fuzzer for the data readers: IDX, DLDS (whole, gzipped from disk, and
// streamed through fetch), PNG, PGM/PPM and CSV text. Each case starts from a valid file and
// damages it (bytes flipped, header fields set to edge values, cut short, grown, spliced).
// Every case must end in a DlError or in data that holds together (lengths match the declared
// shape, labels below the class count, numbers finite); undamaged files must decode to exactly
// what was encoded. Anything else (another exception, a wrong result, a case over 10 s) is a
// finding.
//   node tests/node/fuzz-data.mjs [cases] [seed]      (make fuzz runs 200,000; make test 5,000)
import { gzipSync } from 'node:zlib';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DlError } from '../../wasm/bindings.mjs';
import { parseIdx, encodeDlds, decodeDlds, readDataset, fetchDataset } from '../../wasm/datasets.mjs';
import { decodeImage, parseCsv } from '../../wasm/node-data.mjs';
import { mulberry32 } from '../../wasm/random.mjs';
import { encodePng } from './png.mjs';

const EDGE = [0, 1, 2, 3, 255, 256, 65535, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];

function damage(u8, r, pick, int) {
  const b = Uint8Array.from(u8);
  const how = int(0, 5);
  if (how === 0) { for (let k = int(1, 4); k > 0 && b.length; k--) b[int(0, b.length - 1)] = int(0, 255); return b; }
  if (how === 1 && b.length >= 4) { new DataView(b.buffer).setUint32(int(0, Math.min(b.length, 48) - 4), pick(EDGE), r() < 0.5); return b; }
  if (how === 2) return b.subarray(0, int(0, b.length));
  if (how === 3) return Buffer.concat([b, Uint8Array.from({ length: int(1, 64) }, () => int(0, 255))]);
  if (how === 4 && b.length > 2) { const at = int(0, b.length - 1), len = int(1, Math.min(64, b.length - at)); return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]); }
  return b;
}

const fail = (what, msg) => { throw new Error(`fuzz-data finding (${what}): ${msg}`); };
function checkSet(s, what) {
  const D = s.shape.reduce((a, d) => a * d, 1);
  if (!(D >= 1) || s.x.length !== s.n * D || s.y.length !== s.n || (s.count ?? s.n) !== s.n) fail(what, `sizes disagree: x ${s.x.length}, y ${s.y.length}, n ${s.n}, shape [${s.shape}]`);
  for (let i = 0; i < s.n; i++) if (!(s.y[i] < s.classes)) fail(what, `label ${s.y[i]} at ${i} with ${s.classes} classes`);
  if (s.x instanceof Float32Array && !s.x.every(Number.isFinite)) fail(what, 'a feature is not finite');
}

export async function fuzzData(cases, seed = 1) {
  const r = mulberry32(seed), pick = (a) => a[Math.floor(r() * a.length)], int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const dir = mkdtempSync(join(tmpdir(), 'dlplay-fuzz-data-'));
  const counts = { cases: 0, ok: 0, refused: 0 };
  const readers = {
    idx() {
      const dims = Array.from({ length: int(1, 3) }, () => int(1, 5)), size = dims.reduce((a, d) => a * d, 1);
      const bytes = new Uint8Array(4 + 4 * dims.length + size), v = new DataView(bytes.buffer);
      bytes.set([0, 0, 8, dims.length]);
      dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
      for (let i = 0; i < size; i++) bytes[4 + 4 * dims.length + i] = int(0, 255);
      return { bytes, run: (b) => parseIdx(b), check: (out, intact) => {
        if (out.data.length !== out.dims.reduce((a, d) => a * d, 1)) fail('idx', 'data length and dims disagree');
        if (intact && Buffer.compare(out.data, bytes.subarray(4 + 4 * dims.length))) fail('idx', 'intact file decoded wrong');
      } };
    },
    dlds() {
      const shape = [int(1, 3), int(1, 4), int(1, 4)], n = int(1, 6), classes = int(2, 5), D = shape[0] * shape[1] * shape[2];
      const images = Uint8Array.from({ length: n * D }, () => int(0, 255)), labels = Uint8Array.from({ length: n }, () => int(0, classes - 1));
      const meta = r() < 0.5 ? { name: 'fuzz', labels: Array.from({ length: classes }, (_, i) => `c${i}`) } : {};
      const bytes = encodeDlds({ images, labels, shape, classes, meta });
      const via = pick(['bytes', 'bytes', 'file', 'fetch']);
      const run = async (b, intact) => {
        if (via === 'bytes') return decodeDlds(b);
        const gz = gzipSync(b);
        if (via === 'file') { const p = join(dir, 'set.dlds.gz'); writeFileSync(p, !intact && r() < 0.3 ? damage(gz, r, pick, int) : gz); return readDataset(p); }
        return fetchDataset(`data:application/octet-stream;base64,${Buffer.from(gz).toString('base64')}`);
      };
      return { bytes, run, check: (s, intact) => {
        checkSet(s, `dlds via ${via}`);
        if (intact && (Buffer.compare(s.x, images) || Buffer.compare(s.y, labels))) fail('dlds', 'intact file decoded wrong');
      } };
    },
    image() {
      const w = int(1, 6), h = int(1, 6), channels = pick([1, 3]);
      const type = pick([0, 2, 3, 4, 6, 'pgm', 'ppm']), comps = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4, pgm: 1, ppm: 3 }[type];
      const colours = int(1, 8), palette = type === 3 ? Uint8Array.from({ length: 3 * colours }, () => int(0, 255)) : null;
      const px = Uint8Array.from({ length: w * h * comps }, () => int(0, type === 3 ? colours - 1 : 255));
      const stray = type === 3 && r() < 0.3; // a well-formed file with a colour past its palette: must be refused
      if (stray) px[int(0, px.length - 1)] = int(colours, 255);
      const bytes = typeof type === 'string' ? Buffer.concat([Buffer.from(`P${type === 'pgm' ? 5 : 6}\n${r() < 0.2 ? '# fuzz\n' : ''}${w} ${h}\n255\n`), px])
        : encodePng(w, h, type, px, palette, r);
      return { bytes, bad: stray, run: (b) => decodeImage(b, channels), check: (img, intact) => {
        if (!(img.width >= 1 && img.height >= 1) || img.data.length !== channels * img.width * img.height) fail('image', `size ${img.width}x${img.height} with ${img.data.length} values`);
        if (!intact) return;
        // exact where no colour mixing happens: grey to grey, colour to colour
        const P = w * h, rgb = type === 3 ? Uint8Array.from({ length: 3 * P }, (_, i) => palette[3 * px[Math.floor(i / 3)] + (i % 3)]) : px;
        const want = type === 0 || type === 'pgm' ? (channels === 1 ? px : null)
          : [2, 3, 'ppm'].includes(type) && channels === 3 ? Uint8Array.from({ length: 3 * P }, (_, i) => rgb[(i % P) * 3 + Math.floor(i / P)]) : null;
        if (img.width !== w || img.height !== h || (want && Buffer.compare(img.data, want))) fail('image', `intact ${type} decoded wrong`);
      } };
    },
    csv() {
      const cols = int(2, 5), rows = int(1, 8), header = r() < 0.5, named = r() < 0.5;
      const labelCol = int(0, cols - 1), names = Array.from({ length: cols }, (_, j) => (j === labelCol && named ? 'label' : `f${j}`));
      const lines = header ? [names.join(',')] : [];
      for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, (_, j) => (j === labelCol ? (r() < 0.8 ? String(i % 3) : pick(['cat', 'dog'])) : (r() * 10 - 5).toFixed(3))).join(','));
      const text = lines.join(pick(['\n', '\r\n'])) + (r() < 0.5 ? '\n' : '');
      const options = r() < 0.7 ? (header && named ? {} : { label: labelCol, header }) : { label: pick([labelCol, -1, 1.5, cols, 'label', 'nope', null, NaN]), header: pick([true, false, undefined]), shape: pick([undefined, [cols - 1], [cols], [0], ['x'], 5, [1, cols - 1]]) };
      const mutate = (b) => {
        const t = Buffer.from(b).toString('latin1'), at = int(0, t.length);
        return pick([t.slice(0, at), t.slice(0, at) + pick([',', '\n', 'NaN', 'Infinity', '1e309', '', ' ', ',,', '"', '999', '-1', '1.5']) + t.slice(at), t.replace(/,/g, ';'), t + '\n' + t]);
      };
      return { bytes: Buffer.from(text), mutate, run: (t) => parseCsv(typeof t === 'string' ? t : Buffer.from(t).toString('latin1'), options), check: (s) => {
        checkSet(s, 'csv');
        if (s.classes < 2) fail('csv', `${s.classes} classes`);
      } };
    },
  };
  const names = Object.keys(readers);
  try {
    for (let c = 0; c < cases; c++) {
      const kind = names[c % names.length], rd = readers[kind](), intact = r() < 0.15;
      const input = intact ? rd.bytes : rd.mutate && r() < 0.6 ? rd.mutate(rd.bytes) : damage(rd.bytes, r, pick, int);
      const t0 = performance.now();
      counts.cases++;
      let out;
      try {
        out = await rd.run(input, intact);
      } catch (e) {
        if (!(e instanceof DlError) || !e.message) fail(kind, `case ${c}: ${e instanceof DlError ? 'empty message' : `a ${e.constructor.name}, not a DlError: ${e.stack}`}`);
        if (intact && !rd.bad && kind !== 'csv') fail(kind, `case ${c}: an intact file was refused: ${e.message}`);
        counts.refused++;
        continue;
      } finally {
        if (performance.now() - t0 > 10000) fail(kind, `case ${c} took ${Math.round(performance.now() - t0)} ms`);
      }
      if (intact && rd.bad) fail(kind, `case ${c}: a file that must be refused was read`);
      rd.check(out, intact);
      counts.ok++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return counts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 2000), seed = Number(process.argv[3] ?? 1);
  const counts = await fuzzData(n, seed);
  console.log(`fuzz-data: ${counts.cases} cases (seed ${seed}): ${counts.ok} decoded and consistent, ${counts.refused} refused with a DlError; no other exception, wrong result or hang`);
}
