// widgets-interpret.test.mjs: the adversarial and class-max widgets, which train a small digit
// classifier in the page and then change an input along the engine's gradient. The checks redo
// one step of each in double precision here, from the gradient the engine gives for the same
// input and the same model, and check the attack's box (ε, [0, 1]) and what each run achieves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const results = (page) => page.$eval('dl-widget', (el) => el.results());
const summary = (page) => page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent);
const finished = (page, extra = 'true') => page.waitForFunction(`(() => { const r = document.querySelector('dl-widget').results(); return r?.done && (${extra}); })()`, null, { timeout: 90000 });

// the engine's d(loss toward `label`)/d(pixel) for image x, from the page's shared model for the seed
function engineGradient(page, x, label, seed = 1) {
  return page.evaluate(async ({ x, label, seed }) => {
    const { sharedEngine } = await import('./js/widgets/frame.mjs');
    const { mnistNet } = await import('./js/widgets/mnist-net.mjs');
    const net = mnistNet(await sharedEngine(), seed);
    try {
      return [...net.model.inputGradient(Float32Array.from(x), [label])];
    } finally {
      net.release();
    }
  }, { x, label, seed });
}

const clip = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('adversarial: each step is x − α·sign(∇) clipped to the ε-box and [0, 1], and the default attack reaches its target', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=adversarial`, { viewport: { width: 1440, height: 900 }, requests: true });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  await screenshot(page, 'interpret-adversarial-before');
  await finished(page);
  let r = await results(page);
  await screenshot(page, 'interpret-adversarial-after');
  const eps = 0.2, alpha = 0.01;
  assert.equal(r.step, 40);
  assert.ok(r.accuracy > 0.9, `the classifier reads ${r.accuracy} of the test digits`);

  // the perturbation stays in the ε-box and the image in [0, 1]; the norms are those of x − x0
  let linf = 0, l2 = 0;
  r.adversarial.forEach((v, i) => {
    assert.ok(v >= 0 && v <= 1, `pixel ${i} = ${v}`);
    linf = Math.max(linf, Math.abs(v - r.x0[i]));
    l2 += (v - r.x0[i]) ** 2;
  });
  assert.ok(linf <= eps + 1e-6, `L∞ ${linf}`);
  assert.ok(Math.abs(r.linf - linf) < 1e-9 && Math.abs(r.l2 - Math.sqrt(l2)) < 1e-6);

  // the last step, redone from the engine's gradient at its starting image
  const { from, to } = r.last, g = await engineGradient(page, from, r.target);
  const expected = from.map((v, i) => clip(clip(v - alpha * Math.sign(g[i]), r.x0[i] - eps, r.x0[i] + eps), 0, 1));
  assert.ok(maxDiff(expected, to) < 1e-6, `step differs by ${maxDiff(expected, to)}`);
  assert.ok(to.filter((v, i) => Math.abs(Math.abs(v - from[i]) - alpha) < 1e-6).length > 50, 'the step moves many pixels by α');

  // the default attack turns most of a few digits into the target, 3
  assert.equal(r.predictedBefore, r.label);
  const hits = [r.predictedAfter === 3];
  assert.match(await summary(page), new RegExp(`model says ${r.predictedBefore} .* it says ${r.predictedAfter} .*L∞.*L2`));
  for (const digit of [1, 2, 4]) {
    await page.fill('[data-part="digit"]', String(digit));
    await page.dispatchEvent('[data-part="digit"]', 'change'); // (a number field commits on change)
    await finished(page, `r.digit === ${digit}`);
    r = await results(page);
    assert.ok(r.linf <= eps + 1e-6);
    hits.push(r.predictedAfter === 3 && r.pTarget > 0.5);
  }
  assert.ok(hits.filter(Boolean).length >= 3, `targeted hits: ${hits}`);

  // one step with α = ε is FGSM: every pixel moves by ε or is stopped at 0 or 1
  await page.fill('[data-part="steps"]', '1');
  await page.fill('[data-part="alpha"]', '0.2');
  await finished(page, 'r.step === 1 && r.alpha === 0.2');
  r = await results(page);
  r.adversarial.forEach((v, i) => assert.ok(Math.abs(Math.abs(v - r.x0[i]) - eps) < 1e-6 || v === 0 || v === 1 || v === r.x0[i]));
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'interpret-adversarial-phone');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// the test's own blur: a share b of the [1 2 1]x[1 2 1] average, renormalized at the edges
function blur(x, b) {
  return x.map((v, o) => {
    const i = Math.floor(o / 28), j = o % 28;
    let sum = 0, weight = 0;
    for (let di = -1; di <= 1; di++)
      for (let dj = -1; dj <= 1; dj++) {
        if (i + di < 0 || j + dj < 0 || i + di > 27 || j + dj > 27) continue;
        const k = (2 - Math.abs(di)) * (2 - Math.abs(dj));
        sum += k * x[(i + di) * 28 + j + dj];
        weight += k;
      }
    return (1 - b) * v + (b * sum) / weight;
  });
}
const roughness = (x) => x.reduce((a, v, o) => a + (o % 28 < 27 ? Math.abs(v - x[o + 1]) : 0) + (o < 756 ? Math.abs(v - x[o + 28]) : 0), 0);
const mean = (x) => x.reduce((a, v) => a + v, 0) / x.length;

test('class-max: the image follows the engine\'s gradient, the class\'s probability rises, and decay and blur change the image', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=class-max`, { viewport: { width: 1440, height: 900 }, requests: true });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  await screenshot(page, 'interpret-class-max-before');
  await finished(page);
  const r = await results(page);
  await screenshot(page, 'interpret-class-max-after');
  assert.equal(r.class, 3);
  assert.ok(r.first[3] < 0.5 && r.pClass > 0.95, `p(3) from ${r.first[3]} to ${r.pClass}`);
  assert.ok(r.p.every((p) => p > 0.9), `each class's own image: ${r.p}`);
  assert.match(await summary(page), /p\(3\) went from 0\.\d+ to (0\.9\d\d|1\.000)/);

  // the last step from the engine's gradient: x − α(g / max|g| + λx), blurred by 0.3, in [0, 1]
  const { from, to } = r.last, g = await engineGradient(page, from, 3);
  const top = Math.max(...g.map(Math.abs));
  const expected = blur(from.map((v, i) => v - 0.05 * (g[i] / top + 0.1 * v)), 0.3).map((v) => clip(v, 0, 1));
  assert.ok(maxDiff(expected, to) < 1e-5, `step differs by ${maxDiff(expected, to)}`);
  assert.ok(maxDiff(from, to) > 1e-3, 'the step changes the image');

  // without decay and blur the image is rougher and holds more ink; with them it is smoother and paler
  await page.fill('[data-part="decay"]', '0');
  await page.fill('[data-part="blur"]', '0');
  await finished(page, 'r.decay === 0 && r.blur === 0');
  const bare = await results(page);
  assert.ok(bare.pClass > 0.95);
  assert.ok(roughness(bare.image) > 1.3 * roughness(r.image), `roughness ${roughness(bare.image)} vs ${roughness(r.image)}`);
  assert.ok(mean(bare.image) > mean(r.image) + 0.05, `mean ${mean(bare.image)} vs ${mean(r.image)}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'interpret-class-max-phone');
  assert.deepEqual(page.errors, []);
  await page.close();
});
