// pages.test.mjs: every page loads with no console errors or failed requests, and the plain
// (non-SIMD) engine runs the playground when SIMD is turned off, saying so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

for (const [path, ready] of [['/', '#engine-status.ok'], ['/playground.html', '[data-playground][data-engine="ready"]'], ['/components-demo.html', 'canvas'], ['/gan.html', '[data-engine="ready"]'], ['/gan.html#dataset=ring', '[data-engine="ready"]'], ['/vae.html', '[data-engine="ready"]'], ['/text.html', '[data-engine="ready"]'], ['/seq2seq.html', '[data-engine="ready"]'], ['/course/', 'dl-playground[data-state="ready"]'], ['/widget.html?kind=optimizer-race', '[data-widget][data-engine="ready"]']]) {
  test(`${path} loads with no console errors and no failed requests`, async () => {
    const page = await openPage(env.browser, `${env.base}${path}`, { requests: true });
    await page.waitForSelector(ready);
    await page.waitForTimeout(500);
    await screenshot(page, `page${path.replace(/[/.#=?&]/g, '-')}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('with SIMD turned off the playground runs the plain build and says so', async () => {
  const page = await openPage(env.browser, `${env.base}/playground.html#dataset=xor&simd=off&epochs=50`);
  await page.waitForSelector('[data-playground][data-engine="ready"]');
  assert.match(await page.textContent('[data-part="engine-status"]'), /plain WebAssembly \(SIMD turned off by the link\)/);
  await page.waitForFunction(() => /training and \d+ test points/.test(document.querySelector('[data-part="data-status"]').textContent));
  await page.click('[data-part="start"]');
  await page.waitForSelector('[data-playground][data-runs="1"]', { state: 'attached', timeout: 60000 });
  assert.ok(parseFloat(await page.textContent('[data-part="test-accuracy"]')) > 90);
  assert.deepEqual(page.errors, []);
  await page.close();
});
