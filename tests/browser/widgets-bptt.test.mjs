// widgets-bptt.test.mjs: the backpropagation-through-time widget. What it shows is the engine's;
// the checks redo the forward pass and BPTT by hand in double from the weights it reports, compare
// the unrolled net's weight gradients with the engine's fused rnn op on the same weights and
// inputs, and check that shrunken recurrent weights make the gradient vanish back through time
// while large ones do not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const open = async (hash, viewport) => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=bptt${hash}`, { viewport });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  return page;
};
const results = (page) => page.$eval('dl-widget', (el) => el.results());
const near = (a, b, what, tol = 2e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: widget ${a}, by hand ${b}`);
const nearAll = (a, b, what, tol) => (assert.equal(a.length, b.length, what), a.forEach((v, i) => near(v, b[i], `${what}[${i}]`, tol)));

// h_t = tanh(x_t Wx + h_(t-1) Wh + b), y = h_T w + c, L = (y - x_1)^2, then back through time
function byHand(r) {
  const T = r.xs.length, H = 2, Wh = (i, j) => r.Wh[i * H + j];
  const h = [[0, 0]];
  for (let t = 1; t <= T; t++) h.push([0, 1].map((j) => Math.tanh(r.xs[t - 1] * r.Wx[j] + h[t - 1][0] * Wh(0, j) + h[t - 1][1] * Wh(1, j) + r.b[j])));
  const y = h[T][0] * r.w[0] + h[T][1] * r.w[1] + r.c[0], dy = 2 * (y - r.xs[0]);
  const dh = [], delta = [], share = [], dWh = [0, 0, 0, 0], dWx = [0, 0], db = [0, 0];
  dh[T] = [dy * r.w[0], dy * r.w[1]];
  for (let t = T; t >= 1; t--) {
    delta[t] = dh[t].map((g, j) => g * (1 - h[t][j] ** 2));
    share[t] = [0, 1].flatMap((i) => [0, 1].map((j) => h[t - 1][i] * delta[t][j]));
    share[t].forEach((v, k) => (dWh[k] += v));
    [0, 1].forEach((j) => ((dWx[j] += r.xs[t - 1] * delta[t][j]), (db[j] += delta[t][j])));
    if (t > 1) dh[t - 1] = [0, 1].map((i) => delta[t][0] * Wh(i, 0) + delta[t][1] * Wh(i, 1)); // delta_t Wh^T
  }
  const norms = dh.slice(1).map((v) => Math.hypot(...v));
  return { h: h.slice(1), y, loss: (y - r.xs[0]) ** 2, dh: dh.slice(1), delta: delta.slice(1), share: share.slice(1), norms, ratio: norms[0] / norms[T - 1], grad: { Wx: dWx, Wh: dWh, b: db, w: h[T].map((v) => dy * v), c: [dy] } };
}

test('the bptt widget\'s forward values and BPTT gradients, step by step, are the ones worked by hand', async () => {
  const page = await open('#steps=5&scale=1.5&x1=-0.4&spread=0.6&lr=0.01&seed=3', { width: 1440, height: 900 });
  const r = await results(page), m = byHand(r);
  assert.equal(r.T, 5);
  assert.equal(r.xs[0], -0.4);
  assert.equal(r.target, -0.4);
  assert.ok(r.xs.slice(1).every((v) => Math.abs(v) <= 0.6) && new Set(r.xs).size === 5, `later inputs drawn in ±spread: ${r.xs}`);
  // the scaled orthogonal Wh: its columns have length 1.5 and are at right angles
  near(Math.hypot(r.Wh[0], r.Wh[2]), 1.5, '|Wh column 1|'), near(r.Wh[0] * r.Wh[1] + r.Wh[2] * r.Wh[3], 0, 'Wh columns at right angles');
  r.h.forEach((v, t) => nearAll(v, m.h[t], `h${t + 1}`));
  near(r.y, m.y, 'y'), near(r.loss, m.loss, 'loss');
  r.dh.forEach((v, t) => nearAll(v, m.dh[t], `dL/dh${t + 1}`));
  r.delta.forEach((v, t) => nearAll(v, m.delta[t], `delta${t + 1}`));
  r.share.forEach((v, t) => nearAll(v, m.share[t], `step ${t + 1}'s share of dL/dWh`));
  nearAll(r.share[0], [0, 0, 0, 0], 'step 1 adds nothing (h0 = 0)', 0);
  nearAll(r.norms, m.norms, '‖dL/dh‖'), near(r.ratio, m.ratio, 'ratio');
  for (const k of ['Wx', 'Wh', 'b', 'w', 'c']) nearAll(r.grad[k], m.grad[k], `dL/d${k}`);
  for (const k of ['Wx', 'Wh', 'b', 'w', 'c']) nearAll(r.after[k], r[k].map((v, i) => v - 0.01 * r.grad[k][i]), `updated ${k}`);
  assert.match(r.summary, new RegExp(`‖∂L/∂h₁‖ / ‖∂L/∂h₅‖ = .* = ${r.ratio.toPrecision(3)}`));

  // the phases: forward 5 steps, the loss, back 5 steps, the update; the text carries the engine's numbers
  assert.equal(r.phases, 13);
  const next = () => page.click('[data-part="next"]'), math = () => page.textContent('[data-part="math"]');
  for (let k = 0; k < 2; k++) await next();
  assert.match(await math(), new RegExp(`h₂ = tanh\\(x₂ Wx \\+ h₁ Wh \\+ b\\)\\nunit 1: .* = ${r.h[1][0].toFixed(3)}`));
  for (let k = 0; k < 6; k++) await next(); // backward, step 4
  assert.match(await math(), new RegExp(`∂L/∂h₄ = \\(∂L/∂h₅ ⊙ \\(1 − h₅²\\)\\) Whᵀ = .* = \\(${r.dh[3].map((v) => v.toFixed(3)).join(', ')}\\)`));
  assert.match(await page.getAttribute('canvas', 'aria-label'), new RegExp(`step 4: ${r.norms[3].toPrecision(3)}, step 5: ${r.norms[4].toPrecision(3)}`));
  for (let k = 0; k < 3; k++) await next(); // backward, step 1: the shares summed are the engine's dL/dWh
  const sum = r.grad.Wh.map((v) => v.toFixed(3));
  assert.match(await math(), new RegExp(`∂L/∂Wh = the sum of all 5 shares = \\[\\[${sum[0]}, ${sum[1]}\\], \\[${sum[2]}, ${sum[3]}\\]\\]`));
  await screenshot(page, 'widget-bptt-backward-1440');
  await next();
  assert.equal(await page.isDisabled('[data-part="next"]'), true);
  assert.match(await math(), /w ← w − 0\.01 · ∂L\/∂w/);
  // the step taken: the new weights, and a lower loss
  await page.click('[data-part="again"]');
  const r2 = await results(page);
  assert.equal(r2.steps, 1);
  assert.deepEqual(r2.Wh, r.after.Wh);
  assert.ok(r2.loss < r.loss, `the loss falls: ${r.loss} then ${r2.loss}`);
  await screenshot(page, 'widget-bptt-after-step-1440');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the unrolled net\'s weight gradients are those of the engine\'s fused rnn op on the same weights and inputs', async () => {
  const page = await open('#steps=6&scale=1.2&x1=0.7&spread=0.5&seed=11');
  const r = await results(page);
  const fused = await page.evaluate(async (r) => {
    const { sharedEngine } = await import('/js/widgets/frame.mjs');
    const dl = await sharedEngine(), T = r.xs.length, g = dl.graph(1);
    const x = g.input('x', [T, 1]), t = g.input('t', [1]);
    const p = { Wx: g.param('Wx', [1, 2]), Wh: g.param('Wh', [2, 2]), b: g.param('b', [2]), w: g.param('w', [2, 1]), c: g.param('c', [1]) };
    const hs = g.op('rnn', [x, p.Wx, p.Wh, p.b]), hT = g.op('select', [hs], { ints: [1, T - 1] });
    const loss = g.op('mse', [g.op('dense', [hT, p.w, p.c]), t]);
    g.plan(1).setBatch(1).setValue(x, r.xs).setValue(t, [r.xs[0]]);
    for (const k in p) g.setValue(p[k], r[k]);
    g.forward(loss);
    const out = { h: [...g.value(hs)], loss: g.value(loss)[0] };
    g.backward(loss);
    for (const k in p) out[k] = [...g.grad(p[k])];
    g.dispose();
    return out;
  }, r);
  near(fused.loss, r.loss, 'loss');
  nearAll(fused.h, r.h.flat(), 'h, every step');
  for (const k of ['Wx', 'Wh', 'b', 'w', 'c']) nearAll(r.grad[k], fused[k], `dL/d${k}, unrolled vs fused`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a recurrent weight scale of 0.25 makes the gradient vanish back through time, and 3 does not', async () => {
  const page = await open('', { width: 1440, height: 900 });
  const base = await results(page);
  assert.equal(base.T, 4);
  const setScale = async (v) => {
    const before = await page.$eval('[data-widget]', (el) => el.dataset.settings ?? '0');
    await page.fill('[data-part="scale"]', String(v)); // (a range: fill sets it and fires input)
    await page.waitForFunction((b) => document.querySelector('dl-widget').shadowRoot.querySelector('[data-widget]').dataset.settings !== b, before);
    return results(page);
  };
  const small = await setScale(0.25);
  // each step back multiplies the size by at most 0.25 · max(1 − h²) ≤ 0.25, three steps back from h4
  assert.ok(small.ratio <= 0.25 ** 3 + 1e-6, `ratio at scale 0.25: ${small.ratio}`);
  small.norms.slice(1).forEach((n, t) => assert.ok(small.norms[t] < n, `‖dL/dh${t + 1}‖ < ‖dL/dh${t + 2}‖ at scale 0.25`));
  near(small.ratio, byHand(small).ratio, 'ratio at 0.25');
  assert.match(small.summary, /the gradient vanishes on its way back/);
  const large = await setScale(3);
  assert.ok(large.ratio > 1, `ratio at scale 3: ${large.ratio}`);
  near(large.ratio, byHand(large).ratio, 'ratio at 3');
  assert.doesNotMatch(large.summary, /vanishes|shrinks/);
  assert.match(large.summary, /the gradient (grows|explodes) on its way back/);
  for (let k = 0; k < 10; k++) await page.click('[data-part="next"]'); // to the update: every bar drawn
  await screenshot(page, 'widget-bptt-scale3-1440');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the bptt widget fits a phone screen', async () => {
  const page = await open('#steps=8', { width: 390, height: 844 });
  await screenshot(page, 'widget-bptt-phone-start');
  for (let k = 0; k < 12; k++) await page.click('[data-part="next"]');
  await screenshot(page, 'widget-bptt-phone-backward');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling: ${overflow}px`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
