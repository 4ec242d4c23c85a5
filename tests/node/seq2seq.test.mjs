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
