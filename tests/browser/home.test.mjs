// home.test.mjs: the home page loads the engine in Chromium, says it runs SIMD128, and trains XOR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

test('the home page shows the engine version and SIMD128, and trains XOR on click', async () => {
  const page = await openPage(env.browser, `${env.base}/`);
  await page.locator('#engine-status', { hasText: 'ready' }).waitFor();
  assert.match(await page.textContent('#engine-version'), /^\d+\.\d+\.\d+$/);
  assert.equal(await page.textContent('#engine-simd'), 'WebAssembly SIMD128');
  await page.click('#xor-train');
  await page.locator('#xor-table').waitFor();
  const probs = await page.$$eval('#xor-table tbody tr td:last-child', (tds) => tds.map((td) => Number(td.textContent)));
  assert.deepEqual(probs.map((p) => (p > 0.5 ? 1 : 0)), [0, 1, 1, 0]);
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
