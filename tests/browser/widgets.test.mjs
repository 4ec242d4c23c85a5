// widgets.test.mjs: the concept widgets and the ways a teacher embeds dlplay. Each widget opens as
// a page (widget.html) and in the iframe form (embed.html), with a screenshot of each in
// build/screenshots/. The elements: hide= hides what it names, two elements on one page train
// independently, one scrolled out of view pauses, and the iframe's postMessage interface
// round-trips a configuration. The widgets' figures come from the engine: the checks compare
// what they show with the formulas.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';
import { WIDGETS } from '../../web/js/widgets/index.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

// A host page of the test's own (served at /host.html by the route), loading the elements as a course page does.
async function openHost(body, { viewport = { width: 1280, height: 900 } } = {}) {
  const page = await openPage(env.browser, 'about:blank', { viewport });
  await page.route(`${env.base}/host.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title>
      <script type="module" src="js/embed/elements.mjs"></script></head><body><main>${body}</main></body></html>`,
  }));
  await page.goto(`${env.base}/host.html`);
  return page;
}

const summary = (page, sel = 'dl-widget') => page.$eval(sel, (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent);

for (const kind of Object.keys(WIDGETS)) {
  test(`the ${kind} widget opens as a page and shows its figures as text`, async () => {
    const page = await openPage(env.browser, `${env.base}/widget.html?kind=${kind}`, { requests: true });
    await page.waitForSelector('[data-widget][data-engine="ready"]');
    assert.notEqual(await summary(page), '');
    await screenshot(page, `widget-${kind}-page`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

// Every kind is embedded as an element on the course page (pages.test.mjs and a11y.test.mjs open
// it, and a Node test keeps every kind on it); the iframe form wraps the same element, so it is
// opened for kinds that load differently: plain, image data, a graph, a text corpus.
test('the iframe form shows widgets that load in each way, with their figures as text', async () => {
  const kinds = ['activation', 'augment', 'gcn', 'skip-gram'];
  const framed = await openHost(kinds.map((k) => `<p>Lesson text above.</p><iframe title="${k}" src="embed.html?kind=${k}" style="width: 720px; height: 620px; border: 1px solid #ccc"></iframe>`).join('\n'));
  for (const k of kinds) {
    const frame = framed.frameLocator(`iframe[title="${k}"]`);
    await frame.locator('[data-widget][data-engine="ready"]').waitFor();
    assert.notEqual(await frame.locator('[data-part="summary"]').textContent(), '', k);
    await framed.locator(`iframe[title="${k}"]`).screenshot({ path: new URL(`../../build/screenshots/widget-${k}-iframe.png`, import.meta.url).pathname });
  }
  assert.deepEqual(framed.errors, []);
  await framed.close();
});

test('the activation widget draws the engine\'s softplus with its beta: f(0) = ln 2 / beta, f\'(0) = 1/2', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=activation#activation=softplus&beta=2`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  assert.match(await summary(page), /f\(0\) = 0\.347, f′\(0\) = 0\.500/);
  // a learner's change goes through the control to the engine and into the address
  await page.fill('[data-part="beta"]', '4'); // (a range: fill sets it and fires input)
  await page.waitForFunction(() => /f\(0\) = 0\.173/.test(document.querySelector('dl-widget').shadowRoot.querySelector('[data-part="summary"]').textContent));
  assert.match(page.url(), /#activation=softplus&beta=4$/);
  await page.selectOption('[data-part="activation"]', 'tanh');
  await page.waitForFunction(() => /f′\(0\) = 1\.000/.test(document.querySelector('dl-widget').shadowRoot.querySelector('[data-part="summary"]').textContent));
  assert.equal(await page.isVisible('[data-control="beta"]'), false, 'beta shows only for Swish and softplus');
  await page.close();
});

test('hide= hides the named controls of a widget and of a playground, and only those', async () => {
  const page = await openHost(`<dl-widget kind="activation" hide="compare,range"></dl-widget>
    <dl-playground settings="dataset=xor" hide="optimizer,lr,share"></dl-playground>`);
  await page.waitForSelector('dl-widget [data-engine="ready"]');
  await page.waitForSelector('dl-playground [data-engine="ready"]');
  const shown = (sel) => page.isVisible(sel);
  assert.equal(await shown('dl-widget [data-control="compare"]'), false);
  assert.equal(await shown('dl-widget [data-control="range"]'), false);
  assert.equal(await shown('dl-widget [data-control="activation"]'), true);
  assert.equal(await shown('dl-playground [data-part="optimizer"]'), false);
  assert.equal(await shown('dl-playground [data-part="lr"]'), false);
  assert.equal(await shown('dl-playground [data-part="share"]'), false);
  assert.equal(await shown('dl-playground [data-part="batch"]'), true);
  assert.equal(await shown('dl-playground [data-part="start"]'), true);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('two playground elements on one page train independently, and one out of view pauses', async () => {
  const page = await openHost(`<dl-playground id="a" settings="dataset=xor&preset=perceptron&epochs=1000&seed=3"></dl-playground>
    <div style="height: 3000px"></div>
    <dl-playground id="b" settings="dataset=circles&preset=mlp&epochs=1000&seed=4"></dl-playground>`);
  await page.waitForSelector('#a [data-engine="ready"]');
  await page.waitForSelector('#b [data-engine="ready"]');
  const results = (id) => page.$eval(`#${id}`, (el) => el.results());
  await page.$eval('#a', (el) => el.start());
  await page.waitForFunction(() => document.querySelector('#a').results().epochs > 2);
  // b is below the fold: it has not started; a runs alone
  assert.equal((await results('b')).training, 'idle');
  // started out of view, b waits until it is seen
  await page.waitForSelector('#b[data-visible="no"]');
  await page.$eval('#b', (el) => el.start());
  await page.waitForTimeout(1000);
  assert.deepEqual(await results('b'), { kind: 'playground', training: 'idle', epochs: 0 });
  // scrolled into view, b trains; a, now out of view, pauses at its epoch
  await page.$eval('#b', (el) => el.scrollIntoView());
  await page.waitForFunction(() => document.querySelector('#b').results().training === 'running' && document.querySelector('#a').results().training === 'paused');
  const a = await results('a');
  await page.waitForFunction(() => document.querySelector('#b').results().epochs > 2);
  assert.equal((await results('a')).epochs, a.epochs, 'a paused out of view');
  const b = await results('b');
  assert.ok(a.valAccuracy !== b.valAccuracy || a.loss !== b.loss, JSON.stringify({ a, b }));
  await page.$eval('#b', (el) => el.stop());
  await page.waitForFunction(() => document.querySelector('#b').results().training === 'paused');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('two race widgets on one page run apart: starting one leaves the other where it was', async () => {
  const page = await openHost(`<dl-widget id="r1" kind="optimizer-race" settings="surface=bowl&steps=60"></dl-widget>
    <dl-widget id="r2" kind="optimizer-race" settings="surface=ravine&steps=60"></dl-widget>`, { viewport: { width: 1280, height: 3000 } });
  await page.waitForSelector('#r1 [data-engine="ready"]');
  await page.waitForSelector('#r2 [data-engine="ready"]');
  await page.$eval('#r1', (el) => el.start());
  await page.waitForFunction(() => document.querySelector('#r1').results().step === 60);
  const r1 = await page.$eval('#r1', (el) => el.results()), r2 = await page.$eval('#r2', (el) => el.results());
  assert.equal(r2.step, 0);
  // on the bowl x² + y² from (-1.5, 1.6) at rate 0.05, plain SGD shrinks each weight by (1 - 2 * 0.05) a step
  const sgd = r1.racers.find((r) => r.name === 'sgd');
  assert.ok(Math.abs(sgd.x - -1.5 * 0.9 ** 60) < 1e-4 && Math.abs(sgd.y - 1.6 * 0.9 ** 60) < 1e-4, JSON.stringify(sgd));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the iframe\'s postMessage interface round-trips a configuration, starts, stops and reports results', async () => {
  const page = await openHost(`<iframe title="race" src="embed.html?kind=optimizer-race" style="width: 800px; height: 700px"></iframe>
    <script>
      window.answers = [];
      addEventListener('message', (e) => window.answers.push(e.data));
      window.ask = (m) => new Promise((resolve) => {
        const id = Math.random();
        const on = (e) => { if (e.data.id === id) { removeEventListener('message', on); resolve(e.data); } };
        addEventListener('message', on);
        document.querySelector('iframe').contentWindow.postMessage({ ...m, id }, '*');
      });
    </script>`);
  await page.waitForFunction(() => window.answers.some((a) => a.dlplay === 'ready'));
  const preset = { kind: 'optimizer-race', title: 'Saddle', settings: { surface: 'saddle', lr: 0.02, optimizers: ['sgd', 'adam'], steps: 40, speed: 2, seed: 9, hide: ['speed'] } };
  const set = await page.evaluate((p) => window.ask({ dlplay: 'configure', preset: p }), preset);
  assert.equal(set.error, undefined, set.error);
  const got = await page.evaluate(() => window.ask({ dlplay: 'config' }));
  assert.deepEqual(got.config, preset);
  const frame = page.frameLocator('iframe');
  assert.equal(await frame.locator('[data-part="title"]').textContent(), 'Saddle');
  assert.equal(await frame.locator('[data-control="speed"]').isVisible(), false);
  await page.evaluate(() => window.ask({ dlplay: 'start' }));
  await page.waitForFunction(async () => (await window.ask({ dlplay: 'results' })).results.step === 40);
  const { results } = await page.evaluate(() => window.ask({ dlplay: 'results' }));
  assert.deepEqual(results.racers.map((r) => r.name), ['sgd', 'adam']);
  // a bad preset is refused with its problems, and the widget keeps the configuration it had
  const bad = await page.evaluate(() => window.ask({ dlplay: 'configure', preset: { kind: 'optimizer-race', settings: { surface: 'moon', steps: 0 } } }));
  assert.deepEqual(bad.problems, ["settings.surface: expected one of bowl, ravine, rosenbrock, saddle", 'settings.steps: outside [10, 5000]']);
  assert.deepEqual((await page.evaluate(() => window.ask({ dlplay: 'config' }))).config, preset);
  const unknown = await page.evaluate(() => window.ask({ dlplay: 'launch' }));
  assert.match(unknown.error, /unknown request 'launch'/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a preset file that is broken shows its problems in the element, and the page works on', async () => {
  const page = await openHost(`<dl-widget id="bad" preset="nothing-here"></dl-widget><dl-widget id="good" preset="saturation"></dl-widget>`);
  await page.waitForSelector('#bad[data-state="error"]');
  assert.match(await page.textContent('#bad .dl-error'), /preset nothing-here is not valid: could not be read \(the server answered 404\)/);
  await page.waitForSelector('#good [data-engine="ready"]');
  assert.equal(await page.textContent('#good [data-part="title"]'), 'Where sigmoid stops learning');
  assert.equal(await page.isVisible('#good [data-control="compare"]'), false);
  await page.close();
});

test('the perceptron widget steps by the rule: a wrong sample moves w by lr t x, a right one nothing; two clusters converge, XOR never does', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=perceptron#lr=0.5&points=30`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  let wrong = 0, right = 0;
  for (let k = 0; k < 60 && !(wrong && right); k++) {
    await page.click('[data-part="step"]');
    const r = await page.$eval('dl-widget', (el) => el.results());
    if (r.converged) break;
    const { before, after, x, t } = r.last;
    const want = r.last.wrong ? [before.w[0] + 0.5 * t * x[0], before.w[1] + 0.5 * t * x[1], before.b + 0.5 * t] : [before.w[0], before.w[1], before.b];
    [...after.w, after.b].forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `step ${k}: ${JSON.stringify(r.last)}`));
    r.last.wrong ? wrong++ : right++;
  }
  assert.ok(wrong && right, `saw ${wrong} wrong and ${right} right samples`);
  await page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="speed"]').value = '60');
  await page.click('[data-part="run"]');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().converged, null, { timeout: 20000 });
  assert.match(await summary(page), /Converged: epoch \d+ had no mistakes/);
  await page.selectOption('[data-part="data"]', 'xor');
  await page.click('[data-part="run"]');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().epoch >= 3, null, { timeout: 20000 });
  assert.equal((await page.$eval('dl-widget', (el) => el.results())).converged, false);
  assert.match(await summary(page), /Epoch \d+: \d+ mistakes/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the softmax widget gives softmax(z / T), its cross-entropy and the gradient p - y / T from the engine', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=softmax#temperature=2&target=B`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const r = await page.$eval('dl-widget', (el) => el.results());
  const z = [2, 1, 0.5, -1, -2].map((v) => v / 2), e = z.map(Math.exp), sum = e.reduce((a, b) => a + b), p = e.map((v) => v / sum);
  p.forEach((v, i) => {
    assert.ok(Math.abs(r.probabilities[i] - v) < 1e-6);
    assert.ok(Math.abs(r.gradient[i] - (v - (i === 1)) / 2) < 1e-6, `gradient ${i}`);
  });
  assert.ok(Math.abs(r.loss + Math.log(p[1])) < 1e-5);
  await page.fill('[data-part="temperature"]', '0.05');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().probabilities[0] > 0.999);
  assert.equal(await page.locator('.bc-row, [data-part="bars"] li').count() > 0, true);
  await page.close();
});

test('the losses widget reads each loss and its gradient off the engine: BCE, MSE, hinge, perceptron', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=losses`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const at = async (x) => (await page.$eval('dl-widget', (el) => el.results())).at.find((r) => Math.abs(r.x - x) < 1e-9);
  const near = (a, b, what) => assert.ok(Math.abs(a - b) < 0.02, `${what}: ${a} vs ${b}`);
  let r = await at(0.5); // -ln p at p = 0.5 with q = 1; gradient -1/p
  near(r.loss, Math.log(2), 'bce'), near(r.gradient, -2, 'bce gradient');
  await page.selectOption('[data-part="loss"]', 'mse');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().loss === 'mse');
  r = await at(0.5);
  near(r.loss, 0.25, 'mse'), near(r.gradient, -1, 'mse gradient');
  await page.selectOption('[data-part="loss"]', 'hinge');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().loss === 'hinge');
  r = await at(0);
  near(r.loss, 1, 'hinge'), near(r.gradient, -1, 'hinge gradient');
  r = await at(2);
  near(r.loss, 0, 'hinge past the margin'), near(r.gradient, 0, 'hinge gradient past the margin');
  await page.selectOption('[data-part="loss"]', 'perceptron');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().loss === 'perceptron');
  r = await at(-1);
  near(r.loss, 1, 'perceptron'), near(r.gradient, -1, 'perceptron gradient');
  r = await at(1);
  near(r.loss, 0, 'perceptron, right side');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the schedules widget draws the engine\'s rates, shows only the options a schedule takes, and trains at exactly those rates', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=schedules#schedule=step&step_size=100&gamma=0.5&steps=300`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const r = await page.$eval('dl-widget', (el) => el.results());
  assert.equal(r.rates.length, 300);
  for (const t of [0, 99, 100, 250, 299]) assert.ok(Math.abs(r.rates[t] - 0.1 * 0.5 ** Math.floor(t / 100)) < 1e-7, `rate at ${t}: ${r.rates[t]}`);
  const visible = async (n) => page.isVisible(`[data-control="${n}"]`);
  assert.deepEqual(await Promise.all(['step_size', 'gamma', 'warmup', 'period', 'pct', 'patience'].map(visible)), [true, true, true, false, false, false]);
  await page.selectOption('[data-part="schedule"]', 'cosine');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().schedule === 'cosine');
  assert.deepEqual(await Promise.all(['step_size', 'gamma', 'period', 't_mult', 'lr_min'].map(visible)), [false, false, true, true, true]);
  const cos = await page.$eval('dl-widget', (el) => el.results());
  assert.ok(Math.abs(cos.rates[75] - 0.05 * (1 + Math.cos((Math.PI * 75) / 300))) < 1e-6, `cosine at 75: ${cos.rates[75]}`);
  await page.click('[data-part="train"]');
  await page.waitForSelector('[data-widget][data-trained="1"]');
  const { trained } = await page.$eval('dl-widget', (el) => el.results());
  assert.equal(trained.lr.length, 300);
  trained.lr.forEach((v, t) => assert.ok(Math.abs(v - cos.rates[t]) <= 1e-6 * cos.rates[0], `step ${t}: trained at ${v}, schedule ${cos.rates[t]}`));
  const mean = (a) => a.reduce((x, y) => x + y) / a.length;
  assert.ok(mean(trained.loss.slice(-50)) < mean(trained.loss.slice(0, 50)), 'the loss falls');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the range test sweeps the rate geometrically with the engine\'s exponential schedule: the loss falls, then blows up', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=lr-range`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  await page.click('[data-part="run"]');
  await page.waitForSelector('[data-widget][data-swept="1"]');
  const r = await page.$eval('dl-widget', (el) => el.results());
  const gamma = (10 / 1e-4) ** (1 / 399);
  for (let i = 1; i < r.lr.length; i++) assert.ok(Math.abs(r.lr[i] / r.lr[i - 1] - gamma) < 1e-4, `ratio at ${i}`);
  assert.ok(Math.abs(r.lr[0] - 1e-4) < 1e-9);
  assert.ok(r.minAt > 1e-3 && r.minAt < 1, `lowest loss at rate ${r.minAt}`);
  assert.ok(r.diverged || r.smooth.at(-1) > 3 * r.minLoss, `no blow-up at the high end: ${r.smooth.at(-1)} vs ${r.minLoss}`);
  assert.ok(r.smooth[0] > 2 * r.minLoss, 'the loss falls first');
  assert.equal(r.suggested, r.minAt / 10);
  assert.match(await summary(page), /a rate to try: a tenth of that/);
  await page.close();
});

test('the convolution arithmetic widget takes its sizes from the engine: valid, same, full, explicit, stride, dilation and transposed', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=conv-arithmetic`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const set = async (hash) => {
    await page.$eval('dl-widget', (el, h) => el.configure({ kind: 'conv-arithmetic', settings: Object.fromEntries(new URLSearchParams(h)) }), hash);
    await page.waitForSelector('dl-widget[data-state="ready"] [data-engine="ready"]');
    return page.$eval('dl-widget', (el) => el.results());
  };
  const out = (n, k, p, s, d) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  const num = (h) => Object.fromEntries([...new URLSearchParams(h)].map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v]));
  const cases = [
    ['input=7&kernel=3&padding=valid', out(7, 3, 0, 1, 1)],
    ['input=7&kernel=3&padding=full', out(7, 3, 2, 1, 1)],
    ['input=8&kernel=3&padding=explicit&pad=2&stride=3', out(8, 3, 2, 3, 1)],
    ['input=9&kernel=3&padding=valid&dilation=2', out(9, 3, 0, 1, 2)],
    ['input=9&kernel=3&padding=full&dilation=3', out(9, 3, 6, 1, 3)],
    ['input=7&kernel=4&padding=same&stride=2', Math.ceil(7 / 2)],
    ['input=7&kernel=3&padding=same&stride=1&dilation=2', 7],
  ];
  for (const [h, want] of cases) {
    const r = await page.$eval('dl-widget', async (el, s) => (await el.configure({ kind: 'conv-arithmetic', settings: s }), el.results()), num(h));
    assert.deepEqual(r.out, [want, want], h);
  }
  // an all-ones kernel sums the window: valid 3 x 3 on 1..25 at (0, 0) is 1+2+3+6+7+8+11+12+13
  let r = await page.$eval('dl-widget', async (el) => (await el.configure({ kind: 'conv-arithmetic', settings: { input: 5, kernel: 3, padding: 'valid' } }), el.results()));
  assert.equal(r.values[0], 63);
  // dilation 2 on 1..25: the taps are the corners, edge midpoints and centre of the 5 x 5
  r = await page.$eval('dl-widget', async (el) => (await el.configure({ kind: 'conv-arithmetic', settings: { input: 5, kernel: 3, padding: 'valid', dilation: 2 } }), el.results()));
  assert.deepEqual(r.out, [1, 1]);
  assert.equal(r.values[0], 1 + 3 + 5 + 11 + 13 + 15 + 21 + 23 + 25);
  // transposed: (n - 1) s - 2p + k
  r = await page.$eval('dl-widget', async (el) => (await el.configure({ kind: 'conv-arithmetic', settings: { input: 4, kernel: 3, stride: 2, padding: 'valid', transposed: true } }), el.results()));
  assert.deepEqual(r.out, [9, 9]);
  assert.match(await summary(page), /output 9×9/);
  assert.match(await page.textContent('[data-part="formula"]'), /= 9/);
  // a kernel that spans more than the input is refused by the engine, in words
  r = await page.$eval('dl-widget', async (el) => (await el.configure({ kind: 'conv-arithmetic', settings: { input: 4, kernel: 3, padding: 'valid', dilation: 3 } }), el.results()));
  assert.match(r.error, /dilation 3x3 spans 7x7, larger than the 4x4 input/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the metrics widget counts the confusion matrix at the threshold, and its ROC area is the chance a positive outranks a negative', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=metrics#positives=0.2`);
  await page.waitForSelector('[data-widget][data-trained="1"]');
  let r = await page.$eval('dl-widget', (el) => el.results());
  const count = (t) => {
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    r.probabilities.forEach((p, i) => c[p >= t ? (r.labels[i] ? 'tp' : 'fp') : r.labels[i] ? 'fn' : 'tn']++);
    return c;
  };
  assert.deepEqual({ tp: r.tp, fp: r.fp, fn: r.fn, tn: r.tn }, count(0.5));
  assert.ok(Math.abs(r.precision - r.tp / (r.tp + r.fp)) < 1e-12 && Math.abs(r.recall - r.tp / (r.tp + r.fn)) < 1e-12);
  assert.ok(Math.abs(r.f1 - (2 * r.precision * r.recall) / (r.precision + r.recall)) < 1e-12);
  // AUC = P(score of a positive > score of a negative), ties counting half (Mann-Whitney)
  let wins = 0, pairs = 0;
  r.probabilities.forEach((p, i) => r.labels[i] && r.probabilities.forEach((q, j) => !r.labels[j] && (pairs++, (wins += p > q ? 1 : p === q ? 0.5 : 0))));
  assert.ok(Math.abs(r.auc - wins / pairs) < 1e-9, `AUC ${r.auc} vs ${wins / pairs}`);
  assert.ok(r.auc > 0.8, `a model that learned something: AUC ${r.auc}`);
  assert.ok(r.positives > 30 && r.positives < 90, `about 20% of 300 are positive: ${r.positives}`);
  // a lower threshold calls more points positive: recall up, precision (here) down
  await page.fill('[data-part="threshold"]', '0.1');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().threshold === 0.1);
  const low = await page.$eval('dl-widget', (el) => el.results());
  assert.deepEqual({ tp: low.tp, fp: low.fp, fn: low.fn, tn: low.tn }, count(0.1));
  assert.ok(low.recall >= r.recall && low.tp + low.fp > r.tp + r.fp);
  assert.match(await summary(page), /Threshold 0\.1: TP \d+/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the init-flow widget reads the engine\'s gradients per layer: small sigmoid weights vanish, He with ReLU holds, zeros give none, batch norm brings them back', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=init-flow#init=small&activation=sigmoid`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const layers = async (settings) => {
    await page.$eval('dl-widget', (el, s) => el.configure({ kind: 'init-flow', settings: s }), settings);
    await page.waitForSelector('dl-widget[data-state="ready"] [data-engine="ready"]');
    return (await page.$eval('dl-widget', (el) => el.results())).layers;
  };
  let l = await layers({ init: 'small', activation: 'sigmoid' });
  assert.equal(l.length, 10);
  assert.ok(l[0].gradNorm < 1e-9 * l[9].gradNorm, `vanishing: layer 1 ${l[0].gradNorm}, layer 10 ${l[9].gradNorm}`);
  l = await layers({ init: 'he', activation: 'relu' });
  assert.ok(l[0].gradNorm > 0.01 * l[9].gradNorm && l[0].gradNorm < 100 * l[9].gradNorm, `He and ReLU: ${l[0].gradNorm} vs ${l[9].gradNorm}`);
  assert.ok(l.every((x) => x.std > 0.05), 'the signal keeps its spread');
  l = await layers({ init: 'zeros', activation: 'tanh' });
  assert.ok(l.every((x) => x.gradNorm === 0 && x.std === 0), 'zero weights: every unit alike and no gradient');
  l = await layers({ init: 'small', activation: 'sigmoid', batchnorm: true });
  assert.ok(l[0].gradNorm > 1e-3 * l[9].gradNorm, `batch norm: layer 1 ${l[0].gradNorm}, layer 10 ${l[9].gradNorm}`);
  // training records every layer's norm at every step
  await page.$eval('dl-widget', (el) => el.configure({ kind: 'init-flow', settings: { init: 'he', activation: 'relu', steps: 40 } }));
  await page.waitForSelector('dl-widget[data-state="ready"] [data-engine="ready"]');
  await page.click('[data-part="train"]');
  await page.waitForSelector('[data-widget][data-trained="1"]');
  const { history } = await page.$eval('dl-widget', (el) => el.results());
  assert.equal(history.steps, 40);
  assert.deepEqual(history.norms.map((n) => n.length), new Array(10).fill(40));
  assert.match(await summary(page), /After 40 steps: .*dead ReLU units/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the backprop widget shows the engine\'s forward values, gradients and update, which match backpropagation done by hand', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=backprop#x1=0.5&x2=-0.3&target=0.8&activation=tanh&lr=0.5`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const r = await page.$eval('dl-widget', (el) => el.results());
  // forward, in double
  const sig = (z) => 1 / (1 + Math.exp(-z)), x = [0.5, -0.3];
  const z1 = [0, 1].map((j) => x[0] * r.W1[j] + x[1] * r.W1[2 + j] + r.b1[j]), h = z1.map(Math.tanh);
  const z2 = h[0] * r.W2[0] + h[1] * r.W2[1] + r.b2[0], y = sig(z2), loss = (y - 0.8) ** 2;
  const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b)), `${what}: engine ${a}, by hand ${b}`);
  near(r.y, y, 'y'), near(r.loss, loss, 'loss');
  // backward: delta at the output, then through W2 and tanh'
  const d = 2 * (y - 0.8) * y * (1 - y), dh = [0, 1].map((j) => d * r.W2[j] * (1 - h[j] ** 2));
  near(r.grad.b2[0], d, 'output delta');
  [0, 1].forEach((j) => near(r.grad.W2[j], d * h[j], `dW2[${j}]`));
  [0, 1].forEach((j) => near(r.grad.b1[j], dh[j], `hidden delta ${j}`));
  [0, 1].forEach((i) => [0, 1].forEach((j) => near(r.grad.W1[i * 2 + j], dh[j] * x[i], `dW1[${i}][${j}]`)));
  r.after.W2.forEach((v, j) => near(v, r.W2[j] - 0.5 * r.grad.W2[j], `updated W2[${j}]`));
  // stepping through the phases, then taking the step: the loss goes down
  for (let k = 0; k < 7; k++) await page.click('[data-part="next"]');
  assert.equal(await page.isDisabled('[data-part="next"]'), true);
  assert.match(await page.textContent('[data-part="math"]'), /w ← w − 0\.5 · ∂L\/∂w/);
  await page.click('[data-part="again"]');
  const r2 = await page.$eval('dl-widget', (el) => el.results());
  assert.equal(r2.steps, 1);
  assert.deepEqual(r2.W2, r.after.W2);
  assert.ok(r2.loss < r.loss, `the loss falls: ${r.loss} then ${r2.loss}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
