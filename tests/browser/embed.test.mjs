// embed.test.mjs: what a teacher's page relies on. A link names a trained model file (model=),
// which loads with its scores and drawing pad ready; a bad or missing file is said so and the
// page works on. While the images still load, Start waits with the reason beside it (never a
// run on no data), and the estimated epoch time shows before Start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPlayground, dataIn } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const PAD_ONLY = 'hide=data,network,training,controls,file,share,metrics,mistakes,inside,layers';

test('model= loads a trained model file: the drawing pad reads digits at once, and the scores are the file\'s', async () => {
  const page = await openPlayground(env, `#dataset=mnist&model=models/mnist-mlp.dlpm&${PAD_ONLY}`, { viewport: { width: 390, height: 844 } });
  await page.waitForSelector('[data-playground][data-loaded="models/mnist-mlp.dlpm"]', { timeout: 30000 });
  await page.waitForFunction(() => /%/.test(document.querySelector('[data-part="test-accuracy"]').textContent), null, { timeout: 30000 });
  const accuracy = parseFloat(await page.textContent('[data-part="test-accuracy"]'));
  assert.ok(accuracy > 95, `the shipped model scores ${accuracy}%`);
  assert.equal(await page.isVisible('[data-part="draw"] canvas'), true);
  assert.equal(await page.isVisible('[data-control="training"]'), false);
  // a vertical stroke reads as a 1
  const box = await page.locator('[data-part="draw"] canvas').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  // (the pad predicts while the stroke is drawn: a part of it may read as another digit first)
  await page.waitForFunction(() => document.querySelector('[data-playground]').dataset.drawn === '1', null, { timeout: 10000 })
    .catch(async () => assert.fail(`the stroke reads as ${await page.$eval('[data-playground]', (r) => r.dataset.drawn)}`));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a model= file that is missing is said so, and one off the site is refused; the page works on', async () => {
  const page = await openPlayground(env, '#dataset=xor&model=models/nothing-here.dlpm');
  await page.waitForFunction(() => /Could not load models\/nothing-here\.dlpm: the server answered 404/.test(document.querySelector('[data-part="file-status"]').textContent));
  await page.click('[data-part="step"]');
  await page.waitForSelector('[data-playground][data-training="paused"]');
  await page.close();
  const off = await openPlayground(env, '#dataset=xor&model=https://example.com/x.dlpm');
  assert.match(await off.textContent('[data-part="notices"]'), /model=.*a path to a \.dlpm file beside the page/);
  await off.close();
});

test('while the images load, Start waits with the reason beside it; then it opens, with the estimated epoch time shown', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } });
  let release;
  const held = new Promise((r) => (release = r));
  // the training set's download is held back until the test lets it go
  await page.context().route('**/mnist-train.dlds.gz', async (route) => (await held, route.continue()));
  await page.goto(`${env.base}/playground.html#dataset=mnist&preset=lenet`);
  await page.waitForSelector('[data-playground][data-engine="ready"]');
  await page.waitForFunction(() => /Start opens once they are all in/.test(document.querySelector('[data-part="start-why"]').textContent));
  assert.equal(await page.isDisabled('[data-part="start"]'), true);
  assert.equal(await page.isDisabled('[data-part="step"]'), true);
  release();
  await dataIn(page);
  await page.waitForFunction(() => !document.querySelector('[data-part="start"]').disabled);
  assert.equal(await page.textContent('[data-part="start-why"]'), '');
  await page.waitForFunction(() => /About [\d.]+ s an epoch on this machine \(60,000 images/.test(document.querySelector('[data-part="net-estimate"]').textContent), null, { timeout: 20000 });
  const estimate = Number(await page.$eval('[data-playground]', (r) => r.dataset.epochEstimate));
  assert.ok(estimate > 0.5 && estimate < 120, `LeNet's epoch estimated at ${estimate} s`);
  await page.close();
});
