// playground.test.mjs: the playground as a learner uses it, in headless Chromium: build a network
// in the editor and train it on MNIST, draw a digit, open links, break a layer, load a corrupt
// file, learn the spiral, and keep the main thread free while training.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

// Record long tasks (> 50 ms by definition) from the very start of the page.
const LONG_TASKS = () => {
  window.longTasks = [];
  new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: true });
};

async function playground(hash, viewport) {
  const page = await openPage(env.browser, `${env.base}/playground.html${hash}`, { viewport, initScript: LONG_TASKS });
  await page.waitForSelector('body[data-engine="ready"]');
  return page;
}

// Wait until `n` training runs have finished (the page counts them in data-runs).
const finished = (page, n = 1, timeout = 120000) => page.waitForSelector(`body[data-runs="${n}"]`, { state: 'attached', timeout });
const cardTypes = (page) => page.$$eval('#layer-editor .le-head select', (s) => s.map((x) => x.value));

test('a network built in the editor trains one epoch on MNIST to over 95% test accuracy, without long tasks', async () => {
  const page = await playground('#dataset=mnist&preset=perceptron&epochs=1&batch=32');
  assert.deepEqual(await cardTypes(page), ['flatten']);
  // add a hidden dense layer of 128 ReLU units after the flatten
  await page.selectOption('#layer-editor .le-add select', 'dense');
  await page.click('#layer-editor .le-add button');
  await page.fill('#layer-editor li:nth-child(2) input[type=number]', '128');
  await page.press('#layer-editor li:nth-child(2) input[type=number]', 'Tab');
  await page.waitForFunction(() => /784×|128\]/.test(document.querySelector('#layer-editor li:nth-child(2) .le-shape').textContent));
  assert.match(await page.textContent('#layer-editor li:nth-child(2) .le-shape'), /\[128\] · 100,480 params/);
  await page.waitForFunction(() => /60,000 training/.test(document.getElementById('data-status').textContent), null, { timeout: 60000 });
  await page.evaluate(() => (window.longTasks = []));
  await page.click('#start');
  await finished(page);
  const accuracy = parseFloat(await page.textContent('#test-accuracy'));
  assert.ok(accuracy > 95, `shown test accuracy ${accuracy}%`);
  assert.equal(await page.textContent('#epoch-count'), '1');
  const longest = await page.evaluate(() => Math.max(0, ...window.longTasks));
  assert.ok(longest < 100, `longest main-thread task during training: ${longest} ms`);
  // the views filled in: confusion matrix, mistakes, filters-free MLP, saliency, FGSM
  await page.waitForFunction(() => document.querySelectorAll('#gallery canvas').length > 0);
  await page.waitForSelector('body[data-fgsm]');
  // draw a "1": a vertical stroke, and see a prediction
  const pad = await page.$('#draw canvas');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  await page.waitForSelector('body[data-drawn]');
  assert.equal(await page.evaluate(() => document.body.dataset.drawn), '1');
  await screenshot(page, 'playground-mnist');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a preset link opens the same layers, and an edited network survives a reload', async () => {
  const page = await playground('#dataset=mnist&preset=lenet');
  assert.deepEqual(await cardTypes(page), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense']);
  await page.waitForFunction(() => /\[8×28×28\] · 208 params/.test(document.querySelector('#layer-editor .le-shape').textContent));
  // remove the second dense layer, then reload the link the page wrote
  await page.click('#layer-editor li:nth-child(7) button[aria-label="remove layer"]');
  await page.waitForFunction(() => /layers=/.test(location.hash));
  await page.reload();
  await page.waitForSelector('body[data-engine="ready"]');
  assert.deepEqual(await cardTypes(page), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense']);
  assert.equal(await page.inputValue('#preset'), 'lenet');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an invalid layer is flagged on that layer before training, with the engine’s message', async () => {
  const page = await playground('#dataset=mnist&preset=perceptron');
  await page.selectOption('#layer-editor .le-add select', 'conv2d');
  await page.click('#layer-editor .le-add button');
  await page.waitForSelector('#layer-editor li.le-bad');
  assert.match(await page.textContent('#layer-editor li.le-bad .le-error'), /input must be \[channels, height, width\]/);
  assert.equal(await page.$eval('#layer-editor li.le-bad .le-index', (e) => e.textContent), '2');
  assert.equal(await page.isDisabled('#start'), true);
  // fixing it (removing the layer) clears the flag
  await page.click('#layer-editor li.le-bad button[aria-label="remove layer"]');
  await page.waitForSelector('#layer-editor li.le-bad', { state: 'detached' });
  await page.waitForFunction(() => !document.getElementById('start').disabled);
  await screenshot(page, 'playground-invalid-layer');
  await page.close();
});

test('the spiral trains to at least 95% and the decision boundary is drawn; a corrupt model file changes nothing', async () => {
  const page = await playground('#dataset=spiral');
  await page.waitForFunction(() => /200 training and 200 test points/.test(document.getElementById('data-status').textContent));
  await page.click('#start');
  await finished(page);
  const accuracy = parseFloat(await page.textContent('#test-accuracy'));
  assert.ok(accuracy >= 95, `spiral test accuracy ${accuracy}%`);
  await page.waitForSelector('body[data-boundary="drawn"]');
  await screenshot(page, 'playground-spiral');
  // a corrupt file: an error, and the trained model keeps its accuracy
  await page.setInputFiles('#load', { name: 'broken.dlpm', mimeType: 'application/octet-stream', buffer: Buffer.from('DLPM this is not a model file at all') });
  await page.waitForFunction(() => /Could not load broken.dlpm/.test(document.getElementById('file-status').textContent));
  assert.match(await page.textContent('#file-status'), /The current model is unchanged/);
  // save the trained model and load it back: same boundary, working model
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const path = await download.path();
  await page.selectOption('#preset', 'perceptron'); // the editor changes; loading brings the file's layers back
  await page.setInputFiles('#load', path);
  await page.waitForFunction(() => /^Loaded /.test(document.getElementById('file-status').textContent));
  assert.deepEqual(await cardTypes(page), ['dense', 'dense']);
  await page.click('#start'); // the loaded model trains on
  await finished(page, 2);
  assert.ok(parseFloat(await page.textContent('#test-accuracy')) >= 95);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a model file made for other data is refused, and the current model stays', async () => {
  const page = await playground('#dataset=mnist&preset=perceptron&epochs=1');
  await page.waitForFunction(() => /60,000 training/.test(document.getElementById('data-status').textContent), null, { timeout: 60000 });
  await page.click('#start');
  await finished(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const mnistModel = await download.path();
  const other = await playground('#dataset=circles&epochs=50');
  await other.waitForFunction(() => /200 training/.test(document.getElementById('data-status').textContent));
  await other.setInputFiles('#load', mnistModel);
  await other.waitForFunction(() => /Could not load/.test(document.getElementById('file-status').textContent));
  assert.match(await other.textContent('#file-status'), /takes \[1,28,28\] inputs .* the current data set has \[2\] inputs/);
  await other.click('#start');
  await finished(other);
  assert.ok(parseFloat(await other.textContent('#test-accuracy')) > 80);
  assert.deepEqual([...page.errors, ...other.errors], []);
  await page.close();
  await other.close();
});

test('points placed by clicking make a data set the network can learn', async () => {
  const page = await playground('#dataset=custom&epochs=200');
  const plot = await page.$('#boundary canvas');
  await plot.scrollIntoViewIfNeeded();
  const box = await plot.boundingBox();
  for (const [fx, fy, cls] of [[0.2, 0.2, '0'], [0.3, 0.25, '0'], [0.25, 0.35, '0'], [0.8, 0.8, '1'], [0.7, 0.75, '1'], [0.75, 0.65, '1'], [0.2, 0.3, '0'], [0.8, 0.7, '1']]) {
    await page.check(`input[name=point-class][value="${cls}"]`);
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
  }
  await page.waitForFunction(() => /\d+ training and \d+ test points/.test(document.getElementById('data-status').textContent));
  assert.match(page.url(), /points=/);
  await page.click('#start');
  await finished(page);
  await page.waitForSelector('body[data-boundary="drawn"]');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('invalid URL values fall back to defaults with a visible notice; hide= hides controls', async () => {
  const page = await playground('#dataset=spiral&lr=abc&optimizer=adamx&batch=0&hide=training,share');
  const notes = await page.textContent('#notices');
  assert.match(notes, /Ignored lr=abc: not a number/);
  assert.match(notes, /Ignored optimizer=adamx: expected one of/);
  assert.match(notes, /Ignored batch=0: outside \[1, 1024\]/);
  assert.equal(await page.inputValue('#optimizer'), 'adam');
  assert.equal(await page.isVisible('[data-control="training"]'), false);
  assert.equal(await page.isVisible('#share'), false);
  await page.close();
});

test('the playground is readable on a 390-pixel phone screen', async () => {
  const page = await playground('#dataset=mnist&preset=lenet', { width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await screenshot(page, 'playground-phone');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Step trains one batch at a time; Pause holds training and Resume continues it', async () => {
  const page = await playground('#dataset=xor&epochs=1000&batch=2'); // long enough to pause
  await page.waitForFunction(() => /training and \d+ test points/.test(document.getElementById('data-status').textContent));
  await page.click('#step');
  await page.waitForFunction(() => /batch 1\/\d+/.test(document.getElementById('progress').textContent));
  assert.equal(await page.evaluate(() => document.body.dataset.training), 'paused');
  await page.click('#step');
  await page.waitForFunction(() => /batch 2\/\d+/.test(document.getElementById('progress').textContent));
  assert.equal(await page.textContent('#start'), 'Resume');
  await page.click('#start'); // resume
  await page.waitForSelector('body[data-training="running"]', { state: 'attached' });
  await page.click('#start'); // pause
  await page.waitForSelector('body[data-training="paused"]', { state: 'attached' });
  const held = await page.textContent('#progress');
  await page.waitForTimeout(300);
  assert.equal(await page.textContent('#progress'), held); // nothing moves while paused
  await page.click('#stop');
  await finished(page);
  assert.match(await page.textContent('#file-status'), /Training stopped/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
