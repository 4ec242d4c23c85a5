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
