// Language models on tinyshakespeare (web/text/): short training runs of a char-LSTM and a
// mini-GPT against stated bounds, and the decoding methods against each other.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load } from '../../wasm/dlplay.mjs';
import { charVocab, bpeVocab, windows, splitIds, lmSpec, lmProgram, sample, greedy, beamSearch, nextDistribution } from '../../web/js/text.mjs';

const text = readFileSync(new URL('../../web/text/tinyshakespeare.txt', import.meta.url), 'utf8');
const vocab = charVocab(text), ids = vocab.encode(text), { train, valid } = splitIds(ids);
const dl = await load();
const CHANCE = Math.log(vocab.size); // 4.17 nats: every character equally likely

async function trained(net, iterations, lr) {
  const o = { vocab: vocab.size, ...net };
  const model = dl.model(lmSpec(o));
  model.setProgram(lmProgram({ lr }));
  const tr = windows(train, o.steps), va = windows(valid, o.steps);
  await model.train({ x: tr.x, y: tr.y }, { batchSize: 32, iterations, seed: 1 });
  const loss = model.evaluateLoss('lm', { x: va.x.subarray(0, 256 * o.steps), y: va.y.subarray(0, 256 * o.steps) }).loss;
  return { model, loss, steps: o.steps };
}

// Each run takes about 8 s on the 2-core test machine; the losses there were 2.27 (LSTM) and 2.42 (GPT).
const lstm = await trained({ cell: 'lstm', layers: 1, units: 128, embed: 32, steps: 64 }, 150, 5e-3);
const gpt = await trained({ cell: 'gpt', layers: 2, units: 64, heads: 4, steps: 32 }, 150, 3e-3);

test('the vocabulary of tinyshakespeare has 65 characters and round-trips the text', () => {
  assert.equal(vocab.size, 65);
  assert.equal(vocab.decode(ids.subarray(0, 5000)), text.slice(0, 5000));
});

test('a char-LSTM trained for 150 steps has a validation loss at most 2.45 nats per character (chance: 4.17)', () => {
  assert.ok(lstm.loss <= 2.45, `validation loss ${lstm.loss.toFixed(3)}`);
  assert.ok(lstm.loss < CHANCE - 1.5);
});

test('a mini-GPT trained for 150 steps has a validation loss at most 2.6 nats per character', () => {
  assert.ok(gpt.loss <= 2.6, `validation loss ${gpt.loss.toFixed(3)}`);
});

