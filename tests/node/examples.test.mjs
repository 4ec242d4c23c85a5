// examples.test.mjs: the example scripts run end to end on a small slice (smoke tests): train,
// report, save; then --load evaluates the saved file; flags are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const node = (...args) => run(process.execPath, args, { cwd: root });

for (const name of ['mnist-mlp', 'mnist-cnn', 'mnist-page']) {
  test(`examples/${name}.mjs trains, reports, saves, and evaluates the saved model with --load`, async () => {
    const file = `build/models/${name}-smoke.dlpm`;
    const { stdout } = await node(`examples/${name}.mjs`, '--epochs', '1', '--samples', '1500', '--save', file, '--seed', '3');
    assert.match(stdout, /Total params: \d+/);
    assert.match(stdout, /epoch 1\/1: loss [\d.]+, accuracy [\d.]+%, test accuracy [\d.]+%/);
    assert.match(stdout, /confusion matrix \(rows: true class, columns: predicted\)/);
    assert.match(stdout, /macro avg\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+10000/);
    const accuracy = stdout.match(/test accuracy ([\d.]+)% on 10000 images/)[1];
    const loaded = await node(`examples/${name}.mjs`, '--load', file);
    assert.match(loaded.stdout, new RegExp(`test accuracy ${accuracy.replace('.', '\\.')}% on 10000 images`));
  });
}

test('the examples explain their flags and reject unknown ones', async () => {
  assert.match((await node('examples/mnist-mlp.mjs', '--help')).stdout, /--epochs N\s+passes over the training set/);
  await assert.rejects(node('examples/mnist-cnn.mjs', '--epoch', '3'), (e) => e.code === 2 && /unknown flag --epoch/.test(e.stderr));
  await assert.rejects(node('examples/mnist-cnn.mjs', '--load', 'no-such-file.dlpm'), (e) => e.code === 1 && /cannot load no-such-file.dlpm/.test(e.stderr));
});

test('examples/charlm.mjs trains a small stateful GRU, reports the validation loss and perplexity, saves it with its vocabulary, and --load samples from it', async () => {
  const file = 'build/models/charlm-smoke.dlpm';
  const { stdout } = await node('examples/charlm.mjs', '--model', 'gru', '--layers', '1', '--units', '64', '--embed', '16', '--steps', '32',
    '--epochs', '1', '--chars', '60000', '--every', '30', '--stateful', '--save', file, '--prompt', 'KING:', '--length', '50');
  const loss = Number(stdout.match(/validation loss ([\d.]+) nats per character, perplexity ([\d.]+)/)[1]);
  assert.ok(loss < Math.log(65), `validation loss ${loss}`);
  assert.match(stdout, /--- update 30, validation [\d.]+ ---/);
  assert.match(stdout, /sample \(temperature 0.8, top-k 0, top-p 1, seed 1\):\nKING:/);
  const a = await node('examples/charlm.mjs', '--load', file, '--prompt', 'KING:', '--length', '40', '--top-k', '5', '--seed', '4');
  const b = await node('examples/charlm.mjs', '--load', file, '--prompt', 'KING:', '--length', '40', '--top-k', '5', '--seed', '4');
  assert.equal(a.stdout, b.stdout, 'the same seed gives the same sample');
  assert.equal(a.stdout.slice(0, a.stdout.lastIndexOf('\n-- ')).length, 'KING:'.length + 40);
  const beam = await node('examples/charlm.mjs', '--load', file, '--prompt', 'KING:', '--length', '20', '--beam', '3');
  assert.match(beam.stdout, /-- beam 3, log-probability -[\d.]+/);
  await assert.rejects(node('examples/charlm.mjs', '--load', file, '--prompt', 'Ж'), (e) => e.code === 1 && /characters the model never saw: "Ж"/.test(e.stderr));
  // --minutes: a cosine refitted to the time left every 250 updates ends near its floor (lr / 10) at the deadline
  const timed = await node('examples/charlm.mjs', '--model', 'gpt', '--layers', '1', '--units', '32', '--heads', '2', '--steps', '16',
    '--minutes', '0.15', '--chars', '60000', '--every', '0', '--save', file, '--length', '10');
  const [, updates, from, to] = timed.stdout.match(/trained (\d+) updates .* the learning rate from ([\d.e-]+) down to ([\d.e-]+)/).map(Number);
  assert.ok(updates > 300, `${updates} updates`); // (past the 50 that time the pace, and refitted at least once)
  assert.ok(to < from / 5, `the rate ended at ${to}`);
  assert.ok(Number(timed.stdout.match(/validation loss ([\d.]+)/)[1]) < Math.log(65));
  await assert.rejects(node('examples/charlm.mjs', '--model', 'gpt', '--warmup', '1.5'), (e) => e.code === 1 && /settings are refused: .*warmup = 1.5 must be a whole number/.test(e.stderr));
  await assert.rejects(node('examples/charlm.mjs', '--model', 'gpt', '--stateful'), (e) => e.code === 1 && /a GPT has no state to carry/.test(e.stderr));
  await assert.rejects(node('examples/charlm.mjs', '--model', 'lstmm'), (e) => e.code === 1 && /--model must be one of rnn, lstm, gru, gpt/.test(e.stderr));
});

test('examples/seq2seq.mjs learns to reverse strings and reports exact match greedy and by beam, with examples', async () => {
  const { stdout } = await node('examples/seq2seq.mjs', '--epochs', '6', '--train', '4000', '--test', '100', '--save', 'build/models/seq2seq-smoke.dlpm');
  const [, greedy, beam] = stdout.match(/exact match, greedy: ([\d.]+)%; beam 4: ([\d.]+)%/).map(Number);
  assert.ok(greedy >= 90 && beam >= 90, `exact match ${greedy}% and ${beam}%`);
  assert.match(stdout, /teacher forcing: [\d.]+% of target tokens right/);
  const shown = [...stdout.matchAll(/^ {2}(\w+) -> (\w+) \(want (\w+)\)$/gm)];
  assert.equal(shown.length, 5);
  for (const [, src, , want] of shown) assert.equal(want, [...src].reverse().join(''));
  await assert.rejects(node('examples/seq2seq.mjs', '--task', 'sort'), (e) => e.code === 1 && /--task must be one of reverse, add/.test(e.stderr));
});
