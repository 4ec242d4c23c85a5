// guidance.test.mjs: the playground says what is wrong where it is, in a learner's words, and
// never trains on something other than what it shows: presets that cannot take the data,
// Start without data, a field with a value that is not allowed, an invalid layer among valid
// ones, link values that fail, notices that can be dismissed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPlayground, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const playground = (hash, viewport) => openPlayground(env, hash, { viewport });
const why = (page) => page.textContent('[data-part="start-why"]');

test('presets that need images are disabled on 2-D data, saying so; a link that asks for one gets the MLP and a notice', async () => {
  const page = await playground('#dataset=spiral&preset=lenet');
  assert.match(await page.textContent('[data-part="notices"]'), /The LeNet preset needs images; using the MLP/);
  assert.equal(await page.inputValue('[data-part="preset"]'), 'mlp');
  const options = await page.$$eval('[data-part="preset"] option', (o) => o.map((x) => [x.value, x.disabled, x.textContent]));
  for (const [value, disabled, text] of options) {
    const images = ['lenet', 'allconv', 'resnet'].includes(value);
    assert.equal(disabled, images, value);
    if (images) assert.match(text, /needs images/);
  }
  await page.selectOption('[data-part="dataset"]', 'mnist'); // on images every preset is offered
  assert.deepEqual(await page.$$eval('[data-part="preset"] option:disabled', (o) => o.length), 0);
  // notices can be dismissed
  await page.click('.notices-close');
  assert.equal(await page.textContent('[data-part="notices"]'), '');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Start waits, with the reason beside it, until there are points of two classes', async () => {
  const page = await playground('#dataset=custom&speed=fast&epochs=5');
  await page.waitForFunction(() => /at least two classes/.test(document.querySelector('[data-part="start-why"]').textContent));
  assert.equal(await page.isDisabled('[data-part="start"]'), true);
  assert.equal(await page.isDisabled('[data-part="step"]'), true);
  const box = await page.locator('[data-part="boundary"] canvas').boundingBox();
  for (const [fx, fy, button] of [[0.3, 0.3, 'left'], [0.7, 0.7, 'right'], [0.3, 0.7, 'left'], [0.7, 0.3, 'right']])
    await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height, { button });
  await page.waitForFunction(() => !document.querySelector('[data-part="start"]').disabled);
  assert.equal(await why(page), '');
  // the reason's going moved nothing: the plot is where the clicks were aimed
  assert.deepEqual(await page.locator('[data-part="boundary"] canvas').boundingBox(), box);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a learning rate that is not allowed is marked in its field and blocks training until fixed', async () => {
  const page = await playground('#dataset=xor&speed=fast');
  await page.fill('[data-part="lr"]', '0');
  await page.press('[data-part="lr"]', 'Tab');
  assert.equal(await page.getAttribute('[data-part="lr"]', 'aria-invalid'), 'true');
  assert.match(await why(page), /Learning rate: 0 is not allowed \(0.000001 to 10\); fix it to train/);
  assert.equal(await page.isDisabled('[data-part="start"]'), true);
  await screenshot(page, 'guidance-bad-lr');
  await page.fill('[data-part="lr"]', '0.02');
  await page.press('[data-part="lr"]', 'Tab');
  assert.equal(await page.getAttribute('[data-part="lr"]', 'aria-invalid'), 'false');
  assert.equal(await page.isDisabled('[data-part="start"]'), false);
  assert.match(page.url(), /lr=0.02/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an invalid layer is explained on its card and the layers before it keep their shapes', async () => {
  const page = await playground('#dataset=mnist&preset=lenet');
  const kernel = page.locator('[data-part="layer-editor"] .le-card').nth(2).locator('label:has-text("kernel") input');
  await kernel.fill('15'); // the third layer (a conv2d) receives 14x14 maps
  await kernel.press('Tab');
  await page.waitForSelector('.le-bad');
  assert.match(await page.textContent('.le-bad .le-error'), /kernel 15x15 is larger than the 14x14 input it receives \(padding included\); use a smaller kernel or padding 'same'/);
  const shapes = await page.$$eval('[data-part="layer-editor"] .le-shape', (s) => s.map((x) => x.textContent));
  assert.match(shapes[0], /^\[8×28×28\]/);
  assert.match(shapes[1], /^\[8×14×14\]/);
  assert.match(await why(page), /Fix the layer marked in red first/);
  await screenshot(page, 'guidance-bad-layer');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a link value that fails falls back to the data set’s own default', async () => {
  const page = await playground('#dataset=mnist&lr=abc&epochs=0');
  const notes = await page.textContent('[data-part="notices"]');
  assert.match(notes, /Ignored lr=abc/);
  assert.match(notes, /Ignored epochs=0/);
  // MNIST's own defaults, as if the link had not named them
  const plain = await playground('#dataset=mnist');
  for (const k of ['lr', 'epochs']) assert.equal(await page.inputValue(`[data-part="${k}"]`), await plain.inputValue(`[data-part="${k}"]`), k);
  assert.deepEqual([...page.errors, ...plain.errors], []);
  await page.close();
  await plain.close();
});

// found by the page fuzzer: the early worker start read a key's first value and the page its
// last, so the engine refused to start ('already runs the SIMD build')
test('a setting given twice counts by its last value everywhere, with a notice', async () => {
  const page = await playground('#dataset=spiral&simd=auto&simd=off');
  assert.match(await page.textContent('[data-part="engine-status"]'), /plain WebAssembly \(SIMD turned off by the link\)/);
  assert.match(await page.textContent('[data-part="notices"]'), /"simd" is given more than once; the last value counts/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('hide= of a whole column leaves no empty column: the views take the width', async () => {
  const page = await playground('#dataset=spiral&hide=data,network,training,file', { width: 1440, height: 900 });
  assert.equal(await page.isVisible('.layout > .config'), false);
  const views = await page.locator('.layout > .views').boundingBox();
  assert.ok(views.x < 40 && views.width > 1300, JSON.stringify(views));
  await page.close();
});
