// inside.test.mjs: what the playground shows inside an image network: an MLP's first-layer units
// as 28x28 templates, a CNN's feature maps one labelled row per layer at a readable size, and
// saliency drawn over the image it explains.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPlayground, dataIn, stopRun } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

// One batch, then Stop: the views then show one evaluation of those weights.
async function trainedABit(hash) {
  const page = await openPlayground(env, hash, { viewport: { width: 1440, height: 900 } });
  await dataIn(page);
  await page.click('[data-part="step"]');
  await page.waitForSelector('[data-playground][data-training="paused"]');
  await stopRun(page);
  await page.waitForFunction(() => /All 10,000 test images/.test(document.querySelector('[data-part="metrics-note"]').textContent), null, { timeout: 30000 });
  return page;
}

test('an MLP on MNIST shows its first-layer units as 28x28 weight templates', async () => {
  const page = await trainedABit('#dataset=mnist&preset=mlp');
  await page.waitForFunction(() => /units, one per pixel/.test(document.querySelector('[data-part="filters-note"]').textContent));
  const sizes = await page.$$eval('[data-part="filters"] canvas', (c) => c.map((x) => `${x.width}x${x.height}`));
  assert.equal(sizes.length, 32);
  assert.ok(sizes.every((s) => s === '28x28'), sizes.join(' '));
  await page.locator('[data-control="inside"]').screenshot({ path: new URL('../../build/screenshots/inside-mlp.png', import.meta.url).pathname });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a CNN shows one labelled row of feature maps per layer, kernels and maps at a readable size, and saliency over the image', async () => {
  const page = await trainedABit('#dataset=mnist&preset=lenet');
  await page.waitForFunction(() => document.querySelectorAll('[data-part="maps"] .map-row').length === 4, null, { timeout: 20000 });
  const rows = await page.$$eval('[data-part="maps"] .map-row', (r) => r.map((x) => [x.querySelector('h4').textContent, [...x.querySelectorAll('canvas')].map((c) => c.getBoundingClientRect().width)]));
  assert.match(rows[0][0], /conv2d.*8 channels of 28×28/);
  assert.match(rows[1][0], /maxPool2d.*8 channels of 14×14/);
  assert.match(rows[2][0], /conv2d.*16 channels of 10×10/);
  for (const [title, widths] of rows) assert.ok(widths.length > 0 && widths.every((w) => w >= 50), `${title}: maps ${widths.join(', ')} px wide`);
  const kernels = await page.$$eval('[data-part="filters"] canvas', (c) => c.map((x) => x.getBoundingClientRect().width));
  assert.ok(kernels.length === 8 && kernels.every((w) => w >= 48), `kernels ${kernels.join(', ')} px wide`);
  // saliency: the image in grey with red where it matters, not one grey square
  const colours = await page.$eval('[data-part="saliency"] canvas', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, seen = new Set();
    let red = 0;
    for (let i = 0; i < d.length; i += 4) {
      seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      if (d[i] > d[i + 1] + 60) red++;
    }
    return { distinct: seen.size, red };
  });
  assert.ok(colours.distinct > 20 && colours.red > 5, JSON.stringify(colours));
  await page.locator('[data-control="inside"]').screenshot({ path: new URL('../../build/screenshots/inside-lenet.png', import.meta.url).pathname });
  assert.deepEqual(page.errors, []);
  await page.close();
});
