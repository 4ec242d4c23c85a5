// mnist-mlp.mjs: a multilayer perceptron on MNIST, trained in WebAssembly from Node.
//   node examples/mnist-mlp.mjs [--epochs N] [--batch N] [--lr X] [--optimizer adam] [--seed N] [--load FILE]
import { runExample } from './mnist-common.mjs';

await runExample({
  name: 'mnist-mlp',
  help: 'Train a 784-256-128-10 ReLU network on the 60,000 MNIST digits and test it on the other 10,000.',
  spec: {
    input: [784],
    layers: [
      { type: 'dense', units: 256, activation: 'relu' },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dense', units: 10 },
    ],
  },
  defaults: { epochs: 12, batch: 64, lr: 0.002, optimizer: 'adam', seed: 1 },
  fitOptions: () => ({}),
});
