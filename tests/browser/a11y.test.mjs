// a11y.test.mjs: axe-core (npm) on every page, in the states a learner sees them: loaded, and
// for the playground also trained a little on 2-D data and on images. Serious or critical
// violations (WCAG 2.1 A and AA rules) fail the test and are listed with their elements.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { start, openPage, openPlayground } from './browser.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let env;
before(async () => (env = await start()));
after(async () => env?.close());

async function violations(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join('\n    ')}`);
}

// (a function: every element on the page has its state, and none is still loading)
const ALL_READY = () => [...document.querySelectorAll('dl-widget, dl-playground')].every((e) => e.dataset.state === 'ready');

const PAGES = [
  ['home', '/index.html', 'main'],
  ['playground, 2-D', '/playground.html#dataset=spiral&speed=fast&epochs=20', '[data-playground][data-engine="ready"]'],
  ['playground, MNIST', '/playground.html#dataset=mnist&preset=lenet', '[data-playground][data-engine="ready"]'],
  ['two playgrounds', '/two-playgrounds.html', '[data-slot="b"][data-engine="ready"]'],
  ['components', '/components-demo.html', 'body'],
  ['GAN', '/gan.html', '[data-engine="ready"]'],
  ['2-D GAN', '/gan.html#dataset=ring', '[data-engine="ready"]'],
  ['VAE', '/vae.html', '[data-engine="ready"]'],
  ['Text', '/text.html', '[data-engine="ready"]'],
  ['Seq2seq', '/seq2seq.html', '[data-engine="ready"]'],
  // Every widget kind, as elements in the lesson's flow (the course page holds each kind at least
  // once: the concepts test keeps it so), checked once all of them are ready; the page and iframe
  // forms wrap the same widget markup in a page of their own, checked for a few kinds.
  ['sample course (elements)', '/course/', ALL_READY],
  ...['activation', 'augment', 'gcn'].flatMap((k) => [
    [`${k} widget`, `/widget.html?kind=${k}`, '[data-widget][data-engine="ready"]'],
    [`${k} iframe form`, `/embed.html?kind=${k}`, '[data-widget][data-engine="ready"]'],
  ]),
];

for (const [name, path, ready] of PAGES)
  test(`axe-core finds no serious or critical violation on the ${name} page`, async () => {
    const page = await openPage(env.browser, `${env.base}${path}`, { viewport: { width: 1440, height: 900 } });
    if (typeof ready === 'function') await page.waitForFunction(ready, null, { timeout: 60000 });
    else await page.waitForSelector(ready, { state: 'attached', timeout: 30000 });
    await page.waitForTimeout(500);
    if (name === 'playground, 2-D') { // and as it looks once trained
      await page.click('[data-part="start"]');
      await page.waitForSelector('[data-playground][data-runs="1"]', { state: 'attached', timeout: 30000 });
    }
    const found = await violations(page);
    assert.deepEqual(found, [], `\n${found.join('\n')}`);
    await page.close();
  });

test('the first Tab reaches a skip link to the controls, and focus shows a ring of at least 3:1 contrast', async () => {
  const page = await openPlayground(env, '#dataset=xor', { viewport: { width: 1440, height: 900 } });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.part), 'skip');
  assert.ok(await page.isVisible('[data-part="skip"]'), 'the skip link shows when focused');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.part), 'start');
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { width: parseFloat(s.outlineWidth), color: s.outlineColor };
  });
  assert.ok(ring.width >= 2, JSON.stringify(ring));
  // contrast of the ring's colour against the white card behind it
  const [r, g, b] = ring.color.match(/\d+/g).map(Number).map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const contrast = 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
  assert.ok(contrast >= 3, `focus ring contrast ${contrast.toFixed(2)}:1`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
