// playground.test.mjs: the playground as a learner uses it, in headless Chromium: build a network
// in the editor and train it on MNIST, draw a digit, open links, break a layer, load a corrupt
// file, learn the spiral, and keep the main thread free while training.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPlayground, dataIn, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

// Record long tasks (> 50 ms by definition) from the very start of the page.
const LONG_TASKS = () => {
  window.longTasks = [];
  new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: true });
};

const playground = (hash, viewport) => openPlayground(env, hash, { viewport, initScript: LONG_TASKS });

// Wait until `n` training runs have finished (the page counts them in data-runs).
const finished = (page, n = 1, timeout = 120000) => page.waitForSelector(`[data-playground][data-runs="${n}"]`, { state: 'attached', timeout });
const cardTypes = (page) => page.$$eval('[data-part="layer-editor"] .le-head select', (s) => s.map((x) => x.value));

test('a network built in the editor trains one epoch on MNIST to over 95% test accuracy, without long tasks', async () => {
  const page = await playground('#dataset=mnist&preset=perceptron&epochs=1&batch=32');
  assert.deepEqual(await cardTypes(page), ['flatten']);
  // add a hidden dense layer of 128 ReLU units after the flatten
  await page.selectOption('[data-part="layer-editor"] .le-add select', 'dense');
  await page.click('[data-part="layer-editor"] .le-add button');
  await page.fill('[data-part="layer-editor"] li:nth-child(2) input[type=number]', '128');
  await page.press('[data-part="layer-editor"] li:nth-child(2) input[type=number]', 'Tab');
  await page.waitForFunction(() => /784×|128\]/.test(document.querySelector('[data-part="layer-editor"] li:nth-child(2) .le-shape').textContent));
  assert.match(await page.textContent('[data-part="layer-editor"] li:nth-child(2) .le-shape'), /\[128\] · 100,480 params/);
  await dataIn(page);
  await page.evaluate(() => (window.longTasks = []));
  await page.click('[data-part="start"]');
  await finished(page);
  const accuracy = parseFloat(await page.textContent('[data-part="test-accuracy"]'));
  assert.ok(accuracy > 95, `shown test accuracy ${accuracy}%`);
  assert.equal(await page.textContent('[data-part="epoch-count"]'), '1');
  const longest = await page.evaluate(() => Math.max(0, ...window.longTasks));
  assert.ok(longest < 100, `longest main-thread task during training: ${longest} ms`);
  // the views filled in: confusion matrix, mistakes, filters-free MLP, saliency, FGSM
  await page.waitForFunction(() => document.querySelectorAll('[data-part="gallery"] canvas').length > 0);
  await page.waitForSelector('[data-playground][data-fgsm]');
  // draw a "1": a vertical stroke, and see a prediction
  const pad = await page.$('[data-part="draw"] canvas');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  await page.waitForSelector('[data-playground][data-drawn]');
  assert.equal(await page.evaluate(() => document.querySelector('[data-playground]').dataset.drawn), '1');
  await screenshot(page, 'playground-mnist');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a preset link opens the same layers, and an edited network survives a reload', async () => {
  const page = await playground('#dataset=mnist&preset=lenet');
  assert.deepEqual(await cardTypes(page), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense']);
  await page.waitForFunction(() => /\[8×28×28\] · 208 params/.test(document.querySelector('[data-part="layer-editor"] .le-shape').textContent));
  // remove the second dense layer, then reload the link the page wrote
  await page.click('[data-part="layer-editor"] li:nth-child(7) button[aria-label="remove layer"]');
  await page.waitForFunction(() => /layers=/.test(location.hash));
  await page.reload();
  await page.waitForSelector('[data-playground][data-engine="ready"]');
  assert.deepEqual(await cardTypes(page), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense']);
  assert.equal(await page.inputValue('[data-part="preset"]'), 'lenet');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an invalid layer is flagged on that layer before training, with the engine’s message', async () => {
  const page = await playground('#dataset=mnist&preset=perceptron');
  await page.selectOption('[data-part="layer-editor"] .le-add select', 'conv2d');
  await page.click('[data-part="layer-editor"] .le-add button');
  await page.waitForSelector('[data-part="layer-editor"] li.le-bad');
  assert.match(await page.textContent('[data-part="layer-editor"] li.le-bad .le-error'), /input must be \[channels, height, width\]/);
  assert.equal(await page.$eval('[data-part="layer-editor"] li.le-bad .le-index', (e) => e.textContent), '2');
  assert.equal(await page.isDisabled('[data-part="start"]'), true);
  // fixing it (removing the layer) clears the flag
  await page.click('[data-part="layer-editor"] li.le-bad button[aria-label="remove layer"]');
  await page.waitForSelector('[data-part="layer-editor"] li.le-bad', { state: 'detached' });
  await page.waitForFunction(() => !document.querySelector('[data-part="start"]').disabled);
  await screenshot(page, 'playground-invalid-layer');
  await page.close();
});

test('the spiral trains to at least 95% and the decision boundary is drawn; a corrupt model file changes nothing', async () => {
  const page = await playground('#dataset=spiral&speed=fast');
  await page.waitForFunction(() => /200 training and 200 test points/.test(document.querySelector('[data-part="data-status"]').textContent));
  await page.click('[data-part="start"]');
  await finished(page);
  const accuracy = parseFloat(await page.textContent('[data-part="test-accuracy"]'));
  assert.ok(accuracy >= 95, `spiral test accuracy ${accuracy}%`);
  await page.waitForSelector('[data-playground][data-boundary="drawn"]');
  await screenshot(page, 'playground-spiral');
  // a corrupt file: an error, and the trained model keeps its accuracy
  await page.setInputFiles('[data-part="load"]', { name: 'broken.dlpm', mimeType: 'application/octet-stream', buffer: Buffer.from('DLPM this is not a model file at all') });
  await page.waitForFunction(() => /Could not load broken.dlpm/.test(document.querySelector('[data-part="file-status"]').textContent));
  assert.match(await page.textContent('[data-part="file-status"]'), /The current model is unchanged/);
  // save the trained model and load it back: same boundary, working model
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-part="save"]')]);
  const path = await download.path();
  await page.selectOption('[data-part="preset"]', 'perceptron'); // the editor changes; loading brings the file's layers back
  await page.setInputFiles('[data-part="load"]', path);
  await page.waitForFunction(() => /^Loaded /.test(document.querySelector('[data-part="file-status"]').textContent));
  assert.deepEqual(await cardTypes(page), ['dense', 'dense']);
  await page.click('[data-part="start"]'); // the loaded model trains on
  await finished(page, 2);
  assert.ok(parseFloat(await page.textContent('[data-part="test-accuracy"]')) >= 95);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a model file made for other data is refused, and the current model stays', async () => {
  const page = await playground('#dataset=mnist&preset=perceptron&epochs=1');
  await dataIn(page);
  await page.click('[data-part="start"]');
  await finished(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-part="save"]')]);
  const mnistModel = await download.path();
  const other = await playground('#dataset=circles&epochs=50&speed=fast');
  await other.waitForFunction(() => /200 training/.test(document.querySelector('[data-part="data-status"]').textContent));
  await other.setInputFiles('[data-part="load"]', mnistModel);
  await other.waitForFunction(() => /Could not load/.test(document.querySelector('[data-part="file-status"]').textContent));
  assert.match(await other.textContent('[data-part="file-status"]'), /takes \[1,28,28\] inputs .* the current data set has \[2\] inputs/);
  await other.click('[data-part="start"]');
  await finished(other);
  assert.ok(parseFloat(await other.textContent('[data-part="test-accuracy"]')) > 80);
  assert.deepEqual([...page.errors, ...other.errors], []);
  await page.close();
  await other.close();
});

