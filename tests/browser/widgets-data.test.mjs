// widgets-data.test.mjs: the augment and features widgets. The augmented copies are the engine's;
// these checks hold them against what each option means, on the test image read here from the
// data file: nothing on is the image itself, flip 1 its exact mirror, cutout the ink of one
// square gone, noise a residual of that spread, and a seed the same copies again. The features
// widget's boundary is redone here in double: the features of a grid cell, standardized with
// the training points' mean and spread, through the model's weights.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';
import { readDataset } from '../../web/dlplay/datasets.mjs';
import { load } from '../../web/dlplay/dlplay.mjs';

let env, mnist, catalog;
const pages = new Map(); // one page per widget, shared by its tests (each test configures what it needs)
before(async () => {
  env = await start();
  mnist = await readDataset(new URL('../../web/data/mnist-test.dlds.gz', import.meta.url).pathname);
  catalog = (await load()).catalog;
});
after(async () => {
  for (const page of pages.values()) await (await page).close();
  await env?.close();
});

async function openWidget(kind, hash = '', viewport = { width: 1440, height: 900 }) {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=${kind}${hash}`, { requests: true, viewport });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  return page;
}
const shared = (kind) => (pages.has(kind) || pages.set(kind, openWidget(kind)), pages.get(kind));
const configure = (page, kind, settings) => page.$eval('dl-widget', async (el, a) => (await el.configure({ kind: a.kind, settings: a.settings }), el.results()), { kind, settings });
const results = (page) => page.$eval('dl-widget', (el) => el.results());
const summary = (page) => page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent);
/** The widget's results once `done(results)` holds (a run on the page's thread, spread over frames). */
async function until(page, done, timeout = 30000) {
  const t0 = Date.now();
  for (;;) {
    const r = await results(page);
    if (done(r)) return r;
    if (Date.now() - t0 > timeout) assert.fail(`timed out; last results: ${JSON.stringify(r).slice(0, 300)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const image = (i) => Array.from(mnist.x.subarray(i * 784, (i + 1) * 784), (v) => Math.fround(v / 255)); // (as the page holds it: float32)
const copy = (r, k) => r.copies.slice(k * 784, (k + 1) * 784);
const OFF = { shift: 0, rotate: 0, scale: 0, crop: 0, flip: 0, cutout: 0, noise: 0 };

// ---- augment ----

test('the augment widget\'s sliders are the engine\'s catalog: the same options in order, each from 0 to its max', async () => {
  const page = await shared('augment');
  const sliders = await page.$$eval('dl-widget', ([el]) => [...el.shadowRoot.querySelectorAll('input[type="range"]')].map((i) => ({ name: i.dataset.part, min: Number(i.min), max: Number(i.max) })));
  const want = catalog.augment.map((o) => ({ name: o.name, min: 0, max: o.max }));
  assert.deepEqual(sliders.filter((s) => s.name !== 'count'), want);
  assert.deepEqual((await results(page)).sliders, want);
  assert.deepEqual(page.errors, []);
});

test('the augment widget with every option at 0 gives exact copies of the test image read from the file', async () => {
  const page = await shared('augment');
  const r = await configure(page, 'augment', { ...OFF, index: 5, count: 8 });
  assert.equal(r.label, mnist.y[5]);
  assert.deepEqual(r.original, image(5));
  assert.equal(r.copies.length, 8 * 784);
  for (let k = 0; k < 8; k++) assert.deepEqual(copy(r, k), r.original, `copy ${k}`);
  assert.match(await summary(page), /all off \(every copy is the original\)/);
  assert.match(await summary(page), /Mean absolute change per pixel from the original: 0 .*8 copies are exactly the original/);
});

test('the augment widget with flip 1 gives the exact left-right mirror in every copy; with flip 0.5 some copies and not others', async () => {
  const page = await shared('augment');
  let r = await configure(page, 'augment', { ...OFF, index: 7, flip: 1, count: 8 });
  const mirror = r.original.map((_, i) => r.original[Math.floor(i / 28) * 28 + (27 - (i % 28))]);
  for (let k = 0; k < 8; k++) assert.deepEqual(copy(r, k), mirror, `copy ${k}`);
  r = await configure(page, 'augment', { ...OFF, index: 7, flip: 0.5, count: 32 });
  const mirrored = Array.from({ length: 32 }, (_, k) => copy(r, k).every((v, i) => v === mirror[i]));
  const same = Array.from({ length: 32 }, (_, k) => copy(r, k).every((v, i) => v === r.original[i]));
  assert.ok(mirrored.every((m, k) => m || same[k]), 'each copy is the image or its mirror');
  assert.ok(mirrored.some(Boolean) && same.some(Boolean), `mirrored ${mirrored.filter(Boolean).length} of 32`);
});

test('the augment widget\'s cutout s blanks the ink inside one s × s square: at most s² pixels, at least one in some copy', async () => {
  const page = await shared('augment');
  for (const s of [3, 6]) {
    const r = await configure(page, 'augment', { ...OFF, index: 11, cutout: s, count: 32 }), x = r.original;
    let touched = 0;
    for (let k = 0; k < 32; k++) {
      const c = copy(r, k), changed = [];
      c.forEach((v, i) => v !== x[i] && changed.push(i));
      for (const i of changed) assert.equal(c[i], 0, `copy ${k} pixel ${i}: cutout only sets to 0`);
      assert.ok(changed.length <= s * s, `copy ${k}: ${changed.length} pixels changed, more than ${s * s}`);
      if (changed.length) touched++;
      // some placement of the square (it may hang over the edge) blanks exactly the changed pixels
      const fits = (top, left) => {
        let n = 0;
        for (let i = Math.max(0, top); i < Math.min(28, top + s); i++) for (let j = Math.max(0, left); j < Math.min(28, left + s); j++) if (x[i * 28 + j] !== 0) n++;
        return n === changed.length && changed.every((p) => Math.floor(p / 28) >= top && Math.floor(p / 28) < top + s && p % 28 >= left && p % 28 < left + s);
      };
      let found = false;
      for (let top = -s; top < 28 && !found; top++) for (let left = -s; left < 28 && !found; left++) found = fits(top, left);
      assert.ok(found, `copy ${k}: the changed pixels are not the ink of one ${s} × ${s} square`);
    }
    assert.ok(touched >= 1, `cutout ${s}: no copy lost any ink`);
  }
});

test('the augment widget\'s noise σ leaves a residual of standard deviation σ and mean 0; its summary\'s mean change is the one measured here', async () => {
  const page = await shared('augment');
  for (const sigma of [0.1, 0.4]) {
    const r = await configure(page, 'augment', { ...OFF, index: 2, noise: sigma, count: 64 });
    const d = r.copies.map((v, i) => v - r.original[i % 784]);
    const m = d.reduce((a, v) => a + v, 0) / d.length, sd = Math.sqrt(d.reduce((a, v) => a + (v - m) ** 2, 0) / d.length);
    // 50,176 draws: the spread is within 2% of sigma and the mean within 0.01 sigma by far
    assert.ok(Math.abs(sd / sigma - 1) < 0.02, `noise ${sigma}: residual sd ${sd}`);
    assert.ok(Math.abs(m) < 0.01 * sigma, `noise ${sigma}: residual mean ${m}`);
    const mad = d.reduce((a, v) => a + Math.abs(v), 0) / d.length;
    assert.ok(Math.abs(mad - sigma * Math.sqrt(2 / Math.PI)) < 0.03 * sigma, `mean |residual| ${mad}`);
    assert.match(await summary(page), new RegExp(`change per pixel from the original: ${mad.toFixed(3)} `));
  }
});

test('the augment widget draws the same copies from the same seed, and New draw gives other ones', async () => {
  const page = await shared('augment');
  const settings = { ...OFF, index: 3, shift: 3, rotate: 20, scale: 0.2, cutout: 4, seed: 9, count: 16 };
  const a = await configure(page, 'augment', settings), b = await configure(page, 'augment', settings);
  assert.deepEqual(b.copies, a.copies);
  assert.notDeepEqual(copy(a, 0), copy(a, 1), 'two copies of one draw differ');
  await page.click('[data-part="draw"]');
  const c = await results(page);
  assert.equal(c.draw, 1);
  assert.notEqual(c.seed, a.seed);
  for (let k = 0; k < 16; k++) assert.notDeepEqual(copy(c, k), copy(a, k), `copy ${k} after New draw`);
  assert.match(await summary(page), /16 copies, draw 2\./);
  const other = await configure(page, 'augment', { ...settings, seed: 10 });
  assert.notDeepEqual(other.copies, a.copies);
  assert.deepEqual((await configure(page, 'augment', settings)).copies, a.copies, 'the same seed again');
  assert.deepEqual(page.errors, []);
});

test('the augment widget\'s experiment trains two identical CNNs when nothing is on, and different ones with augmentation', async () => {
  const page = await shared('augment');
  await configure(page, 'augment', { ...OFF, index: 0, count: 4 });
  await page.click('[data-part="train"]');
  let r = await until(page, (x) => x.experiment != null && x.experiment.augmented.length === x.experiment.epochs, 90000);
  // all options at 0: the two runs are the same training (same weights, same shuffles)
  assert.deepEqual(r.experiment.augmented, r.experiment.plain);
  assert.ok(r.experiment.plain.at(-1) > 0.8, `plain accuracy ${r.experiment.plain.at(-1)}`);
  await screenshot(page, 'widget-augment-trained');
  r = await configure(page, 'augment', { ...OFF, index: 0, count: 4, shift: 2, rotate: 10 });
  assert.equal(r.experiment, null, 'no experiment before Train');
  await page.click('[data-part="train"]');
  r = await until(page, (x) => x.experiment != null && x.experiment.augmented.length === x.experiment.epochs, 90000);
  assert.deepEqual(r.experiment.options, { ...OFF, shift: 2, rotate: 10 });
  assert.notDeepEqual(r.experiment.augmented, r.experiment.plain);
  const pct = (v) => `${(100 * v).toFixed(1)}%`;
  assert.match(await summary(page), new RegExp(`test accuracy ${pct(r.experiment.plain.at(-1))} without augmentation, ${pct(r.experiment.augmented.at(-1))} with it`));
  assert.deepEqual(page.errors, []);
});

test('the augment widget looks right at 1440 × 900 and on a phone (screenshots)', async () => {
  for (const [name, viewport] of [['wide', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await openWidget('augment', '#dataset=fashion&index=3&flip=0.5&cutout=6', viewport);
    await screenshot(page, `widget-augment-${name}`);
    const overflow = await page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('canvas').getBoundingClientRect().right - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the copies overflow the page by ${overflow}px`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

// ---- features ----

const FEATURE = { x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b, x1x2: (a, b) => a * b, sin1: (a) => Math.sin(a), sin2: (a, b) => Math.sin(b) };
const trained = (page, settings) => configure(page, 'features', settings).then(() => until(page, (r) => r.epochs === r.of && r.field?.epoch === r.of));

// the model's probability of class 1 at (a, b), in double: standardized features through the dense layers
function probability(r, a, b, stats) {
  let h = r.features.map((f, j) => (FEATURE[f](a, b) - stats.mean[j]) / stats.std[j]);
  const act = { tanh: Math.tanh, relu: (v) => Math.max(0, v), sigmoid: (v) => 1 / (1 + Math.exp(-v)), linear: (v) => v }[r.activation];
  for (let l = 0; l < r.weights.length; l += 2) {
    const W = r.weights[l], B = r.weights[l + 1], [n, m] = W.shape, last = l + 2 === r.weights.length;
    assert.equal(n, h.length, `${W.name}: inputs`);
    h = Array.from({ length: m }, (_, j) => {
      const z = h.reduce((s, v, i) => s + v * W.values[i * m + j], B.values[j]);
      return last ? z : act(z);
    });
  }
  return 1 / (1 + Math.exp(h[0] - h[1]));
}

// each feature's mean and spread over the training points, computed here
function standardization(r) {
  const cols = r.features.map((f) => r.train.map(([a, b]) => FEATURE[f](a, b)));
  const mean = cols.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
  return { mean, std: cols.map((c, j) => Math.sqrt(c.reduce((s, v) => s + (v - mean[j]) ** 2, 0) / c.length)) };
}

test('the features widget: circles are separated by a line in x₁², x₂² (test accuracy ≥ 95%, no hidden layer) and not in x₁, x₂ (≤ 65%, loss near ln 2)', async () => {
  const page = await shared('features');
  let r = await trained(page, { dataset: 'circles', features: ['x1sq', 'x2sq'], layers: 0 });
  assert.deepEqual(r.hidden, []);
  assert.deepEqual(r.weights.map((w) => w.shape), [[2, 2], [2]], 'logistic regression: one dense layer on the two features');
  assert.ok(r.testAccuracy >= 0.95, `x₁², x₂²: test accuracy ${r.testAccuracy}`);
  await screenshot(page, 'widget-features-circles-squares');
  r = await trained(page, { dataset: 'circles', features: ['x1', 'x2'], layers: 0 });
  assert.ok(r.testAccuracy <= 0.65, `x₁, x₂: test accuracy ${r.testAccuracy}`);
  assert.ok(r.history.valLoss.at(-1) >= 0.6, `x₁, x₂: test loss ${r.history.valLoss.at(-1)} (ln 2 = 0.693)`);
  assert.match(await summary(page), /no hidden layer: logistic regression.*Epoch 100 of 100: .*test loss 0\.[6-9]\d\d/);
  assert.deepEqual(page.errors, []);
});

test('the features widget: XOR is separated by x₁x₂ alone (test accuracy ≥ 95%, no hidden layer); the order features are ticked in does not matter', async () => {
  const page = await shared('features');
  const r = await trained(page, { dataset: 'xor', features: ['x1x2'], layers: 0 });
  assert.ok(r.testAccuracy >= 0.95, `x₁x₂: test accuracy ${r.testAccuracy}`);
  const order = await configure(page, 'features', { dataset: 'xor', features: ['sin2', 'x1'], layers: 0 });
  assert.deepEqual(order.features, ['x1', 'sin2']);
});

test('the features widget draws the model\'s own predictions on the featurized grid (spot checks redone in double), with and without hidden layers', async () => {
  const page = await shared('features');
  for (const settings of [{ dataset: 'circles', features: ['x1', 'x2', 'x1sq', 'x2sq'], layers: 0 }, { dataset: 'moons', features: ['x1', 'x2', 'x1x2', 'sin1', 'sin2'], layers: 2, units1: 5, units2: 3, activation: 'tanh' }, { dataset: 'spiral', features: ['x1', 'x2', 'x1sq'], layers: 1, units1: 6, activation: 'relu' }]) {
    const r = await trained(page, settings);
    assert.deepEqual(r.hidden, [settings.units1, settings.units2].slice(0, settings.layers));
    const stats = standardization(r);
    for (let j = 0; j < r.features.length; j++) {
      assert.ok(Math.abs(r.stats.mean[j] - stats.mean[j]) < 1e-9 && Math.abs(r.stats.std[j] - stats.std[j]) < 1e-9, `${r.features[j]}: standardization`);
    }
    const { cols, rows, extent } = r.grid;
    assert.equal(r.field.values.length, cols * rows);
    for (const [row, col] of [[0, 0], [rows - 1, cols - 1], [7, 31], [25, 25], [40, 3], [rows - 1, 0]]) {
      const a = -extent + (2 * extent * (col + 0.5)) / cols, b = extent - (2 * extent * (row + 0.5)) / rows;
      const want = 0.5 - probability(r, a, b, stats), got = r.field.values[row * cols + col];
      assert.ok(Math.abs(got - want) < 1e-4, `${settings.dataset} cell (${row}, ${col}) at (${a}, ${b}): drawn ${got}, model ${want}`);
    }
    // the training points are the picture's: predicted by the same rule, their accuracy is the widget's
    const right = r.train.filter(([a, b, y]) => (probability(r, a, b, stats) > 0.5 ? 1 : 0) === y).length;
    assert.ok(Math.abs(right / r.train.length - r.trainAccuracy) < 0.1, `${settings.dataset}: training accuracy ${r.trainAccuracy}, recomputed ${right / r.train.length}`);
  }
  assert.deepEqual(page.errors, []);
});

test('the features widget looks right at 1440 × 900 and on a phone, before and after training (screenshots)', async () => {
  for (const [name, viewport] of [['wide', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await openWidget('features', '#dataset=xor&features=x1,x2,x1x2&layers=1', viewport);
    await screenshot(page, `widget-features-${name}-start`);
    await until(page, (r) => r.epochs === r.of);
    await screenshot(page, `widget-features-${name}-trained`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});
