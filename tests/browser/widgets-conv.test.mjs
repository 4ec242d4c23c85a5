// widgets-conv.test.mjs: the kernels and receptive-field widgets. What they draw is the engine's;
// these checks redo the math here, in double precision and independently of the widgets: the
// cross-correlation of the MNIST digit (read from the data file in Node) with the kernel, the
// pooling windows, the 1 x 1 channel mix, and the box of input pixels a unit can see, walked back
// layer by layer through each window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';
import { readDataset } from '../../web/dlplay/datasets.mjs';

let env, mnist;
const pages = new Map(); // one page per widget, shared by its tests (each test sets what it needs)
before(async () => {
  env = await start();
  mnist = await readDataset(new URL('../../web/data/mnist-test.dlds.gz', import.meta.url).pathname);
});
after(async () => {
  for (const page of pages.values()) await (await page).close();
  await env?.close();
});

const SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1], SOBEL_Y = [-1, -2, -1, 0, 0, 0, 1, 2, 1];

async function openWidget(kind, hash = '', viewport) {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=${kind}${hash}`, { requests: true, viewport });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  return page;
}
const shared = (kind) => (pages.has(kind) || pages.set(kind, openWidget(kind, '', { width: 1440, height: 900 })), pages.get(kind));
const configure = (page, kind, settings) => page.$eval('dl-widget', async (el, a) => (await el.configure({ kind: a.kind, settings: a.settings }), el.results()), { kind, settings });
const results = (page) => page.$eval('dl-widget', (el) => el.results());
const summary = (page) => page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent);

// a 3 x 3 kernel slid over the image without flipping (cross-correlation), zeros outside
function correlate(img, H, W, k, padding) {
  const p = padding === 'same' ? 1 : 0, OH = H + 2 * p - 2, OW = W + 2 * p - 2, out = [];
  for (let r = 0; r < OH; r++)
    for (let c = 0; c < OW; c++) {
      let sum = 0;
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          const y = r + i - p, x = c + j - p;
          if (y >= 0 && y < H && x >= 0 && x < W) sum += k[i * 3 + j] * img[y * W + x];
        }
      out.push(sum);
    }
  return { shape: [OH, OW], values: out };
}

function assertClose(got, want, what, tol = 1e-5) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) assert.fail(`${what}[${i}]: engine ${got[i]}, expected ${want[i]}`);
}

const digit = (i) => Array.from(mnist.x.subarray(i * 784, (i + 1) * 784), (v) => v / 255);

test('the kernels widget convolves the chosen MNIST digit with the engine: Sobel x and y equal a cross-correlation done here, same and valid', async () => {
  const page = await shared('kernels');
  let r = await configure(page, 'kernels', { digit: 3, kernel: 'sobel-x', padding: 'same' });
  assert.equal(r.label, mnist.y[3]);
  assertClose(r.input, digit(3), 'digit 3', 1e-7);
  assert.deepEqual(r.kernel, SOBEL_X);
  let want = correlate(digit(3), 28, 28, SOBEL_X, 'same');
  assert.deepEqual(r.conv.shape, [28, 28]);
  assertClose(r.conv.values, want.values, 'Sobel x, same');
  // the two-filter layer of the 1 x 1 panel: its channels are the Sobel x and Sobel y maps
  assertClose(r.sobel.gx, want.values, 'channel 1');
  assertClose(r.sobel.gy, correlate(digit(3), 28, 28, SOBEL_Y, 'same').values, 'channel 2');
  assert.match(await summary(page), /Digit 3 \(a \d\); Sobel x kernel, same padding: 28 × 28 output/);

  r = await configure(page, 'kernels', { digit: 1234, kernel: 'sobel-y', padding: 'valid' });
  want = correlate(digit(1234), 28, 28, SOBEL_Y, 'valid');
  assert.equal(r.label, mnist.y[1234]);
  assert.deepEqual(r.conv.shape, [26, 26]);
  assertClose(r.conv.values, want.values, 'Sobel y, valid');
  assertClose(r.sobel.gx, correlate(digit(1234), 28, 28, SOBEL_X, 'valid').values, 'channel 1, valid');

  // a kernel typed in the 3 x 3 fields goes to the engine as typed
  await page.selectOption('[data-part="kernel"]', 'custom');
  const typed = [0, 1, 0, 2, -3, 0.5, 0, -1, 0];
  for (const [i, name] of ['w11', 'w12', 'w13', 'w21', 'w22', 'w23', 'w31', 'w32', 'w33'].entries()) {
    const field = page.locator(`[data-part="${name}"]`);
    await field.fill(String(typed[i]));
    await field.press('Tab'); // (a number field commits as it loses focus)
  }
  // (the page writes each change into its address: let it finish before the next test reconfigures)
  await page.waitForFunction(() => location.hash.includes('w33=0'));
  r = await results(page);
  assert.deepEqual(r.kernel, typed);
  assertClose(r.conv.values, correlate(digit(1234), 28, 28, typed, 'valid').values, 'custom kernel');
  assert.deepEqual(page.errors, []);
});

test('the kernels widget pools the engine\'s output: max is each window\'s maximum, average its mean, global the mean of all', async () => {
  const page = await shared('kernels');
  for (const [pool, size, padding] of [['max', 2, 'same'], ['max', 3, 'valid'], ['avg', 2, 'valid'], ['global', 2, 'same']]) {
    const r = await configure(page, 'kernels', { digit: 7, kernel: 'laplacian', pool, size, padding });
    const [H, W] = r.conv.shape, y = r.conv.values;
    if (pool === 'global') {
      assertClose(r.pool.values, [y.reduce((a, b) => a + b, 0) / y.length], 'global average');
      continue;
    }
    const OH = Math.floor(H / size), OW = Math.floor(W / size), want = [];
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const win = [];
        for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) win.push(y[(i * size + a) * W + j * size + b]);
        want.push(pool === 'max' ? Math.max(...win) : win.reduce((s, v) => s + v, 0) / win.length);
      }
    assert.deepEqual(r.pool.shape, [OH, OW], `${pool} ${size}`);
    assertClose(r.pool.values, want, `${pool} ${size} ${padding}`);
  }
  assert.deepEqual(page.errors, []);
});

test('the kernels widget\'s 1 × 1 convolution is the weighted sum of the two Sobel channels, pixel by pixel', async () => {
  const page = await shared('kernels');
  for (const settings of [{ mix: 'angle', angle: 30 }, { mix: 'angle', angle: 270 }, { mix: 'weights', a: 1.5, b: -0.5 }]) {
    const r = await configure(page, 'kernels', { digit: 42, ...settings });
    const [a, b] = settings.mix === 'angle' ? [Math.cos((settings.angle * Math.PI) / 180), Math.sin((settings.angle * Math.PI) / 180)] : [settings.a, settings.b];
    assertClose(r.mix.weights, [a, b], 'weights', 1e-12);
    assertClose(r.mix.values, r.sobel.gx.map((gx, i) => a * gx + b * r.sobel.gy[i]), JSON.stringify(settings));
  }
  assert.match(await summary(page), /1 × 1 convolution 1\.5 · gx \+ -0\.5 · gy/);
  await screenshot(page, 'widget-kernels-mix');
  assert.deepEqual(page.errors, []);
});

// The input rows (or columns) a unit sees, walked back through each layer's window: unit u of a
// layer reads its input's u·s − pad to u·s − pad + (k − 1)·d; clipped to the input at the end.
function fieldWalk(n, padding, layers, unit) {
  const sizes = [n], pads = [];
  for (const l of layers) {
    const span = l.d * (l.k - 1) + 1, size = sizes.at(-1), same = l.type === 'conv' && padding === 'same';
    const out = same ? Math.ceil(size / l.s) : Math.floor((size - span) / l.s) + 1;
    pads.push(same ? Math.floor(Math.max(0, (out - 1) * l.s + span - size) / 2) : 0);
    sizes.push(out);
  }
  const out = sizes.at(-1), u = unit.map((v) => Math.min(v, out - 1));
  const walk = (v) => {
    let lo = v, hi = v;
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      lo = lo * l.s - pads[i];
      hi = hi * l.s - pads[i] + (l.k - 1) * l.d;
    }
    return [lo, hi];
  };
  const [r0, r1] = walk(u[0]), [c0, c1] = walk(u[1]), clip = (v) => Math.max(0, Math.min(n - 1, v));
  return { out, unit: u, size: r1 - r0 + 1, box: { r0: clip(r0), r1: clip(r1), c0: clip(c0), c1: clip(c1) }, clipped: clip(r0) !== r0 || clip(r1) !== r1 || clip(c0) !== c0 || clip(c1) !== c1 };
}

function nonzero(grad, n) {
  let b = null, count = 0;
  grad.forEach((v, i) => {
    if (v === 0) return;
    count++;
    const r = Math.floor(i / n), c = i % n;
    b = b ? { r0: Math.min(b.r0, r), r1: Math.max(b.r1, r), c0: Math.min(b.c0, c), c1: Math.max(b.c1, c) } : { r0: r, r1: r, c0: c, c1: c };
  });
  return { box: b, count };
}

const layerSettings = (layers) => Object.assign({ layers: layers.length }, ...layers.map((l, i) => ({ [`type${i + 1}`]: l.type, [`k${i + 1}`]: l.k, [`s${i + 1}`]: l.s, [`d${i + 1}`]: l.d })));
const conv = (k, s = 1, d = 1) => ({ type: 'conv', k, s, d }), pool = (k, s = k) => ({ type: 'pool', k, s, d: 1 });

test('the receptive field the engine\'s gradient marks is the box of the formula: strides, dilation, pooling, and clipped at the border', async () => {
  const page = await shared('receptive-field');
  const cases = [
    { input: 32, padding: 'same', layers: [conv(3), pool(2), conv(3)], unit: [7, 7] },
    { input: 32, padding: 'same', layers: [conv(5, 2), conv(3, 1, 2), pool(3, 2)], unit: [0, 0] }, // top-left corner: clipped
    { input: 32, padding: 'same', layers: [conv(7)], unit: [2, 30] }, // near the top and right edges
    { input: 40, padding: 'valid', layers: [conv(3, 1, 3), pool(2), conv(3, 2), conv(2, 1, 2)], unit: [47, 1] }, // row past the end: the last
    { input: 33, padding: 'same', layers: [conv(4, 3, 1), pool(3, 1), conv(3, 1, 3), conv(6, 2)], unit: [5, 3] },
    { input: 24, padding: 'same', layers: [conv(1, 3), conv(3)], unit: [4, 4] }, // stride 3 over a 1-wide window: gaps
  ];
  for (const c of cases) {
    const what = JSON.stringify(c);
    const r = await configure(page, 'receptive-field', { input: c.input, padding: c.padding, row: c.unit[0], col: c.unit[1], ...layerSettings(c.layers) });
    assert.equal(r.error, undefined, what);
    const want = fieldWalk(c.input, c.padding, c.layers, c.unit), got = nonzero(r.maps[0].grad, c.input);
    assert.deepEqual(r.out, [want.out, want.out], `${what}: output size`);
    assert.deepEqual(r.unit, want.unit, `${what}: unit`);
    assert.deepEqual(got.box, want.box, `${what}: the nonzero gradient's box`);
    assert.equal(r.layers.at(-1).r, want.size, `${what}: r from the recurrence`);
    assert.equal(r.field.clipped, want.clipped, `${what}: clipped`);
    const area = (want.box.r1 - want.box.r0 + 1) * (want.box.c1 - want.box.c0 + 1);
    // dilation and a stride wider than its window leave holes; otherwise every pixel in the box counts
    const gaps = c.layers.some((l) => l.d > 1 || l.s > l.k);
    if (!gaps) assert.equal(got.count, area, `${what}: the box is full`);
    if (c.layers[0].s > c.layers[0].k) assert.ok(got.count < area, `${what}: the box has holes`);
  }
  assert.ok((await results(page)).field.clipped === false);
  assert.deepEqual(page.errors, []);
});