for (const [name, m] of [['LSTM', lstm], ['GPT', gpt]]) {
  const prompt = [...vocab.encode('ROMEO:\n')];

  test(`${name}: the one-token generator gives the logits of the full window, position by position`, () => {
    const x = ids.subarray(1000, 1000 + m.steps), full = m.model.run('logits', { x }), gen = m.model.generator(1), V = vocab.size;
    let worst = 0;
    for (let t = 0; t < m.steps; t++) {
      const step = gen.step([x[t]]);
      for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(step[v] - full[t * V + v]));
    }
    assert.ok(worst < 1e-5, `largest difference ${worst}`);
  });

  test(`${name}: a later token does not change the logits of earlier positions (causal)`, () => {
    const x = ids.slice(2000, 2000 + m.steps), a = m.model.run('logits', { x });
    x[m.steps - 1] = (x[m.steps - 1] + 1) % vocab.size;
    const b = m.model.run('logits', { x }), cut = (m.steps - 1) * vocab.size;
    assert.deepEqual(b.subarray(0, cut), a.subarray(0, cut)); // bit for bit
    assert.notDeepEqual(b.subarray(cut), a.subarray(cut));
  });

  test(`${name}: beam search of width 1 and top-k with k = 1 are greedy decoding`, () => {
    const g = greedy(m.model, prompt, 20);
    assert.deepEqual(beamSearch(m.model, prompt, 20, 1).tokens, g);
    assert.deepEqual(sample(m.model, prompt, 20, { topK: 1, seed: 9 }), g);
    const wide = beamSearch(m.model, prompt, 20, 4);
    assert.equal(wide.tree.length, 20);
    assert.ok(wide.logp >= beamSearch(m.model, prompt, 20, 1).logp - 1e-9, 'a wider beam finds a sequence at least as likely');
  });

  test(`${name}: the same seed gives the same sample, another seed another`, () => {
    const a = sample(m.model, prompt, 60, { temperature: 0.9, seed: 5 }), b = sample(m.model, prompt, 60, { temperature: 0.9, seed: 5 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(sample(m.model, prompt, 60, { temperature: 0.9, seed: 6 }), a);
  });
}

test('a transformer block\'s projections start normal with std 0.02 (GPT-2), or as its kernelInitializer says', () => {
  const std = (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
  const stds = (block) => {
    const m = dl.model({ seed: 3, inputs: { x: { shape: [8, 64] } }, networks: { n: [{ type: 'transformerBlock', heads: 4, ...block }] }, outputs: { y: { net: 'n', from: 'x' } } });
    const out = Object.fromEntries(m.getWeights().filter((w) => /\/(wq|wo|w1|w2)$/.test(w.name)).map((w) => [w.name.split('/').pop(), std(w.values)]));
    m.dispose();
    return out;
  };
  for (const [name, s] of Object.entries(stds({}))) assert.ok(Math.abs(s - 0.02) < 0.002, `${name}: std ${s}`);
  assert.ok(Math.abs(stds({ kernelInitializer: 'xavier_uniform' }).wq - Math.sqrt(2 / 128)) < 0.01); // Xavier: sqrt(2 / (64 + 64))
});

test('the rate rises linearly over the warm-up, counted in updates across a program set again, then follows the cosine', async () => {
  const o = { vocab: vocab.size, cell: 'gpt', layers: 1, units: 16, heads: 2, steps: 8 }, lr = 1e-2;
  const m = dl.model(lmSpec(o)), tr = windows(train.subarray(0, 4000), o.steps), rates = [];
  const run = (program, iterations) => (m.setProgram(program), m.train({ x: tr.x, y: tr.y }, { batchSize: 4, iterations, seed: 1, onStep: (r) => rates.push(r.steps[0].lr) }));
  await run(lmProgram({ lr, warmup: 4 }), 2); // a constant rate after its warm-up (charlm's pace-timing updates)...
  await run(lmProgram({ lr, warmup: 4, total: 10 }), 8); // ...then the cosine: the count goes on at 2
  m.dispose();
  const cosine = (t) => lr / 10 + (lr - lr / 10) * (1 + Math.cos((Math.PI * t) / 10)) / 2;
  const want = Array.from({ length: 10 }, (_, t) => (t < 2 ? lr : cosine(t)) * Math.min(1, (t + 1) / 4));
  assert.equal(rates.length, 10);
  rates.forEach((r, t) => assert.ok(Math.abs(r - want[t]) < 1e-7, `update ${t}: rate ${r}, not ${want[t]}`));
});

test('the GPT starts over on its last tokens when its window is full, and keeps going', () => {
  const out = sample(gpt.model, [...vocab.encode('KING:')], 3 * gpt.steps, { seed: 2 });
  assert.equal(out.length, 3 * gpt.steps);
});

test('temperature, top-k and top-p shape the next-token distribution as they should', () => {
  const logits = Float32Array.from([2, 1, 0, -1]);
  const p = nextDistribution(logits);
  assert.ok(Math.abs(p.reduce((a, v) => a + v, 0) - 1) < 1e-12);
  assert.ok(Math.abs(p[0] / p[1] - Math.E) < 1e-9);
  const cold = nextDistribution(logits, { temperature: 0.5 }), hot = nextDistribution(logits, { temperature: 2 });
  assert.ok(cold[0] > p[0] && hot[0] < p[0]);
  assert.deepEqual([...nextDistribution(logits, { temperature: 0 })], [1, 0, 0, 0]);
  const k2 = nextDistribution(logits, { topK: 2 });
  assert.ok(k2[2] === 0 && k2[3] === 0 && Math.abs(k2[0] + k2[1] - 1) < 1e-12);
  const nucleus = nextDistribution(logits, { topP: 0.7 }); // p = 0.64, 0.24, ...: the top two reach 0.7
  assert.ok(nucleus[0] > 0 && nucleus[1] > 0 && nucleus[2] === 0);
});

test('a byte-pair vocabulary learned on the corpus shortens it and decodes back to it', () => {
  const bpe = bpeVocab(text, { merges: 100, sample: 50000 });
  assert.equal(bpe.size, 165);
  const piece = text.slice(100000, 110000), enc = bpe.encode(piece);
  assert.equal(bpe.decode(enc), piece);
  assert.ok(enc.length < 0.7 * piece.length, `${enc.length} tokens for ${piece.length} characters`);
  assert.deepEqual(bpe.missing('abc\u00e9'), ['\u00e9']);
});

test('a generator refuses bad input with a message and a disposed model says so', () => {
  const gen = lstm.model.generator(2);
  assert.throws(() => gen.step([1]), /expected 2 token ids/);
  assert.throws(() => gen.step([1, 65]), /token 65 of stream 1 is not in the vocabulary \[0, 65\)/);
  assert.throws(() => gen.reorder([0, 5]), /stream 1 would continue stream 5/);
  const m = dl.model(lmSpec({ vocab: 5, cell: 'gru', layers: 1, units: 4, embed: 3, steps: 4 }));
  const g = m.generator(1);
  m.dispose();
  assert.throws(() => g.step([0]), /disposed/);
});

test('a spec takes a sequence apart with slice index and stacks its 20 steps back, reversed', () => {
  const T = 20, steps = Object.fromEntries(Array.from({ length: T }, (_, t) => [`s${t}`, { slice: 'x', axis: 1, index: t }]));
  const spec = { inputs: { x: [T, 3] }, networks: { f: [{ type: 'dense', units: 2, perPosition: true }] },
    outputs: { ...steps, r: { stack: Array.from({ length: T }, (_, t) => `s${T - 1 - t}`), axis: 1 }, y: { net: 'f', from: 'r' } } };
  const m = dl.model(spec), x = Float32Array.from({ length: 2 * T * 3 }, (_, i) => i);
  const r = m.run('r', { x });
  for (let n = 0; n < 2; n++)
    for (let t = 0; t < T; t++)
      for (let d = 0; d < 3; d++) assert.equal(r[(n * T + t) * 3 + d], x[(n * T + (T - 1 - t)) * 3 + d]);
  assert.equal(m.run('y', { x }).length, 2 * T * 2);
  m.dispose();
  assert.throws(() => dl.model({ ...spec, outputs: { a: { slice: 'x', axis: 1, index: T } } }), /index 20 outside axis 1 of length 20/);
  assert.throws(() => dl.model({ ...spec, outputs: { a: { slice: 'x', index: 0, size: 1 } } }), /index, or start and size, not both/);
  assert.throws(() => dl.model({ ...spec, outputs: { a: { stack: ['x', 'x'], axis: 4 } } }), /axis must be a whole number in \[1, 3\]/);
});

test('a stateful LSTM carries each row\'s state into the next batch: its second batch\'s loss is the full window\'s second half', async () => {
  const V = 11, T = 6, rows = 3, o = { vocab: V, cell: 'lstm', layers: 2, units: 5, embed: 4 };
  const seq = Uint8Array.from({ length: rows * 2 * T + 1 }, (_, i) => (i * 7 + ((i * i) % 5)) % V);
  // streams: batch 1 holds windows 0, 2, 4 and batch 2 windows 1, 3, 5, each row going on where it stopped
  const s = windows(seq, T), whole = windows(seq, 2 * T);
  assert.equal(s.n, 2 * rows);
  const losses = async (stateful) => {
    const m = dl.model(lmSpec({ ...o, steps: T, stateful }));
    m.setProgram(lmProgram({ lr: 0 })); // (weights kept: only the state moves)
    const { losses } = await m.train({ x: s.x, y: s.y }, { batchSize: rows, streams: true, epochs: 1 });
    return { m, loss: losses.lm };
  };
  const a = await losses(true), plain = await losses(false);
  // the same weights over windows of 2T: cross-entropy of each half, by hand
  const full = dl.model(lmSpec({ ...o, steps: 2 * T }));
  full.setWeights(a.m.getWeights());
  const logits = full.run('logits', { x: whole.x });
  const half = (h) => {
    let sum = 0;
    for (let r = 0; r < rows; r++)
      for (let t = h * T; t < (h + 1) * T; t++) {
        const z = logits.subarray(((r * 2 * T) + t) * V, ((r * 2 * T) + t + 1) * V), max = Math.max(...z);
        sum += max + Math.log(z.reduce((acc, v) => acc + Math.exp(v - max), 0)) - z[whole.y[r * 2 * T + t]];
      }
    return sum / (rows * T);
  };
  assert.ok(Math.abs(a.loss[0] - half(0)) < 1e-5, `first batch ${a.loss[0]} vs ${half(0)}`);
  assert.ok(Math.abs(a.loss[1] - half(1)) < 1e-5, `second batch ${a.loss[1]} vs ${half(1)}`);
  assert.ok(Math.abs(plain.loss[1] - half(1)) > 1e-3, 'without the state the second batch starts from zeros');
  // outside training the state is not read: evaluation equals the plain model's, and a reset clears two layers' h and c
  const ev = (m) => m.evaluateLoss('lm', { x: s.x, y: s.y }).loss;
  assert.equal(ev(a.m), ev(plain.m));
  assert.equal(a.m.resetState(), 4);
  assert.equal(plain.m.resetState(), 0);
  assert.throws(() => dl.model(lmSpec({ ...o, steps: T, body: [{ type: 'lstm', units: 5, stateful: true, bidirectional: true }] })), /only a forward layer can carry its state/);
  for (const m of [a.m, plain.m, full]) m.dispose();
});
