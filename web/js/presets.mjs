// presets.mjs: ready-made networks. Each preset lists the hidden layers; the output layer (a
// dense layer with one unit per class) is added when the model is built, so every preset fits
// every data set with the right input shape: images for the convolutional ones, any for the rest.

const conv = (filters, kernel, extra = {}) => ({ type: 'conv2d', filters, kernel, padding: 'same', activation: 'relu', ...extra });

export const PRESET_INFO = {
  perceptron: { title: 'Perceptron', about: 'No hidden layer: one linear unit per class, so only straight decision boundaries.' },
  mlp: { title: 'MLP', about: 'Two hidden layers of fully connected units.' },
  lenet: { images: true, title: 'LeNet', about: 'LeCun’s 1998 design: two 5x5 convolutions with pooling, then 120 and 84 units. Images only.' },
  allconv: { images: true, title: 'All-convolutional', about: 'No pooling or dense layers: strided convolutions shrink the image, a 1x1 convolution scores the classes. Images only.' },
  resnet: { images: true, title: 'Residual net', about: 'Blocks that add their input to their output, so gradients have a short path back. Images only.' },
  bndropout: { title: 'Batch norm + dropout', about: 'Normalized, regularized hidden layers: batch norm after each dense layer, dropout after its activation.' },
};

/** The hidden layers of a preset for an input of the given per-sample shape. */
export function presetLayers(name, input) {
  const image = input.length === 3;
  switch (name) {
    case 'perceptron':
      return image ? [{ type: 'flatten' }] : [];
    case 'mlp':
      return image
        ? [{ type: 'flatten' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 64, activation: 'relu' }]
        : [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu' }];
    case 'lenet':
      return [conv(8, 5), { type: 'maxPool2d', size: 2 }, conv(16, 5, { padding: 'valid' }), { type: 'maxPool2d', size: 2 },
        { type: 'flatten' }, { type: 'dense', units: 120, activation: 'relu' }, { type: 'dense', units: 84, activation: 'relu' }];
    // (sized for a browser: an MNIST epoch in well under 30 s on a laptop's one core)
    case 'allconv':
      return [conv(8, 3), conv(16, 3, { stride: 2 }), conv(16, 3, { stride: 2 }), conv(32, 3),
        { type: 'conv2d', filters: 10, kernel: 1 }, { type: 'globalAvgPool' }];
    case 'resnet':
      return [conv(8, 3, { stride: 2 }), { type: 'residual', layers: [conv(8, 3), conv(8, 3, { activation: 'linear' })], activation: 'relu' },
        { type: 'maxPool2d', size: 2 }, { type: 'residual', layers: [conv(16, 3), conv(16, 3, { activation: 'linear' })], activation: 'relu' },
        { type: 'globalAvgPool' }];
    case 'bndropout':
      return [...(image ? [{ type: 'flatten' }] : []),
        { type: 'dense', units: image ? 256 : 16 }, { type: 'batchNorm' }, { type: 'activation', activation: 'relu' }, { type: 'dropout', rate: 0.3 },
        { type: 'dense', units: image ? 128 : 16 }, { type: 'batchNorm' }, { type: 'activation', activation: 'relu' }, { type: 'dropout', rate: 0.3 }];
  }
  throw new Error(`unknown preset ${name}`);
}