test('points placed by clicking make a data set the network can learn', async () => {
  const page = await playground('#dataset=custom&epochs=200&speed=fast');
  const plot = await page.$('[data-part="boundary"] canvas');
  await plot.scrollIntoViewIfNeeded();
  const box = await plot.boundingBox();
  for (const [fx, fy, cls] of [[0.2, 0.2, '0'], [0.3, 0.25, '0'], [0.25, 0.35, '0'], [0.8, 0.8, '1'], [0.7, 0.75, '1'], [0.75, 0.65, '1'], [0.2, 0.3, '0'], [0.8, 0.7, '1']]) {
    await page.check(`input[name^=point-class][value="${cls}"]`);
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
  }
  await dataIn(page);
  assert.match(page.url(), /points=/);
  await page.click('[data-part="start"]');
  await finished(page);
  await page.waitForSelector('[data-playground][data-boundary="drawn"]');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('invalid URL values fall back to defaults with a visible notice; hide= hides controls', async () => {
  const page = await playground('#dataset=spiral&lr=abc&optimizer=adamx&batch=0&hide=training,share');
  const notes = await page.textContent('[data-part="notices"]');
  assert.match(notes, /Ignored lr=abc: not a number/);
  assert.match(notes, /Ignored optimizer=adamx: expected one of/);
  assert.match(notes, /Ignored batch=0: outside \[1, 1024\]/);
  assert.equal(await page.inputValue('[data-part="optimizer"]'), 'adam');
  assert.equal(await page.isVisible('[data-control="training"]'), false);
  assert.equal(await page.isVisible('[data-part="share"]'), false);
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
  await dataIn(page);
  await page.click('[data-part="step"]');
  await page.waitForFunction(() => /batch 1\/\d+/.test(document.querySelector('[data-part="progress"]').textContent));
  assert.equal(await page.evaluate(() => document.querySelector('[data-playground]').dataset.training), 'paused');
  await page.click('[data-part="step"]');
  await page.waitForFunction(() => /batch 2\/\d+/.test(document.querySelector('[data-part="progress"]').textContent));
  assert.equal(await page.textContent('[data-part="start"]'), 'Resume');
  await page.click('[data-part="start"]'); // resume
  await page.waitForSelector('[data-playground][data-training="running"]', { state: 'attached' });
  await page.click('[data-part="start"]'); // pause
  await page.waitForSelector('[data-playground][data-training="paused"]', { state: 'attached' });
  await page.waitForTimeout(200); // the steps run before the pause reached the worker are shown
  const held = await page.textContent('[data-part="progress"]');
  await page.waitForTimeout(300);
  assert.equal(await page.textContent('[data-part="progress"]'), held); // nothing moves while paused
  await page.click('[data-part="stop"]');
  await finished(page);
  assert.match(await page.textContent('[data-part="file-status"]'), /Training stopped/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the layer editor offers exactly the engine’s layers and activations, and a layer new to the catalog gets fields from it', async () => {
  const { load } = await import('../../wasm/dlplay.mjs');
  const catalog = (await load()).catalog;
  const page = await playground('#dataset=spiral');
  const offered = await page.$$eval('[data-part="layer-editor"] .le-add select option', (o) => o.map((x) => x.value));
  assert.deepEqual(offered, catalog.layers.map((l) => l.name));
  const activations = await page.$$eval('[data-part="layer-editor"] li:first-child > .le-fields > .le-field select option', (o) => o.map((x) => x.value));
  assert.deepEqual(activations, catalog.activations.map((a) => a.name));
  assert.deepEqual(await page.$$eval('[data-part="optimizer"] option', (o) => o.map((x) => x.value)), catalog.optimizers.map((o) => o.name));
  assert.deepEqual(await page.$$eval('[data-part="schedule"] option', (o) => o.map((x) => x.value)), catalog.schedules.map((o) => o.name));
  // an editor given a catalog with one more layer offers it, with a field for its option
  const edited = await page.evaluate(async (cat) => {
    const { createLayerEditor } = await import('/js/layer-editor.mjs');
    cat.layers.push({ name: 'wiggle', doc: 'a layer the engine might gain', params: '', options: [{ name: 'amount', type: 'int', doc: 'how much', min: 1, max: 9, required: true }] });
    const box = document.body.appendChild(document.createElement('div'));
    let last = null;
    const editor = createLayerEditor(box, { catalog: cat, onChange: (layers) => (last = layers) });
    editor.set([]);
    box.querySelector('.le-add select').value = 'wiggle';
    box.querySelector('.le-add button').click();
    const input = box.querySelector('.le-card input[type=number]');
    const field = { label: input.closest('label').textContent, min: input.min, max: input.max };
    input.value = '3';
    input.dispatchEvent(new Event('change'));
    editor.destroy();
    box.remove();
    return { field, last };
  }, catalog);
  assert.deepEqual(edited, { field: { label: 'amount', min: '1', max: '9' }, last: [{ type: 'wiggle', amount: 3 }] });
  assert.deepEqual(page.errors, []);
  await page.close();
});

// Link shapes a hostile or mistyped link may carry: each gives a notice and a working page.
test('malformed layers and hide values in a link give a notice, or a flagged layer, and a page that works', async () => {
  const layers = (v) => ['layers', Buffer.from(JSON.stringify(v)).toString('base64url')]; // as the page writes them
  const links = [ // [key, value, what the page shows: a notice, or the engine's error on the layer]
    [...layers([null]), /Ignored layers=.*: layer 1 is not an object with a type/],
    [...layers({ type: 'dense' }), /Ignored layers=.*: not a layer list/],
    [...layers([{ init: 'he_normal' }]), /Ignored layers=.*: layer 1 is not an object with a type/],
    [...layers([{ type: 'batchNorm', layers: 0.5 }]), /Ignored layers=.*: layer 1: layers is not a list of layers/],
    [...layers([{ type: 'dense', units: {} }]), /Ignored layers=.*: layer 1: units is not a number, a name or a list of numbers/],
    ['layers', '%E0%A4%A', /Ignored layers=/],
    [...layers([{ type: 'reshape', shape: 'abc' }]), 'flagged'],
    ['hide', 'training"><img src=x onerror=alert(1)>', /Ignored hide=/],
  ];
  for (const [key, value, shows] of links) {
    const page = await playground(`#dataset=xor&${key}=${encodeURIComponent(value)}`);
    await dataIn(page);
    const notes = await page.textContent('[data-part="notices"]');
    if (shows === 'flagged') assert.match(await page.textContent('.le-bad .le-error'), /shape/, `${key}=${value}`);
    else assert.match(notes, shows, `${key}=${value}: ${notes}`);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(page.errors, [], `${key}=${value}`);
    await page.close();
  }
});
