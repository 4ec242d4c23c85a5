// widgets-embeddings.test.mjs: the skip-gram widget. The test reads tinyshakespeare itself,
// counts its words, makes the (centre, context) pairs and their unigram entropy, and checks the
// widget against that: the same vocabulary and baseline, a training loss that ends below the
// baseline, cosines and neighbours equal to the ones recomputed here from the engine's
// embedding matrix (results()), and embeddings that carry what the text says about the words:
// words used in similar contexts (similar PPMI rows, counted here) get similar vectors, far more
// than before training. Same seed, same embeddings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, openPage, screenshot } from './browser.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const V = 500, WINDOW = 2, D = 32, K = 100;
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const cos = (a, b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
const words = readFileSync(new URL('../../web/text/tinyshakespeare.txt', import.meta.url), 'utf8').toLowerCase().match(/[a-z]+(?:'[a-z]+)*/g);

// the corpus as the lede describes it, counted here
const corpus = (() => {
  const n = new Map();
  for (const t of words) n.set(t, (n.get(t) ?? 0) + 1);
  const vocab = [...n.keys()].sort((a, b) => n.get(b) - n.get(a) || (a < b ? -1 : 1)).slice(0, V);
  const id = new Map(vocab.map((t, i) => [t, i])), ids = words.map((t) => id.get(t));
  const pairs = [];
  ids.forEach((c, i) => {
    if (c === undefined) return;
    for (let j = i - WINDOW; j <= i + WINDOW; j++) if (j !== i && ids[j] !== undefined) pairs.push([c, ids[j]]);
  });
  const ctx = new Float64Array(V), cen = new Float64Array(V), joint = Array.from({ length: K }, () => new Float64Array(V));
  for (const [c, t] of pairs) (ctx[t] += 1), (cen[c] += 1), c < K && (joint[c][t] += 1);
  const N = pairs.length, H = -[...ctx].reduce((s, k) => s + (k ? (k / N) * Math.log(k / N) : 0), 0);
  // positive pointwise mutual information of the K most frequent words with each context word
  const ppmi = joint.map((row, c) => row.map((k, t) => (k ? Math.max(0, Math.log((N * k) / (cen[c] * ctx[t]))) : 0)));
  const similar = ppmi.map((a) => ppmi.map((b) => cos(a, b))); // (how alike two words' contexts are)
  return { vocab, id, N, H, similar };
})();

const row = (E, i) => E.slice(i * D, (i + 1) * D);
function pearson(x, y) {
  const mx = x.reduce((a, b) => a + b) / x.length, my = y.reduce((a, b) => a + b) / y.length;
  return dot(x.map((v) => v - mx), y.map((v) => v - my)) / Math.sqrt(dot(x.map((v) => v - mx), x.map((v) => v - mx)) * dot(y.map((v) => v - my), y.map((v) => v - my)));
}
// how well the embeddings' cosines follow the contexts' (over pairs of the K most frequent words)
function contextAgreement(E) {
  const ctx = [], emb = [];
  for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) ctx.push(corpus.similar[a][b]), emb.push(cos(row(E, a), row(E, b)));
  return pearson(ctx, emb);
}
// the share of the K words whose nearest word by embedding (among the K) is one of their 10 nearest by context
function neighbourHits(E) {
  let hits = 0;
  for (let a = 0; a < K; a++) {
    const others = [...Array(K).keys()].filter((b) => b !== a);
    const byEmb = others.reduce((m, b) => (cos(row(E, a), row(E, b)) > cos(row(E, a), row(E, m)) ? b : m));
    const byCtx = others.sort((p, q) => corpus.similar[a][q] - corpus.similar[a][p]).slice(0, 10);
    hits += byCtx.includes(byEmb);
  }
  return hits / K;
}

const results = (page) => page.$eval('dl-widget', (el) => el.results());
const summary = (page) => page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="summary"]').textContent);

// the widget's neighbours and pair cosine, recomputed from its embedding matrix
function checkCosines(r, query, [first, second]) {
  const E = r.embeddings, q = corpus.id.get(query);
  const want = corpus.vocab.map((t, i) => ({ word: t, cosine: cos(row(E, q), row(E, i)) })).filter((x) => x.word !== query).sort((a, b) => b.cosine - a.cosine).slice(0, 8);
  assert.deepEqual(r.neighbours.map((n) => n.word), want.map((n) => n.word), query);
  r.neighbours.forEach((n, i) => assert.ok(Math.abs(n.cosine - want[i].cosine) < 1e-9, `${query}: ${n.word} ${n.cosine} vs ${want[i].cosine}`));
  const [a, b] = [row(E, corpus.id.get(first)), row(E, corpus.id.get(second))];
  assert.ok(Math.abs(r.pair.cosine - cos(a, b)) < 1e-9, `cos(${first}, ${second})`);
  assert.ok(Math.abs(r.pair.distance - Math.hypot(...a.map((v, k) => v - b[k]))) < 1e-9, `distance(${first}, ${second})`);
}

// Train (the button trains `steps` more) until the widget has taken `total` steps and stopped
async function trainTo(page, total) {
  await page.click('[data-part="train"]');
  await page.waitForFunction((n) => { const r = document.querySelector('dl-widget').results(); return r.steps === n && !r.running; }, total, { timeout: 60000 });
  return results(page);
}

test('the skip-gram widget learns embeddings below the unigram baseline whose cosines follow the words\' contexts; it shows the engine\'s cosines; same seed, same embeddings', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=skip-gram#vocab=${V}&dim=${D}&window=${WINDOW}&steps=50`, { viewport: { width: 1440, height: 900 }, requests: true });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  const r0 = await results(page);
  // the data as counted here
  assert.deepEqual(r0.vocab, corpus.vocab);
  assert.equal(r0.pairs, corpus.N);
  assert.ok(Math.abs(r0.baseline - corpus.H) < 1e-9, `baseline ${r0.baseline} vs H ${corpus.H}`);
  assert.equal(r0.embeddings.length, V * D);
  checkCosines(r0, 'lord', ['he', 'she']);
  const before = { agreement: contextAgreement(r0.embeddings), hits: neighbourHits(r0.embeddings) };
  await screenshot(page, 'widget-skip-gram-1440-before');

  // the same seed replays: the same start, the same matrix after 50 steps
  const short = await trainTo(page, 50);
  await page.click('[data-part="reset"]');
  assert.deepEqual((await results(page)).embeddings, r0.embeddings);
  assert.deepEqual((await trainTo(page, 50)).embeddings, short.embeddings);

  // 250 more steps
  await page.fill('[data-part="steps"]', '250');
  await page.press('[data-part="steps"]', 'Enter');
  const r1 = await trainTo(page, 300);
  // cross-entropy from about ln V down below what ignoring the centre word gives
  const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
  assert.ok(Math.abs(r1.losses[0] - Math.log(V)) < 0.3, `first loss ${r1.losses[0]}`);
  assert.ok(mean(r1.losses.slice(-50)) < corpus.H - 0.03, `last losses ${mean(r1.losses.slice(-50))} vs H ${corpus.H}`);
  // words used alike point alike: agreement with the contexts up from chance
  const after = { agreement: contextAgreement(r1.embeddings), hits: neighbourHits(r1.embeddings) };
  assert.ok(Math.abs(before.agreement) < 0.1 && after.agreement > 0.25, JSON.stringify({ before, after }));
  assert.ok(after.hits > 3 * (10 / (K - 1)) && after.hits > before.hits + 0.2, JSON.stringify({ before, after }));
  checkCosines(r1, 'lord', ['he', 'she']);
  // what is shown is what was computed
  const shown = await page.$eval('dl-widget', (el) => [...el.shadowRoot.querySelectorAll('[data-part="neighbours"] tbody tr')].map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
  assert.deepEqual(shown, r1.neighbours.map((n) => [n.word, n.cosine.toFixed(3)]));
  assert.ok((await summary(page)).includes(`cos(he, she) = ${r1.pair.cosine.toFixed(3)}`), await summary(page));
  await screenshot(page, 'widget-skip-gram-1440-after');

  // a query typed in (Enter commits it), and one not in the vocabulary
  await page.fill('[data-part="word"]', 'King');
  await page.press('[data-part="word"]', 'Enter');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().query === 'king');
  checkCosines(await results(page), 'king', ['he', 'she']);
  await page.fill('[data-part="word"]', 'zyzzyva');
  await page.press('[data-part="word"]', 'Enter');
  await page.waitForFunction(() => document.querySelector('dl-widget').results().neighbours === null);
  assert.match(await page.$eval('dl-widget', (el) => el.shadowRoot.querySelector('[data-part="neighbours"]').textContent), /not among the 500 words kept/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the skip-gram widget on a phone: a short run, the views stacked', async () => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=skip-gram#steps=100&vocab=300&dim=16&window=3&word=king`, { viewport: { width: 390, height: 844 }, requests: true });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  await screenshot(page, 'widget-skip-gram-390-before');
  const r = await trainTo(page, 100);
  assert.equal(r.vocab.length, 300);
  assert.equal(r.embeddings.length, 300 * 16);
  await screenshot(page, 'widget-skip-gram-390-after');
  assert.deepEqual(page.errors, []);
  await page.close();
});