test('one conv layer passes a gradient of exactly 1 to each pixel of its window; a deep stack weighs the middle most (the effective field)', async () => {
  const page = await shared('receptive-field');
  let r = await configure(page, 'receptive-field', { input: 16, layers: 1, type1: 'conv', k1: 3, row: 5, col: 9 });
  const grid = (g, n, r0, c0, size) => Array.from({ length: size }, (_, i) => g.slice((r0 + i) * n + c0, (r0 + i) * n + c0 + size));
  assert.deepEqual(grid(r.maps[0].grad, 16, 4, 8, 3), [[1, 1, 1], [1, 1, 1], [1, 1, 1]]);
  assert.equal(r.maps[0].grad.reduce((a, b) => a + b, 0), 9);
  r = await configure(page, 'receptive-field', { input: 32, ...layerSettings([conv(3), conv(3), conv(3), conv(3)]), row: 16, col: 16 });
  const g = r.maps[0].grad, at = (y, x) => g[y * 32 + x];
  assert.equal(r.layers.at(-1).r, 9);
  // the number of paths from a pixel to the unit: 1 at a corner of the 9 x 9, 19² at the centre
  assert.equal(at(12, 12), 1);
  assert.equal(at(16, 16), 19 * 19);
  assert.match(await summary(page), /receptive field r = 9 \(jump 1\), input rows 12–20, columns 12–20; the engine's nonzero gradient covers rows 12–20, columns 12–20, as the formula says/);
  assert.match(await page.textContent('[data-part="table"]'), /7 \+ \(3 − 1\)·1·1 = 9/);
  assert.deepEqual(page.errors, []);
});

test('clicking a unit of the output map chooses it through the row and column controls', async () => {
  for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    const page = viewport.width === 1440 ? await shared('receptive-field') : await openWidget('receptive-field', '', viewport);
    await configure(page, 'receptive-field', {});
    const out = page.locator('[data-part="maps"] canvas').last();
    const [OH, OW] = (await results(page)).out, bbox = await out.boundingBox(), cell = (bbox.width - 2) / OW;
    await out.click({ position: { x: 1 + 5.5 * cell, y: 1 + 2.5 * cell } });
    await page.waitForFunction(() => document.querySelector('dl-widget').results().unit.join() === '2,5');
    assert.equal(await page.inputValue('[data-part="row"]'), '2');
    assert.equal(await page.inputValue('[data-part="col"]'), '5');
    assert.equal(OH, 16);
    assert.match(page.url(), /row=2&col=5/);
    await screenshot(page, `widget-receptive-field-${viewport.width}`);
    assert.deepEqual(page.errors, []);
    if (viewport.width !== 1440) await page.close();
  }
});
