// mnist-page.mjs: the playground's own MLP preset trained on MNIST and saved where a page link
// can name it (`playground.html#dataset=mnist&model=models/mnist-mlp.dlpm`): a teacher's page
// can then embed a drawing pad that already reads digits. `make` builds it.
//   node examples/mnist-page.mjs [--epochs N] [--batch N] [--lr X] [--seed N] [--save FILE] [--load FILE]
import { runExample } from './mnist-common.mjs';
import { presetLayers } from '../web/js/presets.mjs';

const input = [1, 28, 28];
await runExample({
  name: 'mnist-page',
  help: 'Train the playground\'s MLP preset (flatten, 128 and 64 ReLU units) on MNIST, with the input shape and output layer the playground gives it.',
  // (the playground names its last layer 'output', one unit per class)
  spec: { input, layers: [...presetLayers('mlp', input), { type: 'dense', units: 10, name: 'output' }] },
  defaults: { epochs: 3, batch: 64, lr: 0.002, optimizer: 'adam', seed: 1 },
  fitOptions: () => ({}),
});
