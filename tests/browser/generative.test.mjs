// generative.test.mjs: the GAN and VAE pages as a learner uses them: train for a few seconds
// and see the samples change, step D or G alone, save and load a model (the same samples come
// back), the 2-D GAN's plane, the VAE's latent planes and walk, bad settings refused in place,
// and a 390-pixel phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { start, openPage, screenshot, warmAndCool } from './browser.mjs';
import { load } from '../../wasm/dlplay.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const ready = (page) => page.waitForSelector('[data-engine="ready"]', { state: 'attached', timeout: 60000 });
const steps = (page) => page.$eval('[data-engine]', (e) => Number(e.dataset.steps ?? 0));
const drawn = (page) => page.$eval('[data-engine]', (e) => Number(e.dataset.drawn ?? 0));
const idle = (page) => page.waitForSelector('[data-engine][data-training="idle"]', { state: 'attached', timeout: 30000 });
// the pixels of the tiles of an image grid, as data URLs
const tiles = (page, part) => page.$$eval(`[data-part="${part}"] canvas`, (cs) => cs.map((c) => c.toDataURL()));

async function trainFor(page, ms, minSteps) {
  await page.click('[data-part="start"]');
  await page.waitForFunction((k) => Number(document.querySelector('[data-engine]').dataset.steps) >= k, minSteps, { timeout: 60000 });
  await page.waitForTimeout(ms);
  await page.click('[data-part="start"]'); // Pause
  await idle(page); // (the page draws where the run ended before it says so)
}

// The bytes of the model file the page's Save button downloads.
async function saved(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-part="save"]')]);
  return readFile(await download.path());
}

