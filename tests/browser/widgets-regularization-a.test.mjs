// widgets-regularization-a.test.mjs: the penalties (L1 against L2) and dropout widgets. What they
// show is checked against independent computations: the widget's zero counts against the
// trained weights it reports, the two-weight L2 fit against the ridge solution solved in double,
// the L1 fit against the lasso solved by coordinate descent in double, and every dropout mask
// value against 0 or 1/(1 − p) in float32, its dropped share against a binomial tolerance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const results = (page) => page.$eval('dl-widget', (el) => el.results());
const summary = (page) => page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent);
async function open(kind, hash, viewport = { width: 1440, height: 900 }) {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=${kind}${hash}`, { viewport });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  return page;
}

// S = XᵀX/n and c = Xᵀy/n of the two-weight data, in double
function moments({ x, y }) {
  const n = y.length, S = [[0, 0], [0, 0]], c = [0, 0];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < 2; j++) {
      c[j] += (x[2 * i + j] * y[i]) / n;
      for (let k = 0; k < 2; k++) S[j][k] += (x[2 * i + j] * x[2 * i + k]) / n;
    }
  return { S, c };
}
// argmin mean (Xw − y)² + λ Σw²: the gradient 2(Sw − c) + 2λw = 0, so w = (S + λI)⁻¹ c
function ridge({ S, c }, lambda) {
  const a = S[0][0] + lambda, b = S[0][1], d = S[1][1] + lambda, det = a * d - b * b;
  return [(d * c[0] - b * c[1]) / det, (a * c[1] - b * c[0]) / det];
}
// argmin mean (Xw − y)² + λ Σ|w|, by coordinate descent: w_j = soft(c_j − S_jk w_k, λ/2) / S_jj
function lasso({ S, c }, lambda) {
  const w = [0, 0], soft = (v, t) => Math.sign(v) * Math.max(0, Math.abs(v) - t);
  for (let it = 0; it < 500; it++) for (const [j, k] of [[0, 1], [1, 0]]) w[j] = soft(c[j] - S[j][k] * w[k], lambda / 2) / S[j][j];
  return w;
}

test('penalties: L1 zeroes far more network weights than L2 at the same strength, and the counts shown are the weights\' own', async () => {
  const page = await open('penalties', '#epochs=30&strength=-3');
  await screenshot(page, 'widget-penalties-before');
  await page.click('[data-part="train"]');
  await page.waitForSelector('[data-widget][data-trained="1"]', { timeout: 60000 });
  const r = await results(page);
  assert.equal(r.epoch, 30);
  const [a, b] = r.nets;
  assert.deepEqual([a.kind, b.kind], ['l1', 'l2']);
  assert.ok(Math.abs(a.lambda - 1e-3) < 1e-12 && a.lambda === b.lambda);
  const kernels = (n) => n.weights.flatMap((p) => p.values);
  const zero = (n) => kernels(n).filter((v) => Math.abs(v) < 1e-3).length;
  const total = kernels(a).length;
  assert.equal(total, 2 * 32 + 32 * 32 + 32 * 3, 'the toy net\'s kernels, biases left out');
  assert.equal(a.zero, zero(a));
  assert.equal(b.zero, zero(b));
  assert.ok(zero(a) > 0.3 * total, `L1 leaves many weights at zero: ${zero(a)} of ${total}`);
  assert.ok(zero(a) > 10 * Math.max(1, zero(b)), `L1 ${zero(a)} against L2 ${zero(b)} zero weights`);
  // L2 keeps the weights small instead: its largest weight is below L1's
  assert.ok(Math.max(...kernels(b).map(Math.abs)) < Math.max(...kernels(a).map(Math.abs)));
  assert.equal(a.test.length, 31);
  assert.ok(a.test.at(-1) < a.test[0] && b.test.at(-1) < b.test[0], 'both learn');
  assert.match(await summary(page), new RegExp(`A, L1, λ = 0\\.001: ${zero(a)} of ${total} weights zero`));
  await screenshot(page, 'widget-penalties-after');
  const narrow = await open('penalties', '', { width: 390, height: 844 });
  await narrow.waitForSelector('[data-widget][data-swept="1"]');
  await screenshot(narrow, 'widget-penalties-narrow');
  assert.deepEqual([...page.errors, ...narrow.errors], []);
  await narrow.close();
  await page.close();
});

test('penalties: the two-weight L2 path is the ridge solution (XᵀX/n + λI)⁻¹Xᵀy/n, the L1 path the lasso, and L1 reaches an axis where L2 does not', async () => {
  const page = await open('penalties', '#picture=-0.3');
  await page.waitForSelector('[data-widget][data-swept="1"]');
  const { line } = await results(page);
  assert.equal(line.lambdas.length, 31);
  const m = moments(line);
  line.lambdas.forEach((lambda, i) => {
    const want = ridge(m, lambda), got = line.l2[i];
    assert.ok(Math.abs(got[0] - want[0]) < 1e-4 && Math.abs(got[1] - want[1]) < 1e-4, `L2 at λ = ${lambda}: engine ${got}, ridge ${want}`);
    // (the engine's L1 is a subgradient: near a λ where a weight reaches 0 its path lags the lasso's by a few thousandths)
    const l = lasso(m, lambda), g1 = line.l1[i];
    assert.ok(Math.abs(g1[0] - l[0]) < 1e-2 && Math.abs(g1[1] - l[1]) < 1e-2, `L1 at λ = ${lambda}: engine ${g1}, lasso ${l}`);
    l.forEach((v, j) => v === 0 && assert.ok(Math.abs(g1[j]) < 1e-3, `L1 at λ = ${lambda}: w${j + 1} = ${g1[j]} where the lasso's is 0`));
  });
  // a strength where the lasso has a weight exactly 0: the engine's L1 is within its jitter of 0, L2 keeps both
  const k = line.lambdas.findIndex((lambda) => lasso(m, lambda).some((v) => v === 0) && ridge(m, lambda).every((v) => Math.abs(v) > 0.05));
  assert.ok(k >= 0, 'some λ zeroes one L1 weight and no L2 weight');
  assert.ok(line.l1[k].some((v) => Math.abs(v) < 1e-3), `L1 at λ = ${line.lambdas[k]}: ${line.l1[k]}`);
  assert.ok(line.l2[k].every((v) => Math.abs(v) > 0.05), `L2 at λ = ${line.lambdas[k]}: ${line.l2[k]}`);
  // once zero, it stays zero as λ grows (until both are)
  for (let i = k; i < line.lambdas.length; i++) assert.ok(line.l1[i].some((v) => Math.abs(v) < 1e-3), `L1 at λ = ${line.lambdas[i]}`);
  // the picture's point is the path's at the slider's λ
  assert.ok(Math.abs(line.shown.lambda - 10 ** -0.3) < 1e-9);
  assert.deepEqual(line.shown.l2.w, line.l2[27]);
  assert.match(await summary(page), /Two-weight fit at λ = 0\.5: .*L1 \(.*\), w₂ zero; L2/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

const KEEP = (p) => Math.fround(1 / Math.fround(1 - Math.fround(p)));
// every unit's mask is 0 or exactly 1/(1 − p) in float32, and what goes on is h times it
function checkPass(pass) {
  const keep = KEEP(pass.p);
  pass.mask.forEach((m, l) => m.forEach((v, i) => {
    assert.ok(v === 0 || v === keep, `layer ${l + 1} unit ${i}: mask ${v}, expected 0 or ${keep}`);
    assert.equal(pass.d[l][i], Math.fround(pass.h[l][i] * v));
  }));
}

test('dropout: a training pass drops a share p of the units (binomial tolerance), scales the kept by exactly 1/(1 − p), and the seed fixes the mask', async () => {
  const page = await open('dropout', '#rate=0.4&seed=3');
  await screenshot(page, 'widget-dropout-before');
  const first = (await results(page)).pass;
  assert.equal(first.mode, 'training');
  checkPass(first);
  let units = 0, dropped = 0, previous = first.mask;
  for (let k = 0; k < 20; k++) {
    await page.click('[data-part="resample"]');
    const r = await results(page);
    checkPass(r.pass);
    assert.notDeepEqual(r.pass.mask, previous, 'Resample draws a new mask');
    previous = r.pass.mask;
    (units += r.units), (dropped += r.dropped);
  }
  const p = 0.4, tol = 4 * Math.sqrt((p * (1 - p)) / units);
  assert.ok(units >= 10000 && Math.abs(dropped / units - p) < tol, `dropped ${dropped} of ${units}: ${dropped / units} vs p = ${p} ± ${tol}`);
  // the same seed draws the same mask; another seed another
  await page.reload();
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  assert.deepEqual((await results(page)).pass.mask, first.mask);
  const other = await open('dropout', '#rate=0.4&seed=4');
  assert.notDeepEqual((await results(other)).pass.mask, first.mask);
  await other.close();
  // a high rate: the same exact scaling, 1/(1 − 0.75) = 4
  await page.fill('[data-part="rate"]', '0.75');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().pass.p === 0.75);
  const high = await results(page);
  checkPass(high.pass);
  assert.equal(KEEP(0.75), 4);
  assert.ok(Math.abs(high.dropped / high.units - 0.75) < 4 * Math.sqrt((0.75 * 0.25) / high.units));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('dropout: an evaluation pass drops nothing and passes values through unscaled', async () => {
  const page = await open('dropout', '#rate=0.5&pass=evaluation');
  const r = await results(page);
  assert.equal(r.pass.mode, 'evaluation');
  assert.ok(r.pass.mask.flat().every((m) => m === 1), 'every mask value 1');
  r.pass.h.forEach((h, l) => assert.deepEqual(r.pass.d[l], h));
  assert.equal(r.dropped, 0);
  assert.equal(await page.isDisabled('[data-part="resample"]'), true);
  assert.match(await summary(page), /This evaluation pass drops nothing/);
  // switched to a training pass, the same batch at the same weights: kept units are h / (1 − p)
  await page.selectOption('[data-part="pass"]', 'training');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().pass.mode === 'training');
  const t = (await results(page)).pass;
  checkPass(t);
  assert.deepEqual(t.h[0], r.pass.h[0], 'layer 1 sees the same batch (layer 2 sees layer 1 after its drops)');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('dropout: trained side by side, the network without dropout fits the 60 points closer and does worse on the test points', async () => {
  const page = await open('dropout', '#rate=0.4&steps=1200');
  await page.click('[data-part="train"]');
  await page.waitForSelector('[data-widget][data-trained="1"]', { timeout: 60000 });
  const r = await results(page);
  assert.equal(r.step, 1200);
  assert.equal(r.curves.steps.length, 1200 / 50 + 1);
  checkPass(r.pass); // the pass drawn is the last training step's own
  const { dropout, plain } = r.curves;
  assert.ok(plain.train.at(-1) < dropout.train.at(-1), `training loss: without ${plain.train.at(-1)}, with ${dropout.train.at(-1)}`);
  assert.ok(plain.test.at(-1) > dropout.test.at(-1), `test loss: without ${plain.test.at(-1)}, with ${dropout.test.at(-1)}`);
  assert.ok(dropout.train[0] === plain.train[0], 'both start from the same weights');
  await screenshot(page, 'widget-dropout-after');
  const narrow = await open('dropout', '', { width: 390, height: 844 });
  await screenshot(narrow, 'widget-dropout-narrow');
  assert.deepEqual([...page.errors, ...narrow.errors], []);
  await narrow.close();
  await page.close();
});
