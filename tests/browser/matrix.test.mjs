// matrix.test.mjs: every choice the page offers works with every data set: each learning-rate
// schedule trains an epoch, and each preset trains a batch or is disabled with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPlayground, dataIn, stopRun } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const DATASETS = ['spiral', 'xor', 'circles', 'gaussians', 'custom', 'mnist', 'fashion'];
const POINTS = 'points=-2,-2,0;-2.5,-1.5,0;-1.5,-2.5,0;-2,-1,0;2,2,1;2.5,1.5,1;1.5,2.5,1;2,1,1';

async function open(dataset, extra) {
  const hash = `#dataset=${dataset}&speed=fast&${dataset === 'custom' ? `${POINTS}&` : ''}${extra}`;
  const page = await openPlayground(env, hash);
  await dataIn(page, 90000);
  return page;
}
const runs = (page) => page.$eval('[data-playground]', (r) => Number(r.dataset.runs ?? 0));

test('every learning-rate schedule trains one epoch on every data set', async () => {
  for (const dataset of DATASETS) {
    const images = dataset === 'mnist' || dataset === 'fashion';
    const page = await open(dataset, `epochs=1&preset=perceptron${images ? '&batch=256' : ''}`);
    const schedules = await page.$$eval('[data-part="schedule"] option', (o) => o.map((x) => x.value));
    assert.ok(schedules.length >= 8, schedules.join());
    for (const schedule of schedules) {
      await page.selectOption('[data-part="schedule"]', schedule);
      const before = await runs(page);
      await page.click('[data-part="start"]');
      await page.waitForFunction((n) => Number(document.querySelector('[data-playground]').dataset.runs ?? 0) > n, before, { timeout: 60000 });
      const status = await page.textContent('[data-part="file-status"]'), progress = await page.textContent('[data-part="progress"]');
      assert.ok(!/Training stopped|Schedule:/.test(status), `${dataset} with ${schedule}: ${status}`);
      assert.match(progress, /done: 1 epoch in/, `${dataset} with ${schedule}: ${progress}`);
    }
    assert.deepEqual(page.errors, [], dataset);
    await page.close();
  }
});

test('every preset trains a batch on every data set, or is disabled there with its reason', async () => {
  for (const dataset of DATASETS) {
    const page = await open(dataset, 'epochs=1');
    const presets = await page.$$eval('[data-part="preset"] option', (o) => o.map((x) => [x.value, x.disabled, x.textContent]));
    for (const [preset, disabled, label] of presets) {
      if (disabled) {
        assert.match(label, /needs images/, `${dataset}: ${preset} is disabled without a reason`);
        continue;
      }
      await page.selectOption('[data-part="preset"]', preset);
      await page.waitForFunction(() => !document.querySelector('[data-part="start"]').disabled, null, { timeout: 10000 })
        .catch(async () => assert.fail(`${dataset} / ${preset}: Start stays disabled: ${await page.textContent('[data-part="start-why"]')}`));
      const before = await runs(page);
      await page.click('[data-part="step"]');
      // (on a handful of points one batch is the whole run: it then ends instead of pausing)
      await page.waitForFunction((n) => {
        const root = document.querySelector('[data-playground]'), text = document.querySelector('[data-part="progress"]').textContent;
        return (root.dataset.training === 'paused' && /batch 1\//.test(text)) || (Number(root.dataset.runs ?? 0) > n && /done: 1 epoch/.test(text));
      }, before, { timeout: 30000 })
        .catch(async () => assert.fail(`${dataset} / ${preset}: no batch trained: ${await page.textContent('[data-part="file-status"]')}`));
      await stopRun(page);
      await page.waitForFunction((n) => Number(document.querySelector('[data-playground]').dataset.runs ?? 0) > n, before, { timeout: 30000 });
      assert.doesNotMatch(await page.textContent('[data-part="file-status"]'), /Training stopped:/, `${dataset} / ${preset}`);
    }
    assert.deepEqual(page.errors, [], dataset);
    await page.close();
  }
});
