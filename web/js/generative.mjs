// generative.mjs: the generative models as specs and training programs: GANs (MLP, DCGAN, 2-D)
// and autoencoders (plain, denoising, variational, conditional). One place for the pages
// (gan.html, vae.html) and the Node examples (examples/gan.mjs, vae.mjs): no DOM, no engine.
//
// Networks are whole layer lists, as the layer editor edits them; the spec builders only join
// them with inputs and outputs. A few ends are the builders': the VAE encoder's head (2 x latent
// units, mu then log-variance; latent units for a plain autoencoder), since the latent size is
// a setting; the decoder's last activation, which the reconstruction loss decides; and a
// reshape of G's and the decoder's output to the data's shape (a view), so a dense generator
// feeds a convolutional critic.

const lrelu = { activation: 'leakyRelu', alpha: 0.2 };
const dense = (units, activation = 'relu') => ({ type: 'dense', units, activation });

/** Presets: G and D (a GAN) as whole networks; D ends in one unit, a logit or a critic's score. */
export const GAN_NETS = {
  mlp: {
    about: 'MLP GAN: G 64 → 256 → 512 → 784 (tanh), D 784 → 512 → 256 → 1, leaky ReLU.',
    G: [{ type: 'dense', units: 256, ...lrelu }, { type: 'dense', units: 512, ...lrelu }, dense(784, 'tanh')],
    D: [{ type: 'dense', units: 512, ...lrelu }, { type: 'dense', units: 256, ...lrelu }, dense(1, 'linear')],
  },
  dcgan: {
    about: 'DCGAN: G grows 7x7x64 → 14x14x32 → 28x28x1 by transposed convolutions with batch norm; D mirrors it with strided convolutions.',
    G: [dense(7 * 7 * 64, 'linear'), { type: 'batchNorm' }, { type: 'activation', activation: 'relu' }, { type: 'reshape', shape: [64, 7, 7] },
      { type: 'conv2dTranspose', filters: 32, kernel: 4, stride: 2, padding: 'same' }, { type: 'batchNorm' }, { type: 'activation', activation: 'relu' },
      { type: 'conv2dTranspose', filters: 1, kernel: 4, stride: 2, padding: 'same', activation: 'tanh' }],
    D: [{ type: 'conv2d', filters: 32, kernel: 4, stride: 2, padding: 'same', ...lrelu }, { type: 'conv2d', filters: 64, kernel: 4, stride: 2, padding: 'same', ...lrelu },
      { type: 'flatten' }, dense(1, 'linear')],
  },
  toy: {
    about: '2-D GAN: G and D with two hidden layers of 32 units; G draws points in the plane.',
    G: [{ type: 'dense', units: 32, ...lrelu }, { type: 'dense', units: 32, ...lrelu }, dense(2, 'linear')],
    D: [{ type: 'dense', units: 32, ...lrelu }, { type: 'dense', units: 32, ...lrelu }, dense(1, 'linear')],
  },
};

/**
 * GAN recipes: the networks (a GAN_NETS name) and the training settings the GAN page's presets
 * set. `collapse` is `mlp` with D ten times slower than G: on MNIST G soon draws three or four
 * digits only (tests/node/generative.test.mjs holds both to it).
 */
export const GAN_PRESETS = {
  mlp: { nets: 'mlp', loss: 'bce', k: 1, lrD: 0.002, lrG: 0.002, latent: 64, smooth: 0, noise: 0, batch: 64 },
  collapse: { nets: 'mlp', loss: 'bce', k: 1, lrD: 0.0002, lrG: 0.002, latent: 64, smooth: 0, noise: 0, batch: 64 },
  dcgan: { nets: 'dcgan', loss: 'bce', k: 1, lrD: 0.0002, lrG: 0.0002, latent: 100, smooth: 0, noise: 0, batch: 64 }, // the DCGAN paper's rates
  lsgan: { nets: 'mlp', loss: 'lsgan', k: 1, lrD: 0.001, lrG: 0.001, latent: 64, smooth: 0, noise: 0, batch: 64 },
  wgan: { nets: 'mlp', loss: 'wgan', k: 5, lrD: 0.0005, lrG: 0.0005, latent: 64, smooth: 0, noise: 0, batch: 64 },
  toy: { nets: 'toy', loss: 'bce', k: 1, lrD: 0.002, lrG: 0.002, latent: 2, smooth: 0, noise: 0, batch: 64 },
};

/** Presets: encoder (without its head) and decoder (ending in 784 values or a 1x28x28 image). */
export const VAE_NETS = {
  dense: {
    about: 'Dense: encoder 784 → 512 → 256 → head, decoder latent → 256 → 512 → 784.',
    encoder: [dense(512), dense(256)],
    decoder: [dense(256), dense(512), dense(784, 'linear')],
  },
  small: {
    about: 'Small dense: one hidden layer of 256 units each way (quick to train in a page).',
    encoder: [dense(256)],
    decoder: [dense(256), dense(784, 'linear')],
  },
  conv: {
    about: 'Convolutional: two strided convolutions down, two transposed convolutions up.',
    encoder: [{ type: 'conv2d', filters: 32, kernel: 3, stride: 2, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 64, kernel: 3, stride: 2, padding: 'same', activation: 'relu' }, { type: 'flatten' }],
    decoder: [dense(7 * 7 * 64), { type: 'reshape', shape: [64, 7, 7] },
      { type: 'conv2dTranspose', filters: 32, kernel: 3, stride: 2, padding: 'same', activation: 'relu' },
      { type: 'conv2dTranspose', filters: 1, kernel: 3, stride: 2, padding: 'same', activation: 'linear' }],
  },
};

