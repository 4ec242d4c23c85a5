// seq2seq.test.mjs: the encoder-decoder with attention (web/js/seq2seq.mjs) learns to reverse
// strings it never saw, decoded without a teacher; beam width 1 is greedy; the spec's attend
// form refuses what does not fit.
import test from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../wasm/dlplay.mjs';
import { makeData, seq2seqSpec, seq2seqProgram, score, decode, spell } from '../../web/js/seq2seq.mjs';

const dl = await load();

test('an encoder-decoder with attention reverses strings it never saw: at least 95% exact match, greedy and by beam', async () => {
  const train = makeData('reverse', 4000, 1), test_ = makeData('reverse', 200, 2);
  const model = dl.model(seq2seqSpec('reverse'));
  model.setProgram(seq2seqProgram());
  const { src, src_mask, tgt_in, y, w } = train;
  await model.train({ src, src_mask, tgt_in, y, w }, { epochs: 8, batchSize: 32, seed: 1 }); // about 4 s here
  const greedy = await score(model, 'reverse', test_), beam = await score(model, 'reverse', test_, { width: 3 });
  assert.ok(greedy.exact >= 0.95, `greedy exact match ${greedy.exact}`);
  assert.ok(beam.exact >= 0.95, `beam exact match ${beam.exact}`);
  assert.ok(greedy.forced >= greedy.exact - 1e-9, 'teacher-forced token accuracy is at least the exact-match rate');
  const few = makeData('reverse', 20, 3);
  assert.deepEqual((await decode(model, 'reverse', few, { width: 1 })).map((d) => d.tokens), (await score(model, 'reverse', few)).decoded.map((d) => d.tokens));
  assert.equal(spell('reverse', (await decode(model, 'reverse', few))[0].tokens), few.pairs[0][1]);
  model.dispose();
});

test('the attend form names what does not fit', () => {
  const spec = seq2seqSpec('reverse');
  spec.outputs.context = { attend: 'dec_h', to: 'enc_out', mask: 'tgt_in' };
  assert.throws(() => dl.model(spec), /output 'context': .*mask must be \[10\] per sample, one per key/);
  spec.outputs.context = { attend: 'dec_h', to: 'src' };
  assert.throws(() => dl.model(spec), /output 'context': attention 'context': k must be a sequence \[steps, width\] per sample/);
  spec.outputs.context = { attend: 'dec_h', to: 'enc_out', heads: 3 };
  assert.throws(() => dl.model(spec), /3 heads do not divide the width 64/);
  spec.outputs.context = { attend: 'dec_h', to: 'enc_out', keys: 1 };
  assert.throws(() => dl.model(spec), /unknown option keys for attend/);
});

test('teacher forcing off: a step trains on the model\'s own greedy choices, filled in order; scheduled sampling is seeded; bad feedback is named', async () => {
  const d = makeData('reverse', 24, 5), T = 11, V = 15, n = 24;
  const model = dl.model(seq2seqSpec('reverse', { seed: 4 }));
  const { src, src_mask, tgt_in, y, w } = d;
  model.setProgram(seq2seqProgram());
  await model.train({ src, src_mask, tgt_in, y, w }, { epochs: 3, batchSize: 8, seed: 1 }); // (a model with opinions)
  // what the engine must feed: position t + 1 is the argmax at t, given the choices before it
  const own = Uint8Array.from(tgt_in);
  for (let t = 0; t + 1 < T; t++) {
    const z = model.run('logits', { src, src_mask, tgt_in: own });
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let v = 1; v < V; v++) if (z[(i * T + t) * V + v] > z[(i * T + t) * V + best]) best = v;
      own[i * T + t + 1] = best;
    }
  }
  assert.notDeepEqual([...own], [...tgt_in]);
  const want = model.evaluateLoss('s2s', { src, src_mask, tgt_in: own, y, w }).loss, forced = model.evaluateLoss('s2s', { src, src_mask, tgt_in, y, w }).loss;
  const step = async (teacher, m = model) => {
    m.setProgram(seq2seqProgram({ lr: 0, teacher }));
    return (await m.train({ src, src_mask, tgt_in, y, w }, { iterations: 1, batchSize: n })).losses.s2s[0];
  };
  assert.ok(Math.abs((await step(0)) - want) < 1e-5, 'no teacher: the loss of the greedy inputs');
  assert.ok(Math.abs((await step(1)) - forced) < 1e-5, 'a teacher: the loss of the true inputs');
  // scheduled sampling draws from the model's seeded generator: two copies draw alike
  const copy = () => {
    const c = dl.model(seq2seqSpec('reverse', { seed: 4 }));
    c.setWeights(model.getWeights());
    return c;
  };
  const [c1, c2] = [copy(), copy()], half = await step(0.5, c1);
  assert.equal(await step(0.5, c2), half, 'the same seed samples the same positions');
  c1.dispose(), c2.dispose();
  assert.ok(Math.abs(half - want) > 1e-4 && Math.abs(half - forced) > 1e-4, `half and half is neither: ${half}, ${want}, ${forced}`);
  const bad = (feedback) => () => model.setProgram({ ...seq2seqProgram(), feedback });
  assert.throws(bad({ input: 'src_mask', from: 'logits' }), /feedback: input must name a token input/);
  assert.throws(bad({ input: 'src', from: 'logits' }), /from must hold scores \[10, 15\]/);
  assert.throws(bad({ input: 'tgt_in', from: 'logits', rate: 2 }), /rate must be a number in \[0, 1\]/);
  assert.throws(bad({ input: 'tgt_in', from: 'enc_out' }), /from must hold scores/);
  model.dispose();
});
