// gan.mjs: a generative adversarial network on MNIST (or Fashion-MNIST), trained in
// WebAssembly from Node. G turns noise into images, D scores images as real or generated; each
// has its own optimizer and learning rate, and D takes k steps per G step. Every few epochs it
// writes a PNG grid of samples from fixed noise, and scores them with the playground's MNIST
// classifier (web/models/mnist-mlp.dlpm, built by make): which digits G draws, and how sure the
// classifier is of them. A G that draws one or two digits only has collapsed.
//   node examples/gan.mjs [--dcgan] [--conditional] [--fashion] [--loss bce|lsgan|wgan] [--k 1]
//     [--lrD 0.0002] [--lrG 0.0002] [--smooth 0] [--noise 0] [--latent 64] [--epochs 20] [--batch 64]
//     [--seed 1] [--every 1] [--out DIR] [--samples N] [--save FILE] [--load FILE]
import { parseFlags, setUp, progress, writeGrid, split, frechet, saveModel, loadModel, ROOT, join } from './generative-common.mjs';
import { mulberry32, gaussian } from '../wasm/random.mjs';
import { GAN_NETS, ganSpec, ganProgram, digitHistogram } from '../web/js/generative.mjs';

const FLAGS = {
  dcgan: false, conditional: false, fashion: false, loss: 'bce', k: 1, lrD: 2e-4, lrG: 2e-4, smooth: 0, noise: 0, latent: 64,
  epochs: 20, batch: 64, seed: 1, every: 1, out: `${ROOT}build/gan`, samples: 0, save: `${ROOT}build/models/gan.dlpm`, load: '',
};
const HELP = `node examples/gan.mjs [flags]: train a GAN on MNIST and write sample grids as PNG files.
  --dcgan          convolutional G (transposed convolutions, batch norm) and D (strided convolutions), else MLPs
  --conditional    a conditional GAN: the class, one-hot, joins G's noise and D's input (MLP only)
  --loss L         bce (non-saturating), lsgan (least squares) or wgan (Wasserstein, critic weights clipped to 0.01)
  --k N            D steps per G step (1; 5 for wgan is usual)
  --lrD X, --lrG X learning rates of D and G (0.0002 each: two time-scale training sets them apart)
  --smooth S       one-sided label smoothing: D's target for real images is 1 - S (0)
  --noise S        instance noise: D sees real and generated images with Gaussian noise of std S added (0)
  --latent N       noise dimensions (64; 100 with --dcgan unless given)
  --epochs N, --batch N, --seed N   training (20, 64, 1)
  --fashion        Fashion-MNIST instead of MNIST
  --every N        write the sample grid every N epochs (1) into --out (build/gan)
  --samples N      train on the first N images only (smoke tests)
  --save FILE      where the trained model goes (build/models/gan.dlpm)
  --load FILE      sample from a saved model instead of training`;

/** The example's model: the page's MLP or DCGAN preset (web/js/generative.mjs); real images arrive as bytes, read as [-1, 1]. */
export const exampleSpec = ({ dcgan, conditional, latent, seed, noise = 0 }) => {
  const { G, D } = GAN_NETS[dcgan ? 'dcgan' : 'mlp'];
  return ganSpec({ G, D, latent, conditional, noise, seed, bytes: true });
};

/** n images from G for the given noise (and classes), as pixels in [0, 1]. */
export function generate(model, z, y) {
  return model.run('fake', { z, ...(y ? { y } : {}) }).map((v) => (v + 1) / 2);
}