/**
 * What a network that reads images takes: a 1x28x28 image when its first layer is spatial
 * (a convolution or pooling), else 784 values in a row.
 */
export const imageShape = (layers) => (/^(conv|maxPool|avgPool)/i.test(layers?.[0]?.type ?? '') ? [1, 28, 28] : [784]);

/**
 * A GAN: G(z) draws samples, D scores samples; five outputs name what the two steps read.
 * D's step sees G's samples detached (G's gradients are not even computed); G's step goes
 * through D, whose optimizer does not run then.
 * @param {{G: object[], D: object[], x?: number[], latent: number, conditional?: boolean,
 *   classes?: number, noise?: number, seed?: number, bytes?: boolean}} o  x: the data's shape
 *   (imageShape(D) for images); noise: instance noise (std) added to everything D sees;
 *   bytes: the real data arrive as bytes, read as [-1, 1] to match G's tanh
 */
export function ganSpec({ G, D, x = imageShape(D), latent, conditional = false, classes = 10, noise = 0, seed = 1, bytes = false }) {
  const d = noise > 0 ? [{ type: 'gaussianNoise', stddev: noise }, ...D] : D;
  const withLabel = (t) => (conditional ? { concat: [t, 'y'] } : t);
  return {
    seed,
    inputs: { x: bytes ? { shape: x, low: -1, high: 1 } : x, z: { shape: [latent], noise: 'normal' }, ...(conditional ? { y: { classes } } : {}) },
    networks: { G: [...G, { type: 'reshape', shape: x }], D: d }, // (G's samples take the data's shape: a view, free)
    outputs: {
      ...(conditional ? { zy: withLabel('z'), xy: withLabel('x') } : {}),
      fake: { net: 'G', from: conditional ? 'zy' : 'z' },
      fake_d: { detach: 'fake' }, // D's step stops at G's samples
      ...(conditional ? { fy: withLabel('fake_d'), gy: withLabel('fake') } : {}),
      real_score: { net: 'D', from: conditional ? 'xy' : 'x' },
      fake_score: { net: 'D', from: conditional ? 'fy' : 'fake_d' },
      gen_score: { net: 'D', from: conditional ? 'gy' : 'fake' }, // G's step goes through D, which it does not update
    },
  };
}

export const GAN_LOSSES = ['bce', 'lsgan', 'wgan'];

/**
 * The two steps of a GAN: k D steps, then one G step, each with its own optimizer and rate.
 * Loss terms are named for what they measure: D on real samples, D on G's, G fooling D.
 * @param {{loss: 'bce'|'lsgan'|'wgan', k?: number, lrD: number, lrG: number, smooth?: number,
 *   only?: 'd'|'g'}} o  smooth: one-sided label smoothing (D's target for real samples is
 *   1 - smooth); only: a program of that one step (the pages' "step D" and "step G": the
 *   optimizers keep their state, as they have the same names)
 */
export function ganProgram({ loss, k = 1, lrD, lrG, smooth = 0, only }) {
  const terms = {
    bce: { d: [{ type: 'bce_logits', on: 'real_score', target: 1 - smooth, name: 'real' }, { type: 'bce_logits', on: 'fake_score', target: 0, name: 'fake' }], g: [{ type: 'bce_logits', on: 'gen_score', target: 1, name: 'fool' }] },
    lsgan: { d: [{ type: 'mse', on: 'real_score', target: 1 - smooth, name: 'real' }, { type: 'mse', on: 'fake_score', target: 0, name: 'fake' }], g: [{ type: 'mse', on: 'gen_score', target: 1, name: 'fool' }] },
    wgan: { d: [{ type: 'critic_mean', on: 'fake_score', name: 'fake' }, { type: 'critic_mean', on: 'real_score', weight: -1, name: 'real' }], g: [{ type: 'critic_mean', on: 'gen_score', weight: -1, name: 'fool' }] },
  }[loss];
  if (!terms) throw new Error(`the GAN loss must be one of ${GAN_LOSSES.join(', ')}, got ${loss}`);
  // Adam with beta1 0.5 (the DCGAN paper's); the Wasserstein critic takes RMSprop and clipped weights, as the WGAN paper did
  const opt = loss === 'wgan' ? { type: 'rmsprop' } : { type: 'adam', beta1: 0.5 };
  const steps = [{ loss: 'd', optimizer: 'd', repeat: k }, { loss: 'g', optimizer: 'g' }];
  return {
    losses: terms,
    optimizers: {
      d: { ...opt, lr: lrD, networks: ['D'], ...(loss === 'wgan' ? { clipWeights: 0.01 } : {}) },
      g: { ...opt, lr: lrG, networks: ['G'] },
    },
    steps: only ? steps.filter((s) => s.loss === only).map((s) => ({ ...s, repeat: 1 })) : steps,
  };
}