// Save through the page's button, then load the file back through its file input.
async function saveAndLoad(page) {
  const bytes = await saved(page);
  assert.ok(bytes.length > 1000, `saved ${bytes.length} bytes`);
  const before = await drawn(page);
  await page.setInputFiles('[data-part="load"]', { name: 'saved.dlpm', mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('[data-engine]').dataset.loaded === 'saved.dlpm', null, { timeout: 30000 });
  await page.waitForFunction((k) => Number(document.querySelector('[data-engine]').dataset.drawn) > k, before, { timeout: 30000 });
  assert.match(await page.textContent('[data-part="file-status"]'), /Loaded saved\.dlpm/);
}

test('the GAN page trains on MNIST: the samples from fixed noise change, the classifier scores them, Step D and Step G take one step each, and a saved model loads back drawing the same samples', async () => {
  const page = await openPage(env.browser, `${env.base}/gan.html`, { viewport: { width: 1440, height: 900 } });
  await ready(page);
  await page.waitForFunction(() => document.querySelectorAll('[data-part="samples"] canvas').length === 64, null, { timeout: 30000 });
  const untrained = await tiles(page, 'samples');
  await trainFor(page, 2500, 60);
  const trained = await tiles(page, 'samples');
  const changed = trained.filter((t, i) => t !== untrained[i]).length;
  assert.ok(changed >= 60, `${changed} of 64 samples changed`);
  assert.ok(Number(await page.getAttribute('[data-engine]', 'data-classes')) >= 1, 'the class histogram was drawn');
  assert.match(await page.textContent('[data-part="class-note"]'), /of 10 digits drawn/);
  await screenshot(page, 'gan-1440');

  // Step D, then Step G: one iteration each (their programs hold one step); each changes its
  // own network only, as the model files saved around each step show
  const dl = await load();
  const weights = async () => {
    const m = dl.loadModel(await saved(page)), w = Object.fromEntries(m.getWeights().map((x) => [x.name, x.values]));
    m.dispose();
    return w;
  };
  let before = await weights();
  for (const [part, moves] of [['step-d', 'D/'], ['step-g', 'G/']]) {
    const n = await steps(page);
    await page.click(`[data-part="${part}"]`);
    await page.waitForFunction((k) => Number(document.querySelector('[data-engine]').dataset.steps) === k + 1, n, { timeout: 30000 });
    await idle(page); // (a run's views are redrawn before the page is idle)
    const after = await weights();
    for (const [name, values] of Object.entries(after))
      if (name.startsWith(moves)) assert.ok(values.some((v, i) => v !== before[name][i]), `${part} changed ${name}`);
      else assert.deepEqual(values, before[name], `${part} left ${name} as it was`);
    before = after;
  }
  // a new learning rate is a new program on the same weights: the step count goes on
  const n = await steps(page);
  await page.fill('[data-part="lrG"]', '0.001');
  await page.dispatchEvent('[data-part="lrG"]', 'change');
  await page.waitForFunction(() => /lrG=0\.001/.test(location.hash));
  await page.click('[data-part="step"]');
  await page.waitForFunction((k) => Number(document.querySelector('[data-engine]').dataset.steps) === k + 1, n, { timeout: 30000 });
  await idle(page);
  const beforeSave = await tiles(page, 'samples');
  await saveAndLoad(page);
  assert.deepEqual(await tiles(page, 'samples'), beforeSave, 'the loaded model draws the same samples from the same noise');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the collapse preset sets D ten times slower than G, and the page keeps it in the link', async () => {
  const page = await openPage(env.browser, `${env.base}/gan.html`, { viewport: { width: 1440, height: 900 } });
  await ready(page);
  await page.selectOption('[data-part="preset"]', 'collapse');
  assert.equal(await page.inputValue('[data-part="lrD"]'), '0.0002');
  assert.equal(await page.inputValue('[data-part="lrG"]'), '0.002');
  assert.match(page.url(), /preset=collapse/);
  assert.match(await page.textContent('[data-part="preset-about"]'), /histogram/);
  // a bad value is marked where it is and blocks Start; nothing else changes
  await page.fill('[data-part="lrD"]', '5');
  await page.dispatchEvent('[data-part="lrD"]', 'change');
  assert.equal(await page.getAttribute('[data-part="lrD"]', 'aria-invalid'), 'true');
  assert.match(await page.textContent('[data-part="start-why"]'), /D's learning rate: 5 is not allowed/);
  assert.ok(await page.$eval('[data-part="start"]', (b) => b.disabled));
  assert.doesNotMatch(page.url(), /lrD=5/);
  // a generator whose output does not fit the data is explained under it
  const units = page.locator('[data-part="editor-G"] .le-card').nth(2).locator('input.le-num').first();
  await units.fill('10');
  await units.dispatchEvent('change');
  await page.waitForFunction(() => document.querySelector('[data-part="out-G"]').classList.contains('error'), null, { timeout: 30000 });
  assert.match(await page.textContent('[data-part="out-G"]'), /cannot reshape 10 \(10 values\) to 784 values/);
  assert.match(await page.textContent('[data-part="start-why"]'), /Fix the networks first/);
  await page.close();
});

test('a link with a bad setting says which and why, and the page still works', async () => {
  const page = await openPage(env.browser, `${env.base}/gan.html#dataset=ring&k=0&preset=nope`, { viewport: { width: 1440, height: 900 } });
  await ready(page);
  const notices = await page.textContent('[data-part="notices"]');
  assert.match(notices, /Ignored k=0/);
  assert.match(notices, /Ignored preset=nope/);
  assert.equal(await page.inputValue('[data-part="k"]'), '1');
  await page.close();
});

test('the 2-D GAN draws D over the plane, the real and generated points and G\'s arrows, and the generated points move as it trains', async () => {
  const page = await openPage(env.browser, `${env.base}/gan.html#dataset=ring&speed=fast`, { viewport: { width: 1440, height: 900 } });
  await ready(page);
  const plane = () => page.$eval('.gp canvas', (c) => c.toDataURL());
  const untrained = await plane();
  await trainFor(page, 1500, 1000);
  assert.notEqual(await plane(), untrained);
  const { warm, cool } = await warmAndCool(page, '.gp canvas');
  assert.ok(warm > 500 && cool > 500, `D's map shows both verdicts (warm ${warm}, cool ${cool} pixels)`);
  await screenshot(page, 'gan-2d-1440');
  const points = await saved(page);
  // drawn points: the data set becomes the learner's, Start waits for 16 of them
  await page.selectOption('[data-part="dataset"]', 'custom');
  await page.waitForFunction(() => /at least 16/.test(document.querySelector('[data-part="start-why"]').textContent), null, { timeout: 30000 });
  const box = await page.$eval('.gp canvas', (c) => { c.scrollIntoView(); const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width }; });
  await page.mouse.move(box.x + box.w * 0.2, box.y + box.w * 0.3);
  await page.mouse.down();
  for (let i = 0; i <= 30; i++) await page.mouse.move(box.x + box.w * (0.2 + 0.02 * i), box.y + box.w * (0.3 + 0.01 * i));
  await page.mouse.up();
  await page.waitForFunction(() => /points=/.test(location.hash) && document.querySelector('[data-part="start-why"]').textContent === '', null, { timeout: 30000 });
  assert.ok(!(await page.$eval('[data-part="start"]', (b) => b.disabled)));
  // a 2-D GAN's file on image data is refused, saying why, and the model there stays
  await page.selectOption('[data-part="dataset"]', 'mnist');
  await page.waitForSelector('[data-part="samples"] canvas', { timeout: 60000 });
  await page.setInputFiles('[data-part="load"]', { name: 'points.dlpm', mimeType: 'application/octet-stream', buffer: points });
  await page.waitForFunction(() => /Could not load points\.dlpm: this GAN draws 2-D points: choose 2-D data first\. The current model is unchanged\./.test(document.querySelector('[data-part="file-status"]').textContent), null, { timeout: 30000 });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the VAE page trains a VAE and an autoencoder side by side: reconstructions change, both latent planes draw, a picked digit moves the walk, and a saved model loads back', async () => {
  const page = await openPage(env.browser, `${env.base}/vae.html`, { viewport: { width: 1440, height: 900 } });
  await ready(page);
  await page.waitForFunction(() => document.querySelectorAll('[data-part="recon-grid"] canvas').length === 16, null, { timeout: 30000 });
  const untrained = await tiles(page, 'recon-grid');
  await trainFor(page, 2500, 100);
  const trained = await tiles(page, 'recon-grid');
  assert.deepEqual(trained.slice(0, 8), untrained.slice(0, 8), 'the test images stay');
  assert.ok(trained.slice(8).every((t, i) => t !== untrained[8 + i]), 'every reconstruction changed');
  assert.equal(await page.$$eval('.lp', (f) => f.length), 2, 'a latent plane each for the VAE and the autoencoder');
  assert.match(await page.textContent('.lp:last-child .lp-caption'), /Plain autoencoder/);
  await screenshot(page, 'vae-1440');
  // pick the third digit: the walk now ends there
  const walk = await tiles(page, 'walk');
  await page.click('[data-part="recon-grid"] .ig-tiles > :nth-child(3)');
  await page.waitForFunction((w) => [...document.querySelectorAll('[data-part="walk"] canvas')].some((c, i) => c.toDataURL() !== w[i]), walk, { timeout: 30000 });
  // a slider moves the decoded image
  const one = await tiles(page, 'slider-image');
  await page.$eval('[data-part="sliders"] input', (s) => { s.value = '2.5'; s.dispatchEvent(new Event('input')); });
  await page.waitForFunction((o) => document.querySelector('[data-part="slider-image"] canvas').toDataURL() !== o[0], one, { timeout: 30000 });
  const beforeSave = await tiles(page, 'recon-grid');
  await saveAndLoad(page);
  assert.deepEqual((await tiles(page, 'recon-grid')).slice(8), beforeSave.slice(8), 'the loaded VAE reconstructs the same way');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a loaded file sets the page to its own settings: a VAE of latent size 3 opened on a page of latent size 2', async () => {
  const first = await openPage(env.browser, `${env.base}/vae.html#latent=3&compare=off&beta=2`, { viewport: { width: 1440, height: 900 } });
  await ready(first);
  await first.click('[data-part="step"]');
  await first.waitForFunction(() => document.querySelector('[data-engine]').dataset.steps === '1', null, { timeout: 30000 });
  const bytes = await saved(first);
  await first.close();
  const page = await openPage(env.browser, `${env.base}/vae.html`, { viewport: { width: 1440, height: 900 } });
  await ready(page);
  await page.setInputFiles('[data-part="load"]', { name: 'three.dlpm', mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('[data-engine]').dataset.loaded === 'three.dlpm', null, { timeout: 30000 });
  assert.equal(await page.inputValue('[data-part="latent"]'), '3');
  assert.equal(await page.inputValue('[data-part="beta"]'), '2');
  await page.waitForFunction(() => document.querySelectorAll('[data-part="sliders"] input').length === 3, null, { timeout: 30000 });
  assert.match(page.url(), /latent=3/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('on a 390-pixel phone both pages fit the screen and train', async () => {
  for (const [path, name] of [['gan.html', 'gan-390'], ['gan.html#dataset=ring', 'gan-2d-390'], ['vae.html', 'vae-390']]) {
    const page = await openPage(env.browser, `${env.base}/${path}`, { viewport: { width: 390, height: 844 } });
    await ready(page);
    await trainFor(page, 500, 20);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path}: ${overflow} px wider than the screen`);
    await screenshot(page, name);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});
