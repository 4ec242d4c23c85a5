// live.test.mjs: the playground moves while it learns and keeps its controls at hand: the
// untrained boundary before Start, a boundary that redraws through a paced spiral run and after
// each Step, a run bar in view however far the page scrolls, keyboard shortcuts, and a headline
// that agrees with the confusion matrix after Stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPlayground, dataIn, stopRun, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const playground = (hash, viewport) => openPlayground(env, hash, { viewport });
const boundaryImage = (page) => page.$eval('[data-part="boundary"] canvas', (c) => c.toDataURL());
const draws = (page) => page.$eval('[data-playground]', (r) => Number(r.dataset.boundaryDraws ?? 0));
const redrawnSince = (page, n) => page.waitForFunction((k) => Number(document.querySelector('[data-playground]').dataset.boundaryDraws) > k, n, { timeout: 5000 });

test('the spiral boundary shows before Start, changes many times during a 2-second run, and after each Step', async () => {
  const page = await playground('#dataset=spiral&epochs=60&speed=watch');
  await page.waitForSelector('[data-playground][data-boundary="drawn"]'); // the untrained network, before Start
  const untrained = await boundaryImage(page);
  assert.match(await page.textContent('[data-part="test-accuracy"]'), /%$/, 'the untrained network has a test accuracy too');
  await page.click('[data-part="start"]');
  const seen = new Set([untrained]), t0 = Date.now();
  let changes = 0, last = untrained;
  while (!(await page.$('[data-playground][data-runs="1"]'))) {
    const now = await boundaryImage(page);
    if (now !== last) changes++, (last = now), seen.add(now);
    await page.waitForTimeout(80);
    assert.ok(Date.now() - t0 < 30000, 'the run ends');
  }
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(seconds >= 1.5, `60 paced epochs took ${seconds} s (33 ms each at least)`);
  assert.ok(changes >= 8, `the boundary changed ${changes} times in a ${seconds.toFixed(1)} s run`);
  await screenshot(page, 'live-spiral-after');
  // Step: each batch redraws
  for (let i = 0; i < 3; i++) {
    const before = await draws(page);
    await page.click('[data-part="step"]');
    await redrawnSince(page, before);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

for (const [width, height] of [[1440, 900], [390, 844]]) {
  test(`Start, Step, Stop, Reset and the progress stay in view at ${width}x${height}, wherever the page is scrolled`, async () => {
    const page = await playground('#dataset=spiral&speed=slow', { width, height });
    for (const y of [0, 1500, 100000]) {
      await page.evaluate((to) => window.scrollTo(0, to), y);
      for (const part of ['start', 'step', 'stop', 'reset', 'progress']) {
        const box = await page.locator(`[data-part="${part}"]`).boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= height && box.x >= 0 && box.x + box.width <= width, `${part} at scroll ${y}: ${JSON.stringify(box)}`);
      }
    }
    await page.click('[data-part="start"]');
    await page.waitForSelector('[data-playground][data-training="running"]');
    await page.waitForTimeout(700);
    await screenshot(page, `live-runbar-${width}-scrolled`);
    await stopRun(page);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('keys: k starts, pauses and resumes; "." trains one batch; typing in a field is left alone', async () => {
  const page = await playground('#dataset=xor&speed=slow&epochs=200');
  const training = () => page.getAttribute('[data-playground]', 'data-training');
  await dataIn(page);
  await page.keyboard.press('k');
  await page.waitForSelector('[data-playground][data-training="running"]');
  await page.keyboard.press('k');
  await page.waitForSelector('[data-playground][data-training="paused"]', { timeout: 5000 }).catch(async () =>
    assert.fail(`k did not pause: ${await training()}, ${await page.textContent('.runbar')}`));
  const before = await draws(page);
  await page.keyboard.press('.');
  await redrawnSince(page, before);
  assert.equal(await training(), 'paused');
  await page.focus('[data-part="lr"]');
  await page.keyboard.press('k');
  await page.waitForTimeout(300);
  assert.equal(await training(), 'paused', 'k typed in a field does not resume');
  assert.match(await page.textContent('.runbar'), /k.*start\/pause.*step/);
  await stopRun(page);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('after Stop in the middle of an MNIST epoch, after Reset and after Load, the headline and the confusion matrix give the same accuracy', async () => {
  const page = await playground('#dataset=mnist&preset=mlp&epochs=5');
  await dataIn(page);
  await page.click('[data-part="start"]');
  await page.waitForFunction(() => /batch [1-9]\d*\//.test(document.querySelector('[data-part="progress"]').textContent));
  await stopRun(page);
  await page.waitForFunction(() => /All 10,000 test images/.test(document.querySelector('[data-part="metrics-note"]').textContent), null, { timeout: 20000 });
  const agree = async (when) => {
    const headline = parseFloat(await page.textContent('[data-part="test-accuracy"]'));
    const matrix = parseFloat(await page.textContent('.cm-acc strong'));
    assert.ok(Math.abs(headline - matrix) < 0.06, `${when}: headline ${headline}%, confusion matrix ${matrix}%`);
    return headline;
  };
  const stopped = await agree('after Stop');
  // the bar says where the run stopped, not a time left; the cosine schedule's end shows as 0
  assert.match(await page.textContent('[data-part="progress"]'), /stopped at epoch 1\/5 · batch \d+\/938$/);
  const batches = Number(/batch (\d+)/.exec(await page.textContent('[data-part="progress"]'))[1]);
  assert.equal(await page.textContent('[data-part="epoch-count"]'), (batches / 938).toFixed(2), 'the headline counts the part of an epoch trained');
  assert.match(await page.textContent('[data-part="schedule-plot"]'), /min 0(?![.\d])/);
  // a new evaluation each time: the note is cleared first and waited for again
  const evaluated = () => page.waitForFunction(() => /All 10,000 test images/.test(document.querySelector('[data-part="metrics-note"]').textContent), null, { timeout: 20000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-part="save"]')]);
  const file = await download.path();
  await page.$eval('[data-part="metrics-note"]', (e) => (e.textContent = ''));
  await page.click('[data-part="reset"]');
  await evaluated();
  const fresh = await agree('after Reset');
  assert.ok(fresh < 40, `new weights score like chance: ${fresh}%`);
  await page.$eval('[data-part="metrics-note"]', (e) => (e.textContent = ''));
  await page.setInputFiles('[data-part="load"]', file);
  await evaluated();
  assert.equal(await agree('after Load'), stopped, 'the loaded model scores what it scored when saved');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Stop frees the worker within 300 ms with the residual preset, and the worker answers at once after', async () => {
  const page = await playground('#dataset=mnist&preset=resnet&epochs=1');
  await dataIn(page);
  await page.click('[data-part="start"]');
  await page.waitForFunction(() => /batch ([3-9]|\d\d+)\//.test(document.querySelector('[data-part="progress"]').textContent), null, { timeout: 30000 });
  // Stop waits for the chunk in progress (8 batches of the residual net) and for any view the page
  // asked for between chunks: the live evaluation is kept to 500 test images for that reason.
  const ms = await page.evaluate(async () => {
    const root = document.querySelector('[data-playground]'), t0 = performance.now();
    document.querySelector('[data-part="stop"]').click();
    while (root.dataset.training !== 'idle') await new Promise((r) => setTimeout(r, 5));
    return performance.now() - t0;
  });
  assert.ok(ms <= 300, `Stop took ${ms.toFixed(0)} ms`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('while the worker keeps a request waiting, a busy sign shows in the run bar, and it goes when the answer comes', async () => {
  const page = await openPlayground(env, '#dataset=spiral', { viewport: { width: 1440, height: 900 } });
  await dataIn(page);
  await page.waitForFunction(() => document.querySelector('[data-playground]').dataset.busy !== 'yes');
  assert.equal(await page.isVisible('[data-part="busy"]'), false);
  // hold the worker for a second or so with requests of our own, sent past the page's client:
  // a model of two wide convolutions, then one evaluation of 1,024 images (not split into chunks)
  await page.evaluate(async () => {
    const w = window.dlplayWorker, answer = (id) => new Promise((r) => w.addEventListener('message', function on({ data }) {
      if (data.id === id) (w.removeEventListener('message', on), r(data));
    }));
    const created = answer(1e9);
    w.postMessage({ type: 'create', id: 1e9, spec: { input: [1, 28, 28], seed: 1, layers: [{ type: 'conv2d', filters: 32, kernel: 5, padding: 'same' }, { type: 'conv2d', filters: 32, kernel: 5, padding: 'same' }, { type: 'dense', units: 10 }] } });
    const { result } = await created;
    w.postMessage({ type: 'evaluate', id: 1e9 + 1, model: result.model, data: { x: new Float32Array(1024 * 784).fill(0.5), y: new Uint8Array(1024) } });
  });
  await page.click('[data-part="reset"]'); // builds a model: it waits behind that request
  await page.waitForSelector('[data-part="busy"]:not([hidden])', { timeout: 5000 });
  assert.match(await page.textContent('[data-part="busy"]'), /busy/);
  await page.waitForSelector('[data-part="busy"][hidden]', { state: 'attached', timeout: 30000 });
  assert.equal(await page.$eval('[data-playground]', (r) => r.dataset.busy), 'no');
  assert.deepEqual(page.errors, []);
  await page.close();
});
