// widgets-regularization-b.test.mjs: the overfitting and batchnorm widgets. Each trains with the
// engine in the page; the checks redo what the widget derives from the engine's numbers (the
// best epoch, where early stopping stops, how many labels are flipped) and hold the training
// results to what the concept says: random labels are memorized but generalize at chance, batch
// norm speeds up a deep sigmoid network, and at batch size 1 it cannot see its input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const results = (page) => page.$eval('dl-widget', (el) => el.results());
const summary = (page) => page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent);

async function trained(kind, hash, { shot, viewport } = {}) {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=${kind}#${hash}`, { viewport });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  if (shot) await screenshot(page, `${shot}-before`);
  await page.click('[data-part="train"]');
  await page.waitForSelector('[data-widget][data-trained="1"]', { timeout: 60000 });
  if (shot) await screenshot(page, `${shot}-after`);
  return page;
}

// Early stopping as the engine's fit does it, one epoch at a time: a strictly lower loss resets
// the count of epochs without progress; the run stops when the count reaches the patience.
function patienceStop(valLoss, patience) {
  let best = Infinity, bestAt = null, waited = 0;
  for (let e = 0; e < valLoss.length; e++) {
    if (valLoss[e] < best) (best = valLoss[e]), (bestAt = e + 1), (waited = 0);
    else if (++waited >= patience) return { stop: e + 1, keep: bestAt };
  }
  return { stop: null, keep: null };
}
const argmin = (a) => a.reduce((m, v, i) => (v < a[m] ? i : m), 0);
const mean = (a) => a.reduce((p, q) => p + q, 0) / a.length;

