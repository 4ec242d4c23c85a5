// text.test.mjs: the text page as a learner uses it: each model type trains briefly and writes,
// the next character's bars follow temperature, top-k and top-p without asking the engine, a
// character drawn joins the prompt, beam search draws its tree, the inside views (attention maps,
// an LSTM's state and gates), save and load, bad settings refused in place, a text of one's own,
// and a 390-pixel phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const ready = (page) => page.waitForSelector('[data-engine="ready"]', { state: 'attached', timeout: 60000 });
const idle = (page) => page.waitForSelector('[data-engine][data-training="idle"]', { state: 'attached', timeout: 30000 });
const counter = (page, key) => page.$eval('[data-engine]', (e, k) => Number(e.dataset[k] ?? 0), key);
// small windows and batches keep every model quick; `every` makes the first sample come soon
const SMALL = 'steps=24&batch=8&every=10';

async function trainSteps(page, n) {
  await page.click('[data-part="start"]');
  await page.waitForFunction((k) => Number(document.querySelector('[data-engine]').dataset.steps) >= k, n, { timeout: 90000 });
  await page.click('[data-part="start"]'); // Pause
  await idle(page);
}

async function clickAndWait(page, part) {
  const before = await counter(page, 'generated');
  await page.click(`[data-part="${part}"]`);
  await page.waitForFunction((k) => Number(document.querySelector('[data-engine]').dataset.generated ?? 0) > k, before, { timeout: 30000 });
  return page.textContent('[data-part="output"]');
}

for (const preset of ['rnn', 'lstm', 'gru', 'gpt']) {
  test(`the ${preset} preset trains on tinyshakespeare and writes: samples as it learns, a generated text, bars for the next character, the inside view`, async () => {
    const page = await openPage(env.browser, `${env.base}/text.html#preset=${preset}&${SMALL}`, { viewport: { width: 1440, height: 900 } });
    await ready(page);
    assert.match(await page.textContent('[data-part="data-status"]'), /1,115,394 characters .* 65 characters/);
    // the preset's program: the GPT with AdamW 0.1 and a 100-update warm-up, the recurrent nets plain Adam
    assert.deepEqual([await page.inputValue('[data-part="decay"]'), await page.inputValue('[data-part="warmup"]')], preset === 'gpt' ? ['0.1', '100'] : ['0', '0']);
    await trainSteps(page, 12);
    await page.waitForSelector('[data-part="sample-list"] li pre', { timeout: 30000 });
    const headline = await page.textContent('[data-part="headline"]');
    const loss = Number(/validation ([\d.]+) nats/.exec(headline)?.[1]);
    assert.ok(loss > 0 && loss < Math.log(65) + 0.3, headline); // a finite loss, near chance after a few steps
    const out = await clickAndWait(page, 'generate');
    assert.ok(out.replace(/↵/g, '').length >= 'ROMEO:'.length + 300, `generated ${out.length} characters`);
    assert.equal(await page.$$eval('.tb-row', (r) => r.length), 15);
    // inside: every head of every block for the GPT; the state, cell and four gates for the LSTM
    const maps = await page.$$eval('[data-part="inside"] canvas', (c) => c.length);
    assert.equal(maps, { gpt: 16, lstm: 6, gru: 4, rnn: 1 }[preset]);
    assert.deepEqual(page.errors, []);
    if (preset === 'gpt' || preset === 'lstm') await screenshot(page, `text-${preset}-1440`);
    await page.close();
  });
}

