// two-playgrounds.test.mjs: two playgrounds on one page (web/two-playgrounds.html, made with
// createPlayground and sharing one worker) train at the same time without touching each other:
// each keeps its own editor, settings, model and results, the page has no duplicate ids, and
// the network that can learn XOR gives exactly what it gives alone on playground.html.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const A = 'dataset=xor&preset=perceptron&epochs=300&speed=fast', B = 'dataset=xor&preset=mlp&epochs=300&optimizer=momentum&lr=0.05&speed=fast';
const side = (s) => `[data-slot="${s}"]`;
const part = (s, name) => `${side(s)} [data-part="${name}"]`;
const cards = (page, s) => page.$$eval(`${side(s)} .le-head select`, (e) => e.map((x) => x.value));

async function pair(viewport) {
  const page = await openPage(env.browser, `${env.base}/two-playgrounds.html#a=${encodeURIComponent(A)}&b=${encodeURIComponent(B)}`, { viewport, requests: true });
  for (const s of ['a', 'b']) await page.waitForSelector(`${side(s)}[data-engine="ready"]`);
  for (const s of ['a', 'b']) await page.waitForFunction((sel) => /200 training and 200 test points/.test(document.querySelector(sel).textContent), part(s, 'data-status'));
  return page;
}

test('two playgrounds on one page train at the same time in one worker and do not interfere', async () => {
  const page = await pair();
  // each has its own editor and settings
  assert.deepEqual(await cards(page, 'a'), []);
  assert.deepEqual(await cards(page, 'b'), ['dense', 'dense']);
  assert.equal(await page.inputValue(part('a', 'optimizer')), 'adam');
  assert.equal(await page.inputValue(part('b', 'optimizer')), 'momentum');
  assert.equal(await page.isVisible(`${side('a')} [data-option="momentum"]`), false); // adam takes no momentum
  assert.equal(await page.isVisible(`${side('b')} [data-option="momentum"]`), true);
  // an edit on one side leaves the other alone, and neither writes the page's URL
  const url = page.url();
  await page.click(`${side('a')} [data-part="more-settings"] > summary`); // (the rarely used settings start folded)
  await page.fill(part('a', 'l2'), '0.001');
  await page.press(part('a', 'l2'), 'Tab');
  assert.equal(await page.inputValue(part('b', 'l2')), '0');
  await page.fill(part('a', 'l2'), '0');
  await page.press(part('a', 'l2'), 'Tab');
  assert.equal(page.url(), url);
  // no id appears twice (the playgrounds use none), and each radio group is its own
  const ids = await page.$$eval('[id]', (e) => e.map((x) => x.id));
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids}`);
  const radios = await page.$$eval('input[type=radio]', (e) => [...new Set(e.map((x) => x.name))]);
  assert.equal(radios.length, 2);
  // both train at once, their batches taking turns in the worker: each side's progress moves
  // while the other is still running. (Reset makes each side's model first, so both Start
  // clicks go straight to training.)
  for (const s of ['a', 'b']) await page.click(part(s, 'reset'));
  for (const s of ['a', 'b']) await page.waitForSelector(`${side(s)}[data-boundary="drawn"]`, { state: 'attached' });
  await page.evaluate(() => {
    window.seen = { a: [], b: [] };
    for (const s of ['a', 'b']) {
      const root = document.querySelector(`[data-slot="${s}"]`), progress = root.querySelector('[data-part="progress"]');
      new MutationObserver(() => window.seen[s].push(['running', performance.now()])).observe(progress, { subtree: true, childList: true, characterData: true });
      new MutationObserver(() => root.dataset.training === 'idle' && window.seen[s].push(['idle', performance.now()])).observe(root, { attributes: true, attributeFilter: ['data-training'] });
    }
    for (const s of ['a', 'b']) document.querySelector(`[data-slot="${s}"] [data-part="start"]`).click();
  });
  for (const s of ['a', 'b']) await page.waitForSelector(`${side(s)}[data-runs="1"]`, { state: 'attached', timeout: 60000 });
  const seen = await page.evaluate(() => window.seen);
  const span = (log) => [log.find((e) => e[0] === 'running')[1], log.find((e) => e[0] === 'idle')[1]];
  const [a, b] = [span(seen.a), span(seen.b)];
  assert.ok(a[0] < b[1] && b[0] < a[1], `progress of each while the other runs: a ${a.map(Math.round)}, b ${b.map(Math.round)}`);
  for (const s of ['a', 'b']) await page.waitForSelector(`${side(s)}[data-boundary="drawn"]`, { state: 'attached' });
  const acc = async (s) => parseFloat(await page.textContent(part(s, 'test-accuracy')));
  assert.ok((await acc('a')) < 80, `a linear model cannot learn XOR: ${await acc('a')}%`);
  assert.ok((await acc('b')) > 95, `the MLP learns XOR: ${await acc('b')}%`);
  assert.equal(await page.textContent(part('a', 'epoch-count')), '300');
  assert.equal(await page.textContent(part('b', 'epoch-count')), '300');
  await page.waitForTimeout(300);
  await screenshot(page, 'two-playgrounds');

  // the MLP alone, on the playground page, gives the same figures to the last digit
  const alone = await openPage(env.browser, `${env.base}/playground.html#${B}`);
  await alone.waitForSelector('[data-playground][data-engine="ready"]');
  await alone.waitForFunction(() => /200 training/.test(document.querySelector('[data-part="data-status"]').textContent));
  await alone.click('[data-part="start"]');
  await alone.waitForSelector('[data-playground][data-runs="1"]', { state: 'attached', timeout: 60000 });
  for (const name of ['test-accuracy', 'test-loss']) assert.equal(await alone.textContent(`[data-part="${name}"]`), await page.textContent(part('b', name)), name);
  assert.deepEqual([...page.errors, ...alone.errors], []);
  await alone.close();
  await page.close();
});

test('two playgrounds stack and stay readable on a 390-pixel phone screen', async () => {
  const page = await pair({ width: 390, height: 844 });
  const [overflow, culprits] = await page.evaluate(() => [document.documentElement.scrollWidth - window.innerWidth,
    [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className} ${e.dataset.part ?? ''}`)]);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen: ${culprits.join('; ')}`);
  const [a, b] = await Promise.all(['a', 'b'].map((s) => page.$eval(side(s), (e) => e.getBoundingClientRect().toJSON())));
  assert.ok(b.top >= a.bottom - 1, 'b below a');
  await screenshot(page, 'two-playgrounds-phone');
  assert.deepEqual(page.errors, []);
  await page.close();
});
