// mnist-cnn.mjs: a LeNet-style convolutional network on MNIST, trained in WebAssembly from Node.
//   node examples/mnist-cnn.mjs [--epochs N] [--batch N] [--lr X] [--optimizer adam] [--seed N] [--load FILE]
import { runExample } from './mnist-common.mjs';

await runExample({
  name: 'mnist-cnn',
  help: 'Train a LeNet-style network (two 5x5 convolutions with max pooling, then 120-84-10) on MNIST.',
  spec: {
    input: [1, 28, 28],
    layers: [
      { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' },
      { type: 'maxPool2d', size: 2 },
      { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' },
      { type: 'maxPool2d', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 120, activation: 'relu' },
      { type: 'dense', units: 84, activation: 'relu' },
      { type: 'dense', units: 10 },
    ],
  },
  defaults: { epochs: 12, batch: 64, lr: 0.002, optimizer: 'adam', seed: 1 },
  fitOptions: () => ({}),
});