test('an LSTM carrying its state between batches trains, and goes on when the batch changes', async () => {
  const page = await openPage(env.browser, `${env.base}/text.html#preset=lstm&${SMALL}&carry=on`, { viewport: { width: 1280, height: 900 } });
  await ready(page);
  assert.equal(await page.$eval('[data-part="carry"]', (e) => e.value), 'on');
  await trainSteps(page, 20);
  const steps = await counter(page, 'steps');
  await page.fill('[data-part="batch"]', '4');
  await page.dispatchEvent('[data-part="batch"]', 'change');
  await trainSteps(page, steps + 10);
  const headline = await page.textContent('[data-part="headline"]');
  assert.ok(Number(/validation ([\d.]+) nats/.exec(headline)?.[1]) < Math.log(65), headline);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('temperature, top-k and top-p reshape the bars at once; a drawn character joins the prompt; beam search draws its tree; the same seed gives the same text', async () => {
  const page = await openPage(env.browser, `${env.base}/text.html#preset=gpt&${SMALL}&prompt=KING`, { viewport: { width: 1280, height: 900 } });
  await ready(page);
  await trainSteps(page, 10);
  await page.waitForSelector('.tb-row');
  const bars = () => page.$$eval('.tb-row', (rows) => rows.map((r) => r.querySelector('.tb-value').textContent));
  const warm = await bars();
  await page.$eval('[data-part="temperature"]', (e) => { e.value = '0.2'; e.dispatchEvent(new Event('input')); });
  await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('.tb-row .tb-value')].map((e) => e.textContent)) !== w, JSON.stringify(warm));
  const cold = await bars();
  assert.ok(parseFloat(cold[0]) > parseFloat(warm[0]), `the top bar grows as the temperature falls: ${warm[0]} -> ${cold[0]}`);
  await page.$eval('[data-part="topk"]', (e) => { e.value = '1'; e.dispatchEvent(new Event('input')); });
  await page.waitForFunction(() => document.querySelectorAll('.tb-row:not(.cut)').length === 1);
  assert.equal((await bars())[0], '100.0%');
  // top-k 1 is greedy: Next character appends the most likely one
  await page.click('[data-part="next-token"]');
  await page.waitForFunction(() => document.querySelector('[data-part="prompt"]').value.length === 5);
  assert.match(page.url(), /prompt=KING./);
  // beam search: a tree of `width` rows
  const beamed = await clickAndWait(page, 'beam-search');
  assert.match(beamed, /beam width 4/);
  assert.ok(await page.$$eval('[data-part="tree"] svg text', (t) => t.length) >= 4 * 10);
  // the same seed and settings give the same text
  await page.$eval('[data-part="topk"]', (e) => { e.value = '0'; e.dispatchEvent(new Event('input')); });
  await page.fill('[data-part="length"]', '80');
  await page.press('[data-part="length"]', 'Enter');
  const a = await clickAndWait(page, 'generate'), b = await clickAndWait(page, 'generate');
  assert.equal(a, b);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a saved model loads back and writes the same text; bad settings are refused in place; a text of one\'s own trains', async () => {
  const page = await openPage(env.browser, `${env.base}/text.html#preset=gru&${SMALL}&length=60`, { viewport: { width: 1280, height: 900 } });
  await ready(page);
  await trainSteps(page, 6);
  const written = await clickAndWait(page, 'generate');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-part="save"]')]);
  const bytes = await readFile(await download.path());
  await page.click('[data-part="reset"]');
  await page.waitForFunction(() => document.querySelector('[data-engine]').dataset.steps === '0');
  assert.notEqual(await clickAndWait(page, 'generate'), written, 'new weights write something else');
  await page.setInputFiles('[data-part="load"]', { name: 'gru.dlpm', mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('[data-engine]').dataset.loaded === 'gru.dlpm', null, { timeout: 30000 });
  assert.equal(await clickAndWait(page, 'generate'), written);
  // a file that is no language model is refused, and the model stays
  await page.setInputFiles('[data-part="load"]', { name: 'mnist.dlpm', mimeType: 'application/octet-stream', buffer: await readFile(new URL('../../web/models/mnist-mlp.dlpm', import.meta.url)) });
  await page.waitForFunction(() => /Could not load mnist\.dlpm/.test(document.querySelector('[data-part="file-status"]').textContent));
  assert.equal(await clickAndWait(page, 'generate'), written);
  // a window of 0 steps is marked and blocks Start until fixed
  await page.fill('[data-part="steps"]', '0');
  await page.press('[data-part="steps"]', 'Tab');
  await page.waitForFunction(() => document.querySelector('[data-part="start"]').disabled);
  assert.match(await page.textContent('[data-part="start-why"]'), /\S/);
  await page.fill('[data-part="steps"]', '24');
  await page.press('[data-part="steps"]', 'Tab');
  await page.waitForFunction(() => !document.querySelector('[data-part="start"]').disabled, null, { timeout: 30000 });
  // a prompt with a character the text never uses says which
  await page.fill('[data-part="prompt"]', 'Ж');
  await page.press('[data-part="prompt"]', 'Tab');
  await page.click('[data-part="generate"]');
  await page.waitForFunction(() => /never uses: "Ж"/.test(document.querySelector('[data-part="output"]').textContent));
  // one's own text: too short is said so, long enough trains
  await page.selectOption('[data-part="corpus"]', 'custom');
  await page.fill('[data-part="custom-text"]', 'too short');
  await page.click('[data-part="use-text"]');
  await page.waitForFunction(() => /at least 2,000 are needed/.test(document.querySelector('[data-part="data-status"]').textContent));
  assert.ok(await page.$eval('[data-part="start"]', (b) => b.disabled));
  await page.fill('[data-part="custom-text"]', 'the cat sat on the mat. '.repeat(200));
  await page.click('[data-part="use-text"]');
  await page.waitForFunction(() => /4,800 characters .* 11 characters/.test(document.querySelector('[data-part="data-status"]').textContent), null, { timeout: 30000 });
  await page.fill('[data-part="prompt"]', 'the ');
  await page.press('[data-part="prompt"]', 'Tab');
  await trainSteps(page, 4);
  assert.match(await clickAndWait(page, 'generate'), /^the /);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a link with bad values falls back with notices; on a 390-pixel phone the page fits and trains', async () => {
  const page = await openPage(env.browser, `${env.base}/text.html#preset=gpt&${SMALL}&temperature=9&beam=99`, { viewport: { width: 390, height: 844 } });
  await ready(page);
  const notices = await page.textContent('[data-part="notices"]');
  assert.match(notices, /temperature/);
  assert.match(notices, /beam/);
  await trainSteps(page, 4);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${overflow} px wider than the screen`);
  await screenshot(page, 'text-390');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the seq2seq tab trains without a teacher: the decoder reads its own choices, and it still learns', async () => {
  const page = await openPage(env.browser, `${env.base}/seq2seq.html#examples=3000&teacher=0`, { viewport: { width: 1280, height: 900 } });
  await ready(page);
  assert.equal(await page.$eval('[data-part="teacher"]', (e) => e.value), '0');
  await trainSteps(page, 200);
  await page.waitForFunction(() => Number(document.querySelector('[data-engine]').dataset.scored ?? -1) >= 200, null, { timeout: 60000 });
  const headline = await page.textContent('[data-part="headline"]');
  const forced = Number(/([\d.]+)% of target tokens right with teacher forcing/.exec(headline)[1]);
  assert.ok(forced > 40, headline); // (guessing among 13 tokens: 8%)
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the seq2seq tab trains an encoder-decoder to reverse strings: teacher-forced accuracy, greedy and beam exact match, decoded examples, a typed source', async () => {
  const page = await openPage(env.browser, `${env.base}/seq2seq.html#examples=3000`, { viewport: { width: 1440, height: 900 } });
  await ready(page);
  assert.match(await page.textContent('[data-part="data-status"]'), /3,000 training examples/);
  await trainSteps(page, 500);
  await page.waitForFunction(() => Number(document.querySelector('[data-engine]').dataset.scored ?? -1) >= 500, null, { timeout: 60000 });
  const headline = await page.textContent('[data-part="headline"]');
  const [, forced, greedy, beam] = /([\d.]+)% of target tokens right with teacher forcing; exact match decoding alone ([\d.]+)% greedy, ([\d.]+)% with a beam/.exec(headline).map(Number);
  assert.ok(forced >= 90 && greedy >= 70 && beam >= 70, headline);
  assert.equal(await page.$$eval('[data-part="examples-table"] tr', (r) => r.length), 8);
  await page.fill('[data-part="source"]', 'abcdef');
  await page.press('[data-part="source"]', 'Tab');
  const out = await clickAndWait(page, 'translate');
  assert.match(out, /greedy: \w+ \(log-probability -?[\d.]+\)\nbeam 4: \w+/);
  await page.fill('[data-part="source"]', 'xyz');
  await page.press('[data-part="source"]', 'Tab');
  assert.match(await clickAndWait(page, 'translate'), /not x y z/);
  await screenshot(page, 'seq2seq-1440');
  // the add task is the other preset: choosing it makes new data
  await page.selectOption('[data-part="preset"]', 'add');
  await page.waitForFunction(() => /\d+\+\d+ → \d+/.test(document.querySelector('[data-part="data-status"]').textContent), null, { timeout: 30000 });
  assert.deepEqual(page.errors, []);
  await page.close();
});
