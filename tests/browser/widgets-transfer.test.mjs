// widgets-transfer.test.mjs: the residual and fine-tune widgets. The residual widget's plain and
// residual stacks train side by side; at its default depth the residual one must end far below
// the plain one for several seeds, and the gradient norms it draws must be the gradients of its
// network, redone here by backpropagation in double. The fine-tune widget's freezes must hold
// bit for bit, a head alone must still learn, and the pretrained copy must be ahead of the same
// network trained from scratch on the same Fashion batches.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

// (the fine-tune widget's weights stay in the page: they are compared there)
const results = (page) => page.$eval('dl-widget', (el) => {
  const { weights, ...r } = el.results();
  return { ...r, shapes: weights?.start.map((p) => ({ name: p.name, shape: p.shape })) };
});

async function trained(page, n) {
  await page.click('[data-part="train"]');
  await page.waitForSelector(`[data-widget][data-trained="${n}"]`, { timeout: 120000 });
}

test('the residual stack keeps learning where the plain one of the same depth stalls, seeds 1 to 3', async () => {
  for (const seed of [1, 2, 3]) {
    const page = await openPage(env.browser, `${env.base}/widget.html?kind=residual#seed=${seed}`);
    await page.waitForSelector('[data-widget][data-engine="ready"]');
    await trained(page, 1);
    const r = await results(page);
    assert.equal(r.step, 500);
    // 20 layers, 500 Adam steps: the plain stack is still near a coin flip (ln 2), the residual far below
    assert.ok(r.loss.plain > 0.3, `seed ${seed}: plain ${r.loss.plain}`);
    assert.ok(r.loss.residual < r.loss.plain / 3, `seed ${seed}: residual ${r.loss.residual}, plain ${r.loss.plain}`);
    // the gradient reaching layer 1 after 10 steps: orders of magnitude smaller without the skip
    assert.ok(r.probe.plain[0] < 1e-2 * r.probe.residual[0], `seed ${seed}: layer 1 plain ${r.probe.plain[0]}, residual ${r.probe.residual[0]}`);
    if (seed === 1) await screenshot(page, 'widget-residual-trained');
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('the residual widget\'s gradient norms are those of its stacks: backpropagation by hand in double agrees', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=residual#depth=6&width=8&seed=4`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const shown = (await results(page)).start;
  // the same stacks rebuilt from the seed; their weights and data read out, the gradient redone in JS
  const nets = await page.evaluate(async () => {
    const { sharedEngine } = await import('/js/widgets/frame.mjs');
    const { buildStack } = await import('/js/widgets/residual.mjs');
    const { toyData } = await import('/js/widgets/toy-net.mjs');
    const engine = await sharedEngine(), data = toyData('spiral', 'train');
    return [false, true].map((residual) => {
      const n = buildStack(engine, { depth: 6, width: 8, init: 'xavier_normal', seed: 4 }, residual), v = (p) => [...n.g.value(p)];
      const P = n.params, out = { W0: v(P.W0), b0: v(P.b0), W: P.W.map(v), b: P.b.map(v), Wout: v(P.Wout), bout: v(P.bout), x: [...data.x], y: [...data.y] };
      n.g.dispose();
      return out;
    });
  });
  const byHand = nets.map((p, i) => gradNorms(p, 8, i === 1));
  for (const [i, key] of ['plain', 'residual'].entries())
    byHand[i].forEach((g, l) => assert.ok(Math.abs(shown[key][l] - g) <= 1e-3 * g + 1e-12, `${key} layer ${l + 1}: shown ${shown[key][l]}, by hand ${g}`));
  assert.deepEqual(page.errors, []);
  await page.close();
});

// ‖∂L/∂W_l‖ for each hidden layer of the stack h ← [h +] W relu(h) + b, mean cross-entropy over the points
function gradNorms(p, width, residual) {
  const n = p.y.length, L = p.W.length, relu = (v) => v.map((z) => Math.max(0, z));
  const dense = (a, W, b, out) => Array.from({ length: out }, (_, j) => b[j] + a.reduce((s, ai, i) => s + ai * W[i * out + j], 0));
  const sums = p.W.map(() => new Float64Array(width * width));
  for (let k = 0; k < n; k++) {
    const hs = [dense([p.x[2 * k], p.x[2 * k + 1]], p.W0, p.b0, width)];
    for (let l = 0; l < L; l++) {
      const f = dense(relu(hs[l]), p.W[l], p.b[l], width);
      hs.push(residual ? f.map((v, j) => v + hs[l][j]) : f);
    }
    const a = relu(hs[L]), z = dense(a, p.Wout, p.bout, 2), m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e[0] + e[1];
    const dz = e.map((v, c) => (v / s - (c === p.y[k] ? 1 : 0)) / n);
    // back through the output layer and its relu, then layer by layer
    let dh = hs[L].map((v, i) => (v > 0 ? dz[0] * p.Wout[i * 2] + dz[1] * p.Wout[i * 2 + 1] : 0));
    for (let l = L - 1; l >= 0; l--) {
      const a = relu(hs[l]);
      for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) sums[l][i * width + j] += a[i] * dh[j];
      const da = Array.from({ length: width }, (_, i) => dh.reduce((s, d, j) => s + d * p.W[l][i * width + j], 0));
      dh = hs[l].map((v, i) => (residual ? dh[i] : 0) + (v > 0 ? da[i] : 0));
    }
  }
  return sums.map((g) => Math.hypot(...g));
}

test('fine-tuning keeps frozen layers bit for bit, trains the rest, and starts ahead of training from scratch', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=fine-tune#steps=20&freeze=conv1`, { viewport: { width: 1440, height: 900 } });
  await page.waitForSelector('[data-widget][data-pretrained="1"]', { timeout: 120000 });
  await trained(page, 1);
  // which parameters moved, compared in the page (the weights stay there)
  const moved = () => page.$eval('dl-widget', (el) => {
    const { weights } = el.results(), now = new Map(weights.now.map((p) => [p.name, p.values]));
    return Object.fromEntries(weights.start.map((p) => [p.name, p.values.some((v, i) => !Object.is(v, now.get(p.name)[i]))]));
  });
  let m = await moved();
  for (const [name, changed] of Object.entries(m)) {
    const net = name.split('/')[0];
    assert.equal(changed, !['conv1', 'digitHead'].includes(net), `${name}: ${changed ? 'changed' : 'unchanged'}`);
  }
  const r = await results(page);
  const count = (prefixes) => r.shapes.filter((p) => prefixes.includes(p.name.split('/')[0])).reduce((s, p) => s + p.shape.reduce((a, d) => a * d, 1), 0);
  assert.deepEqual(r.params, { trainable: count(['conv2', 'fc', 'fashionHead']), total: count(['conv1', 'conv2', 'fc', 'fashionHead']) });
  assert.ok(r.digitAccuracy > 0.85, `pretrained on digits: ${r.digitAccuracy}`);
  // after 20 steps on the same batches, the copy that learnt digits is ahead
  const [tuned, scratch] = [r.curves.tuned.at(-1), r.curves.scratch.at(-1)];
  assert.equal(tuned[0], 20);
  assert.ok(tuned[1] > scratch[1] + 0.03, `step 20: fine-tuned ${tuned[1]}, from scratch ${scratch[1]}`);
  assert.match(await page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent), new RegExp(`trainable ${r.params.trainable.toLocaleString('en')} of`));

  // every layer frozen but the new head: the digit features alone, read by a linear head, still classify clothes
  await page.check('[data-part="freeze"] input[value="conv2"]');
  await page.check('[data-part="freeze"] input[value="fc"]');
  await trained(page, 2);
  m = await moved();
  for (const [name, changed] of Object.entries(m)) assert.equal(changed, name.startsWith('fashionHead/'), name);
  const head = (await results(page)).curves.tuned.at(-1);
  assert.ok(head[1] > 0.25, `head only, step 20: ${head[1]} (chance 0.1)`);
  await screenshot(page, 'widget-fine-tune-trained');
  assert.deepEqual(page.errors, []);
  await page.close();
});