/**
 * How hard G's loss pushes a generated point up D's score s: minus the derivative of G's loss
 * in s (cross-entropy -log σ(s): 1 - σ(s); least squares (s - 1)^2: 2 (1 - s); Wasserstein -s:
 * 1). G's loss depends on its point x only through s, so minus its gradient in x is this times
 * the gradient of s: the arrows of the 2-D GAN page.
 */
export function gPush(loss, s) {
  return loss === 'bce' ? 1 / (1 + Math.exp(s)) : loss === 'lsgan' ? 2 * (1 - s) : 1;
}

/**
 * Which digits n generated images are, as a classifier's probabilities (n x 10) say:
 * {histogram (count per class), confident (the share it gives over 0.9), classes (how many
 * classes hold at least 2% of the images)}. A G that collapses draws one or two classes.
 */
export function digitHistogram(probabilities, n) {
  const histogram = new Array(10).fill(0);
  let confident = 0;
  for (let i = 0; i < n; i++) {
    const row = probabilities.subarray(10 * i, 10 * i + 10), best = row.indexOf(Math.max(...row));
    histogram[best]++;
    if (row[best] > 0.9) confident++;
  }
  return { histogram, confident: confident / n, classes: histogram.filter((c) => c >= 0.02 * n).length };
}

/** G's loss for one point, from D's score there (for checks of gPush). */
export const gLoss = (loss, s) => (loss === 'bce' ? Math.log1p(Math.exp(-s)) : loss === 'lsgan' ? (s - 1) ** 2 : -s);

// The decoder's last layer with an activation gets the one the reconstruction loss reads:
// logits for cross-entropy, pixels (sigmoid) for squared error.
function withOutput(decoder, activation) {
  const out = decoder.map((l) => ({ ...l }));
  for (let i = out.length - 1; i >= 0; i--)
    if (/^(dense|conv2d|conv2dTranspose)$/.test(out[i].type)) {
      out[i].activation = activation;
      break;
    }
  return out;
}

/**
 * An autoencoder: the encoder's head gives mu and log-variance (a VAE) or z itself (ae); z is
 * sampled by the reparameterization; the decoder runs on z ('recon') and on any given z
 * ('decoded', from the input 'prior').
 * @param {{encoder: object[], decoder: object[], latent: number, x?: number[], conditional?: boolean,
 *   ae?: boolean, denoise?: number, mse?: boolean, seed?: number}} o  denoise: the encoder sees
 *   its input with Gaussian noise of that std added, and the loss compares with the clean image
 */
export function vaeSpec({ encoder, decoder, latent: L, x = imageShape(encoder), conditional = false, ae = false, denoise = 0, mse = false, seed = 1 }) {
  const enc = [...(denoise > 0 ? [{ type: 'gaussianNoise', stddev: denoise }] : []), ...encoder, dense(ae ? L : 2 * L, 'linear')];
  const label = conditional ? (t) => ({ concat: [t, 'y'] }) : (t) => t;
  return {
    seed,
    inputs: { x, prior: [L], ...(conditional ? { y: { classes: 10 } } : {}) },
    networks: { enc, dec: [...withOutput(decoder, mse ? 'sigmoid' : 'linear'), { type: 'reshape', shape: x }] },
    outputs: {
      ...(conditional ? { xy: { concat: ['x', 'y'] }, h: { net: 'enc', from: 'xy' } } : { h: { net: 'enc', from: 'x' } }),
      ...(ae ? { z: { slice: 'h', start: 0, size: L }, mu: { slice: 'h', start: 0, size: L } } : {
        mu: { slice: 'h', start: 0, size: L },
        logvar: { slice: 'h', start: L, size: L },
        z: { sample: ['mu', 'logvar'] },
      }),
      ...(conditional ? { zy: label('z'), py: label('prior') } : {}),
      recon: { net: 'dec', from: conditional ? 'zy' : 'z' },
      decoded: { net: 'dec', from: conditional ? 'py' : 'prior' }, // the same decoder on any z
    },
  };
}

/**
 * The loss: reconstruction (cross-entropy on logits, or squared error of pixels, summed over
 * the pixels: nats per image) plus beta times the KL divergence from N(0, I), raised from 0
 * over `warmup` updates; a plain autoencoder has no KL term.
 */
export function vaeProgram({ beta = 1, warmup = 0, mse = false, lr = 1e-3, ae = false }) {
  return {
    losses: { vae: [
      { type: mse ? 'mse' : 'bce_logits', on: 'recon', target: 'x', reduce: 'sum', name: 'recon' },
      ...(ae ? [] : [{ type: 'kl_gauss', on: ['mu', 'logvar'], weight: beta, warmup, name: 'kl' }]),
    ] },
    optimizers: { adam: { type: 'adam', lr } },
  };
}