test('the overfitting widget flips exactly round(p n) training labels, each to the other class, seeded', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=overfitting#noise=0.3&points=70&seed=4`);
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const r = await results(page);
  assert.equal(r.labels.length, 70);
  const differ = r.labels.filter((v, i) => v !== r.trueLabels[i]).length;
  assert.equal(differ, Math.round(0.3 * 70));
  assert.equal(r.flipped, differ);
  assert.match(await summary(page), /21 of 70 training labels flipped/);
  // another seed draws other flips; the same seed the same ones again
  const labelsAt = async (seed) => {
    const before = await page.$eval('[data-widget]', (el) => Number(el.dataset.settings ?? 0));
    await page.fill('[data-part="seed"]', String(seed));
    await page.$eval('[data-part="seed"]', (el) => el.blur());
    await page.waitForFunction((n) => Number(document.querySelector('dl-widget').shadowRoot.querySelector('[data-widget]').dataset.settings ?? 0) > n, before);
    return (await results(page)).labels;
  };
  assert.notDeepEqual(await labelsAt(5), r.labels);
  assert.deepEqual(await labelsAt(4), r.labels);
  await page.fill('[data-part="noise"]', '0.1');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().flipped === 7);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the overfitting widget marks the argmin of its validation curve and the epoch early stopping stops at', async () => {
  const page = await trained('overfitting', '', { shot: 'widget-overfitting-1440', viewport: { width: 1440, height: 900 } });
  const r = await results(page), h = r.history;
  assert.equal(r.epochs, 300);
  for (const k of ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy']) assert.equal(h[k].length, 300, k);
  assert.equal(r.bestEpoch, argmin(h.valLoss) + 1);
  const es = patienceStop(h.valLoss, 10);
  assert.ok(es.stop, 'patience 10 stops within 300 epochs');
  assert.deepEqual([r.stopEpoch, r.keptEpoch], [es.stop, es.keep]);
  // it overfits: the validation loss climbs well above its best while the training loss falls below it
  assert.ok(h.valLoss.at(-1) > 1.5 * h.valLoss[r.bestEpoch - 1], `validation loss ${h.valLoss.at(-1)} vs best ${h.valLoss[r.bestEpoch - 1]}`);
  assert.ok(h.trainLoss.at(-1) < 0.5 * h.valLoss[r.bestEpoch - 1], `training loss ${h.trainLoss.at(-1)}`);
  assert.ok(r.bestEpoch > 3 && r.bestEpoch < 150, `best epoch ${r.bestEpoch}`);
  assert.match(await summary(page), new RegExp(`at epoch ${r.bestEpoch} .*stops at epoch ${es.stop} and keeps epoch ${es.keep}`));
  // a new patience moves the stop on the same curves, without training again
  await page.fill('[data-part="patience"]', '3');
  await page.waitForFunction((s) => document.querySelector('dl-widget').results().stopEpoch !== s, r.stopEpoch);
  const r3 = await results(page);
  assert.deepEqual(r3.history.valLoss, h.valLoss);
  assert.equal(r3.stopEpoch, patienceStop(h.valLoss, 3).stop);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('with random labels the overfitting widget memorizes: training accuracy >= 80%, validation within 15 points of chance (50%)', async () => {
  const page = await trained('overfitting', 'random=true&points=100', { shot: 'widget-overfitting-random-390', viewport: { width: 390, height: 844 } });
  const { history: h, labels, trueLabels } = await results(page);
  assert.deepEqual([...labels].sort(), [...trueLabels].sort(), 'a permutation of the labels');
  assert.ok(h.trainAccuracy.at(-1) >= 0.8, `training accuracy ${h.trainAccuracy.at(-1)}`);
  assert.ok(Math.abs(h.valAccuracy.at(-1) - 0.5) <= 0.15, `validation accuracy ${h.valAccuracy.at(-1)}`);
  assert.ok(h.trainAccuracy.at(-1) > h.trainAccuracy[9] + 0.15, 'training accuracy rises as it memorizes');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('batch norm lowers the deep sigmoid network\'s training loss after 300 steps, for seeds 1, 2 and 3', async () => {
  for (const seed of [1, 2, 3]) {
    const page = await trained('batchnorm', `seed=${seed}`, seed === 1 ? { shot: 'widget-batchnorm-1440', viewport: { width: 1440, height: 900 } } : {});
    const r = await results(page);
    assert.equal(r.sameStart, true, 'both networks start from the same kernels');
    assert.equal(r.plain.losses.length, 300);
    assert.equal(r.bn.losses.length, 300);
    const plain = mean(r.plain.losses.slice(-20)), bn = mean(r.bn.losses.slice(-20));
    assert.ok(bn < 0.6 * plain, `seed ${seed}: with batch norm ${bn}, without ${plain}`);
    assert.equal(r.bn.trainLoss, bn);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('at batch size 1 the engine trains the batch-norm network, but no hidden layer changes and the running variance decays to 0.9^steps', async () => {
  const page = await trained('batchnorm', 'batch=1', { shot: 'widget-batchnorm-b1-390', viewport: { width: 390, height: 844 } });
  const r = await results(page);
  assert.equal(r.bn.error, null, 'no error from the engine');
  assert.equal(r.bn.losses.length, 300);
  // a normalized value of one sample is 0: each layer outputs beta, so no gradient reaches a dense layer
  assert.deepEqual(r.bn.unchanged, ['dense1', 'dense2', 'dense3', 'dense4', 'dense5', 'dense6']);
  assert.deepEqual(r.plain.unchanged, [], 'without batch norm every layer learns at batch size 1');
  // the variance of one sample is 0, so each step multiplies the running variance by 1 - momentum
  const expected = 0.9 ** 300;
  for (const v of r.bn.runningVar) assert.ok(Math.abs(v / expected - 1) < 1e-3, `running variance ${v}, expected ${expected}`);
  // in training it predicts one thing for every point (a loss of about ln 2 at best on two
  // balanced classes); evaluation, dividing by about sqrt(eps), does no better than chance
  assert.ok(r.bn.trainLoss > 0.6, `training loss ${r.bn.trainLoss}`);
  assert.ok(r.bn.testAccuracy < 0.65, `test accuracy ${r.bn.testAccuracy}`);
  assert.match(await summary(page), /6 of 6 hidden layers never changed/);
  assert.match(await page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="status"]').textContent), /Batch size 1: the engine trains without an error/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
