// home.test.mjs: the home page loads the engine in Chromium, says it runs SIMD128, and trains XOR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot, warmAndCool } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

test('the home page shows the engine version and SIMD128, and trains XOR on click', async () => {
  const page = await openPage(env.browser, `${env.base}/`);
  await page.locator('#engine-status', { hasText: 'ready' }).waitFor();
  assert.match(await page.textContent('#engine-version'), /^\d+\.\d+\.\d+$/);
  assert.equal(await page.textContent('#engine-simd'), 'WebAssembly SIMD128');
  // the playground comes first: its preview picture and the first action, in the first screen
  const open = await page.locator('a.button', { hasText: 'Open the playground' }).boundingBox();
  assert.ok(open && open.y + open.height < 800, 'Open the playground is in the first screen');
  assert.equal(await page.$eval('.preview img', (img) => img.complete && img.naturalWidth > 0), true);
  await page.click('#xor-train');
  await page.waitForFunction(() => document.querySelector('#xor-plot').dataset.probs);
  const probs = (await page.$eval('#xor-plot', (e) => e.dataset.probs)).split(',').map(Number);
  assert.deepEqual(probs.map((p) => (p > 0.5 ? 1 : 0)), [0, 1, 1, 0]);
  // the result is a picture: the plane in both classes' colours (orange and blue)
  const hues = await warmAndCool(page, '#xor-plot canvas');
  assert.ok(hues.warm > 1000 && hues.cool > 1000, JSON.stringify(hues));
  await screenshot(page, 'home');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the home page is readable on a 390-pixel phone screen', async () => {
  const page = await openPage(env.browser, `${env.base}/`, { viewport: { width: 390, height: 844 } });
  await page.locator('#engine-status', { hasText: 'ready' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await screenshot(page, 'home-phone');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the engine loads in a module Web Worker, with the SIMD and the fallback build', async () => {
  const page = await openPage(env.browser, `${env.base}/`);
  const result = await page.evaluate(async () => {
    const src = `import { load } from '${location.origin}/dlplay/dlplay.mjs';
      const out = [];
      for (const simd of [true, false]) {
        const dl = await load({ simd });
        const g = dl.graph(1);
        const x = g.input('x', [3]);
        const y = g.op('softmax', [x]);
        g.plan(1).setValue(x, [1, 2, 3]).forward(y);
        out.push({ simd: dl.simd, sum: g.value(y).reduce((a, b) => a + b) });
      }
      postMessage(out);`;
    const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
    return new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
    });
  });
  assert.deepEqual(result.map((r) => r.simd), [true, false]);
  for (const r of result) assert.ok(Math.abs(r.sum - 1) < 1e-6);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// A program, not a classifier, through the many-model worker in a page: a small GAN trains and
// its generator's output is bit for bit what the same run gives in Node.
test('a GAN program trains in the page’s worker and matches the same run in Node bit for bit', async () => {
  const spec = {
    seed: 3, inputs: { x: [2], z: { shape: [4], noise: 'normal' } },
    networks: { G: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 2 }],
      D: [{ type: 'dense', units: 16, activation: 'leakyRelu', alpha: 0.2 }, { type: 'dense', units: 1 }] },
    outputs: { fake: { net: 'G', from: 'z' }, fake_d: { detach: 'fake' }, real_score: { net: 'D', from: 'x' },
      fake_score: { net: 'D', from: 'fake_d' }, gen_score: { net: 'D', from: 'fake' } },
  };
  const program = {
    losses: { d: [{ type: 'bce_logits', on: 'real_score', target: 0.9 }, { type: 'bce_logits', on: 'fake_score', target: 0 }],
      g: [{ type: 'bce_logits', on: 'gen_score', target: 1 }] },
    optimizers: { d: { type: 'adam', lr: 2e-3, beta1: 0.5, networks: ['D'] }, g: { type: 'adam', lr: 1e-3, beta1: 0.5, networks: ['G'] } },
    steps: [{ loss: 'd', optimizer: 'd' }, { loss: 'g', optimizer: 'g' }],
  };
  const ring = Array.from({ length: 512 }, (_, i) => [2 * Math.cos(i * 2.399), 2 * Math.sin(i * 2.399)]).flat();
  const z = Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i));
  const page = await openPage(env.browser, `${env.base}/`);
  const inPage = await page.evaluate(async ({ spec, program, ring, z }) => {
    const { connect } = await import('/dlplay/worker-client.mjs');
    const engine = await connect({ workerUrl: '/dlplay/worker.mjs' });
    const gan = await engine.create(spec);
    await gan.setProgram(program);
    const h = await gan.train({ x: Float32Array.from(ring) }, { epochs: 10, batchSize: 64 });
    const fake = await gan.run('fake', { z: Float32Array.from(z) });
    engine.terminate();
    return { iterations: h.iterations, fake: Array.from(fake) };
  }, { spec, program, ring, z });
  const { load } = await import('../../wasm/dlplay.mjs');
  const dl = await load();
  const gan = dl.model(spec);
  gan.setProgram(program);
  await gan.train({ x: Float32Array.from(ring) }, { epochs: 10, batchSize: 64 });
  const fake = Array.from(gan.run('fake', { z: Float32Array.from(z) }));
  gan.dispose();
  assert.equal(inPage.iterations, 80);
  assert.deepEqual(inPage.fake, fake);
  assert.deepEqual(page.errors, []);
  await page.close();
});
