// widgets-gnn.test.mjs: the graph neural network widgets (gcn, gat) and the karate club data they
// share. The data is checked against the standard set's counts (34 members, 78 friendships, each
// member's degree, two clubs of 17); the message-passing view against Âᵏx worked in double from
// the adjacency; the GCN must learn the clubs from one labelled member of each; the GAT's
// attention rows must be distributions over each neighbourhood equal to α recomputed from the
// engine's h, a_self and a_nbr; and a seed must replay the same run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, screenshot } from './browser.mjs';
import { NODES, EDGES, FACTION, DEGREE, NEIGHBOURS, adjacency, labelledNodes, hopsFrom } from '../../web/js/widgets/karate.mjs';

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const open = async (kind, hash = '', viewport = { width: 1440, height: 900 }) => {
  const page = await openPage(env.browser, `${env.base}/widget.html?kind=${kind}${hash}`, { viewport, requests: true });
  await page.waitForSelector('[data-widget][data-engine="ready"]');
  return page;
};
const results = (page) => page.$eval('dl-widget', (el) => el.results());
// Train from the start and wait for the run to end (the n-th run of this page).
async function train(page, n) {
  await page.$eval('dl-widget', (el) => el.start());
  await page.waitForSelector(`[data-widget][data-trained="${n}"]`, { timeout: 30000 });
  return results(page);
}
const near = (a, b, what, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: widget ${a}, by hand ${b}`);

// The standard data set's degrees (Zachary 1977; NetworkX's karate_club_graph numbering).
const STANDARD_DEGREES = [16, 9, 10, 6, 3, 4, 4, 4, 5, 2, 3, 1, 2, 5, 2, 2, 2, 2, 2, 3, 2, 2, 2, 5, 3, 3, 2, 4, 3, 4, 4, 6, 12, 17];
const MR_HI = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21];

test('the karate club has 34 members, 78 friendships, the standard degrees and two clubs of 17', () => {
  assert.equal(NODES, 34);
  assert.equal(EDGES.length, 78);
  assert.equal(new Set(EDGES.map(([i, j]) => `${Math.min(i, j)}-${Math.max(i, j)}`)).size, 78, 'no friendship twice');
  assert.ok(EDGES.every(([i, j]) => i !== j && i >= 0 && j < 34), 'no self-loops, all within 0..33');
  const degree = new Array(34).fill(0);
  for (const [i, j] of EDGES) degree[i]++, degree[j]++;
  assert.deepEqual(degree, STANDARD_DEGREES);
  assert.deepEqual(DEGREE, STANDARD_DEGREES);
  assert.equal(degree[0], 16), assert.equal(degree[33], 17), assert.equal(degree[32], 12);
  assert.deepEqual(FACTION.map((f, i) => (f === 0 ? i : -1)).filter((i) => i >= 0), MR_HI);
  assert.equal(FACTION.filter((f) => f === 1).length, 17);
  assert.equal(FACTION[0], 0, 'Mr. Hi leads club 0'), assert.equal(FACTION[33], 1, 'the officer leads club 1');
  const A = adjacency();
  for (let i = 0; i < 34; i++) for (let j = 0; j < 34; j++) assert.equal(A[i * 34 + j], A[j * 34 + i]);
  assert.equal(A.reduce((a, v) => a + v, 0), 156);
  assert.deepEqual(labelledNodes(1, 7), [0, 33]);
  const three = labelledNodes(3, 2);
  assert.equal(three.length, 6);
  assert.deepEqual([0, 1].map((c) => three.filter((i) => FACTION[i] === c).length), [3, 3]);
});

// Âᵏ e_s in double: Ã = A + I, then sym D^-½ Ã D^-½, mean D^-1 Ã, or sum Ã.
function spreadByHand(node, k, norm) {
  const A = adjacency(), d = new Array(34).fill(1);
  for (let i = 0; i < 34; i++) for (let j = 0; j < 34; j++) d[i] += A[i * 34 + j];
  const Ahat = (i, j) => {
    const a = i === j ? 1 : A[i * 34 + j];
    return norm === 'sym' ? a / Math.sqrt(d[i] * d[j]) : norm === 'mean' ? a / d[i] : a;
  };
  let x = Array.from({ length: 34 }, (_, i) => (i === node ? 1 : 0));
  for (let h = 0; h < k; h++) x = x.map((_, i) => x.reduce((s, xj, j) => s + Ahat(i, j) * xj, 0));
  return x;
}

test('the gcn widget\'s message passing is Âᵏx, reaching exactly the k-hop neighbourhood, for each normalization', async () => {
  const page = await open('gcn', '#node=16&hops=0');
  let r = await results(page);
  assert.deepEqual(r.hops.values, spreadByHand(16, 0, 'sym'));
  for (const [norm, node, k] of [['sym', 16, 1], ['sym', 16, 4], ['mean', 9, 2], ['sum', 25, 3], ['mean', 0, 4]]) {
    await page.selectOption('[data-part="norm"]', norm);
    await page.fill('[data-part="node"]', String(node));
    await page.fill('[data-part="hops"]', String(k));
    r = await results(page);
    assert.deepEqual([r.hops.norm, r.hops.node, r.hops.k], [norm, node, k]);
    const want = spreadByHand(node, k, norm);
    r.hops.values.forEach((v, i) => near(v, want[i], `${norm}: (Â^${k} e_${node})[${i}]`));
    near(r.hops.total, want.reduce((a, v) => a + v, 0), 'the sum of the values');
    const within = hopsFrom(node).filter((h) => h <= k).length;
    assert.equal(r.hops.values.filter((v) => v > 0).length, within, 'non-zero exactly within k hops');
    assert.equal(r.hops.reached, within);
    assert.match(r.summary, new RegExp(`from node ${node}, k = ${k} \\(${norm}\\): ${within} nodes hold part of the signal`));
    assert.match(await page.getAttribute('[data-part="hops"] canvas', 'aria-label'), new RegExp(`node ${node} after ${k} graph convolutions: ${within} of 34`));
  }
  await screenshot(page, 'widget-gcn-hops-1440');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the gcn widget learns the clubs from one labelled member each: ≥ 90% on the other 32, seeds 1 to 3, and a seed replays', async () => {
  const page = await open('gcn');
  const before = await results(page);
  assert.equal(before.steps, 0);
  await screenshot(page, 'widget-gcn-before-1440');
  const runs = [];
  for (const seed of [1, 2, 3]) {
    if (seed > 1) await page.fill('[data-part="seed"]', String(seed)), await page.dispatchEvent('[data-part="seed"]', 'change');
    const r = await train(page, seed);
    assert.equal(r.steps, 200);
    assert.deepEqual(r.labelled, [0, 33]);
    // the accuracy shown is the share of the unlabelled members whose predicted club is right
    const right = r.predicted.filter((p, i) => i !== 0 && i !== 33 && p === FACTION[i]).length;
    near(r.accuracy, right / 32, 'accuracy');
    assert.ok(r.accuracy >= 0.9, `seed ${seed}: accuracy ${r.accuracy}`);
    assert.ok(r.loss < 0.1, `seed ${seed}: loss on the labelled ${r.loss}`);
    assert.equal(r.predicted[0], 0), assert.equal(r.predicted[33], 1);
    assert.ok(r.z.every((v) => Math.abs(v) <= 1), 'tanh embeddings');
    assert.equal(r.history.accuracy.length, 200);
    assert.match(r.summary, new RegExp(`After 200 steps: accuracy on the 32 unlabelled members ${(100 * r.accuracy).toFixed(1)}%`));
    runs.push(r);
    if (seed === 1) await screenshot(page, 'widget-gcn-after-1440');
  }
  // the embeddings of the two clubs end apart: each club's mean z on its side of the other's
  const mean = (c) => [0, 1].map((d) => runs[0].z.filter((_, k) => k % 2 === d && FACTION[k >> 1] === c).reduce((a, v) => a + v, 0) / 17);
  assert.ok(Math.hypot(mean(0)[0] - mean(1)[0], mean(0)[1] - mean(1)[1]) > 0.5, 'the clubs\' embeddings separate');
  await page.fill('[data-part="seed"]', '1'), await page.dispatchEvent('[data-part="seed"]', 'change');
  const again = await train(page, 4);
  assert.deepEqual(again.z, runs[0].z);
  assert.deepEqual(again.history, runs[0].history);
  assert.deepEqual(page.errors, []);
  await page.close();
  const phone = await open('gcn', '', { width: 390, height: 844 });
  await screenshot(phone, 'widget-gcn-before-390');
  assert.deepEqual(phone.errors, []);
  await phone.close();
});

// α_i· recomputed in double: e_ij = LeakyReLU(a_self·h_i + a_nbr·h_j), softmax over j ∈ N(i) ∪ {i}
function alphaByHand({ h, aSelf, aNbr, slope }) {
  const F = aSelf.length, dot = (a, i) => a.reduce((s, v, f) => s + v * h[i * F + f], 0);
  const out = [];
  for (let i = 0; i < 34; i++) {
    const js = [...NEIGHBOURS[i], i], e = js.map((j) => {
      const z = dot(aSelf, i) + dot(aNbr, j);
      return z > 0 ? z : slope * z;
    });
    const top = Math.max(...e), ex = e.map((v) => Math.exp(v - top)), s = ex.reduce((a, v) => a + v, 0);
    const row = new Array(34).fill(0);
    js.forEach((j, k) => (row[j] = ex[k] / s));
    out.push(row);
  }
  return out;
}

test('the gat widget\'s attention rows sum to 1 over each neighbourhood and are α from the engine\'s h, a_self, a_nbr', async () => {
  const page = await open('gat', '#node=2');
  const r = await train(page, 1);
  assert.equal(r.steps, 200);
  assert.ok(r.accuracy.gcn >= 0.9 && r.accuracy.gat >= 0.8, `accuracy GCN ${r.accuracy.gcn}, GAT ${r.accuracy.gat}`);
  assert.equal(r.history.gcn.length, 200), assert.equal(r.history.gat.length, 200);
  await screenshot(page, 'widget-gat-after-1440');
  for (const layer of [1, 2]) {
    if (layer === 2) await page.selectOption('[data-part="layer"]', '2');
    const s = layer === 1 ? r : await results(page), { alpha } = s.attention, want = alphaByHand(s.attention);
    assert.equal(s.layer, layer);
    assert.equal(s.attention.aSelf.length, layer === 1 ? 8 : 2);
    for (let i = 0; i < 34; i++) {
      const row = alpha.slice(i * 34, i * 34 + 34), allowed = new Set([...NEIGHBOURS[i], i]);
      near(row.reduce((a, v) => a + v, 0), 1, `layer ${layer}: sum of α row ${i}`);
      row.forEach((v, j) => (allowed.has(j) ? near(v, want[i][j], `layer ${layer}: α[${i}][${j}]`, 1e-4) : assert.equal(v, 0, `layer ${layer}: α[${i}][${j}] off the neighbourhood`)));
    }
    // the chosen member's row, shown in the table beside the GCN's fixed 1/√(d̃_i d̃_j)
    assert.deepEqual(s.alphaRow, alpha.slice(2 * 34, 3 * 34));
    s.fixedRow.forEach((v, j) => near(v, [...NEIGHBOURS[2], 2].includes(j) ? 1 / Math.sqrt((DEGREE[2] + 1) * (DEGREE[j] + 1)) : 0, `GCN weight 2→${j}`));
    const cell = await page.textContent('[data-part="weights"] tbody tr:first-child');
    assert.match(cell, new RegExp(`^0Mr\\. Hi17${s.alphaRow[0].toFixed(3)}${s.fixedRow[0].toFixed(3)}$`));
  }
  // a seed replays: train again, the same accuracies and weights
  const again = await train(page, 2);
  assert.deepEqual(again.history, r.history);
  await page.selectOption('[data-part="layer"]', '1');
  assert.deepEqual((await results(page)).attention, r.attention);
  assert.deepEqual(page.errors, []);
  await page.close();
  const phone = await open('gat', '', { width: 390, height: 844 });
  await screenshot(phone, 'widget-gat-before-390');
  assert.deepEqual(phone.errors, []);
  await phone.close();
});