/** The classifier's verdict on images in [0, 1]: {histogram, confident (share with p > 0.9), classes (how many have at least 2% of the images)}. */
export function score(classifier, images, n) {
  const logits = classifier.predict(images), p = new Float64Array(10 * n); // (softmax of each row)
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(10 * i, 10 * i + 10), m = Math.max(...row), e = Array.from(row, (v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < 10; j++) p[10 * i + j] = e[j] / s;
  }
  return digitHistogram(p, n);
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) return console.log(HELP);
  if (flags.dcgan && !process.argv.includes('--latent')) flags.latent = 100;
  if (flags.conditional && flags.dcgan) throw new Error('--conditional works with the MLP GAN only');
  if (!['bce', 'lsgan', 'wgan'].includes(flags.loss)) throw new Error(`--loss must be bce, lsgan or wgan, got ${flags.loss}`);
  if (!(Number.isInteger(flags.k) && flags.k >= 1 && flags.k <= 100)) throw new Error(`--k must be a whole number from 1 to 100, got ${flags.k}`);
  if (!(flags.smooth >= 0 && flags.smooth < 0.5)) throw new Error(`--smooth must be in [0, 0.5), got ${flags.smooth}`);
  if (!(flags.noise >= 0 && flags.noise <= 2)) throw new Error(`--noise must be in [0, 2], got ${flags.noise}`);
  const { dl, train, test, set } = await setUp(flags, { needTrain: !flags.load });
  const classifier = await loadModel(dl, `${ROOT}web/models/mnist-mlp.dlpm`);
  const model = flags.load ? await loadModel(dl, flags.load) : dl.model(exampleSpec(flags));
  const Z = model.spec.inputs.z.shape[0], conditional = 'y' in model.spec.inputs;
  const r = mulberry32(flags.seed + 1000), fixed = Float32Array.from({ length: 64 * Z }, () => gaussian(r));
  const rows = Uint8Array.from({ length: 64 }, (_, i) => Math.floor(i / 8) % 10); // conditional: row k asks for class k
  // the Fréchet distance on the classifier's penultimate features (64 per image), 1,000 samples against 1,000 test images
  const FEATURES = classifier.layers.at(-2).name, nScore = 1000, realFeatures = classifier.activations(test.x.subarray(0, nScore * 784), FEATURES).data;
  const judge = (tag) => {
    const rs = mulberry32(flags.seed + 2000), z = Float32Array.from({ length: nScore * Z }, () => gaussian(rs));
    const y = conditional ? Uint8Array.from({ length: nScore }, (_, i) => i % 10) : undefined, images = generate(model, z, y), s = score(classifier, images, nScore);
    const fd = frechet(classifier.activations(images, FEATURES).data, nScore, realFeatures, nScore, realFeatures.length / nScore);
    return { ...s, fd, file: writeGrid(join(flags.out, `samples-${tag}.png`), split(generate(model, fixed, conditional ? rows : undefined), 784)) };
  };
  const describe = (s) => `classes drawn ${s.classes}/10, classifier sure (p > 0.9) of ${(100 * s.confident).toFixed(0)}%, histogram ${s.histogram.join(' ')}, Fréchet distance ${s.fd.toFixed(1)}`;
  if (flags.load) {
    const s = judge('loaded');
    console.log(`loaded ${flags.load}; wrote ${await s.file}\n${describe(s)}${set === 'fashion' ? ' (an MNIST classifier: a guide only on Fashion-MNIST)' : ''}`);
    return model.dispose();
  }
  model.setProgram(ganProgram(flags));
  const n = flags.samples > 0 ? Math.min(flags.samples, train.n) : train.n;
  // (the bytes read as [-1, 1], as G's tanh draws; each iteration reads k + 1 batches: k for D, one for G)
  const data = { x: train.x.subarray(0, n * 784), ...(conditional ? { y: train.y.subarray(0, n) } : {}) };
  const perEpoch = Math.floor(n / (flags.batch * (flags.k + 1)));
  console.log(`${flags.dcgan ? 'DCGAN' : 'MLP GAN'}${conditional ? ', conditional' : ''}, ${flags.loss} loss, k = ${flags.k}, on ${n.toLocaleString()} ${set} images (${dl.simd ? 'SIMD128' : 'plain wasm'})`);
  const t0 = performance.now(), writing = [];
  let last = null;
  const bar = progress(flags.epochs, perEpoch, (e) => {
    if ((e.epoch + 1) % flags.every && e.epoch + 1 !== flags.epochs) return '';
    last = judge(`epoch${String(e.epoch + 1).padStart(3, '0')}`);
    writing.push(last.file);
    return describe(last);
  });
  await model.train(data, { epochs: flags.epochs, batchSize: flags.batch, seed: flags.seed, ...bar })
    .catch((e) => { console.error(`\ntraining stopped: ${e.message}`); process.exit(1); });
  await Promise.all(writing);
  console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s; grids in ${flags.out}`);
  await saveModel(model, flags.save);
  classifier.dispose();
  model.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
