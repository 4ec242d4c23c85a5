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
