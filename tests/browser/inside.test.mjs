// inside.test.mjs: what the playground shows inside an image network: an MLP's first-layer units
// as 28x28 templates, a CNN's feature maps one labelled row per layer at a readable size, and
// saliency drawn over the image it explains.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPlayground, dataIn, stopRun } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

// Until an element has stopped moving (views above it grow as their answers come in).
async function settled(locator) {
  let last = null;
  for (let i = 0; i < 50; i++) {
    await locator.scrollIntoViewIfNeeded();
    const box = await locator.boundingBox();
    if (last && JSON.stringify(box) === JSON.stringify(last)) return box;
    last = box;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the element kept moving');
}

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
  // (the filters come a moment after the evaluation the note reports)
  await page.waitForFunction(() => document.querySelectorAll('[data-part="filters"] canvas').length === 8, null, { timeout: 10000 });
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
  // a click on a map shows how that value was computed: window × kernel, the sum, bias and
  // activation, which give the value the map holds; for pooling, the window's largest value
  // (aimed at the map's brightest pixel, where the input under the window is not all zeros, and
  // at its centre: the browser reports a click at whole CSS pixels)
  for (const [row, tile] of [[0, 2], [1, 0], [2, 5]]) {
    const canvas = page.locator('[data-part="maps"] .map-row').nth(row).locator('canvas').nth(tile), box = await settled(canvas);
    const size = await canvas.evaluate((c) => [c.width, c.height]);
    await page.locator('[data-part="cell-math"]').evaluate((e) => delete e.dataset.result);
    const [px, py] = await canvas.evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let best = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > d[best]) best = i;
      return [(best / 4) % c.width, Math.floor(best / 4 / c.width)];
    });
    await page.mouse.click(box.x + ((px + 0.5) * box.width) / size[0], box.y + ((py + 0.5) * box.height) / size[1]);
    await page.waitForFunction(() => document.querySelector('[data-part="cell-math"]').dataset.result != null);
    const r = await page.$eval('[data-part="cell-math"]', (e) => ({ head: e.querySelector('.cell-head').textContent, text: e.textContent, result: Number(e.dataset.result), map: Number(e.dataset.map), tables: e.querySelectorAll('table').length }));
    assert.ok(r.head.includes(`channel ${tile + 1}, row ${py + 1}, column ${px + 1} of its ${size[1]}×${size[0]} map`), r.head);
    assert.ok(Math.abs(r.result - r.map) <= 1e-4 * Math.max(1, Math.abs(r.map)), `computed ${r.result}, the map holds ${r.map}`);
    assert.match(r.text, /the same value\./);
    assert.equal(r.tables, row === 1 ? 1 : 3, r.text);
    if (row === 2) assert.match(r.text, /over all 8 input channels they add up to/);
    if (row !== 1) assert.doesNotMatch(r.text, /add up to 0\.0000/);
  }
  // from the keyboard, a map explains its largest value
  await page.locator('[data-part="cell-math"]').evaluate((e) => delete e.dataset.result);
  await page.locator('[data-part="maps"] .map-row').nth(0).locator('.ig-tile').nth(4).press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-part="cell-math"]').dataset.result != null);
  assert.match(await page.$eval('[data-part="cell-math"]', (e) => e.textContent), /conv2d_1, channel 5.*the same value\./);
  await page.locator('[data-control="inside"]').screenshot({ path: new URL('../../build/screenshots/inside-lenet.png', import.meta.url).pathname });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a residual block\'s map value is its last layer\'s output plus the shortcut, through the activation', async () => {
  const page = await trainedABit('#dataset=mnist&preset=resnet');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-part="maps"] .map-row h4')].some((h) => /residual/.test(h.textContent)), null, { timeout: 20000 });
  const rows = await page.$$eval('[data-part="maps"] .map-row h4', (h) => h.map((x) => x.textContent));
  for (const index of rows.flatMap((t, i) => (/residual/.test(t) ? [i] : []))) {
    const canvas = page.locator('[data-part="maps"] .map-row').nth(index).locator('canvas').nth(1), box = await settled(canvas);
    await page.locator('[data-part="cell-math"]').evaluate((e) => delete e.dataset.result);
    await page.mouse.click(box.x + 0.5 * box.width, box.y + 0.5 * box.height);
    await page.waitForFunction(() => document.querySelector('[data-part="cell-math"]').dataset.result != null);
    const r = await page.$eval('[data-part="cell-math"]', (e) => ({ text: e.textContent, result: Number(e.dataset.result), map: Number(e.dataset.map) }));
    assert.ok(Math.abs(r.result - r.map) <= 1e-4 * Math.max(1, Math.abs(r.map)), `${r.text}: computed ${r.result}, the map holds ${r.map}`);
    assert.match(r.text, /the shortcut carries/);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});
