// vae.mjs: a variational autoencoder on MNIST (or Fashion-MNIST), trained in WebAssembly from
// Node. The encoder gives a mean and a log-variance per latent dimension, z is sampled by the
// reparameterization, the decoder turns z back into an image; the loss is the reconstruction
// (binary cross-entropy summed over the pixels, in nats per image) plus beta times the KL
// divergence from the prior N(0, I). Every few epochs it writes PNG grids: test digits beside
// their reconstructions, samples from the prior and, with a 2-D latent space, the latent map.
//   node examples/vae.mjs [--latent 16] [--conv] [--conditional] [--ae] [--denoise 0] [--beta 1] [--warmup 0] [--mse]
//     [--epochs 10] [--batch 64] [--lr 0.001] [--seed 1] [--fashion] [--every 1] [--out DIR]
//     [--samples N] [--save FILE] [--load FILE]
import { parseFlags, setUp, progress, writeGrid, split, unit, saveModel, loadModel, ROOT, join } from './generative-common.mjs';
import { mulberry32, gaussian } from '../wasm/random.mjs';
import { VAE_NETS, vaeSpec, vaeProgram } from '../web/js/generative.mjs';

const FLAGS = {
  latent: 16, conv: false, conditional: false, ae: false, denoise: 0, beta: 1, warmup: 0, mse: false, epochs: 10, batch: 64, lr: 1e-3,
  seed: 1, fashion: false, every: 1, out: `${ROOT}build/vae`, samples: 0, save: `${ROOT}build/models/vae.dlpm`, load: '',
};
const HELP = `node examples/vae.mjs [flags]: train a VAE on MNIST and write sample grids as PNG files.
  --latent N       latent dimensions (16; 2 draws the latent map)
  --conv           convolutional encoder and decoder (transposed convolutions), else dense
  --conditional    a class-conditional VAE: the label joins the encoder's input and z (dense only)
  --ae             a plain autoencoder instead: z is the encoder's output, no sampling, no KL term
  --denoise S      denoising: the encoder sees its input with Gaussian noise of std S added, the
                   loss compares with the clean image (0: off)
  --beta B         weight of the KL term (1); --warmup N raises it from 0 over N updates (0)
  --mse            reconstruction by squared error of sigmoid outputs instead of cross-entropy
  --epochs N, --batch N, --lr X, --seed N   training (10, 64, 0.001, 1)
  --fashion        Fashion-MNIST instead of MNIST
  --every N        write the PNG grids every N epochs (1) into --out (build/vae)
  --samples N      train on the first N images only (smoke tests)
  --save FILE      where the trained model goes (build/models/vae.dlpm)
  --load FILE      draw the grids from a saved model instead of training`;

/** The example's model: the page's dense or convolutional preset (web/js/generative.mjs). */
export const exampleSpec = (flags) => vaeSpec({ ...VAE_NETS[flags.conv ? 'conv' : 'dense'], ...flags });

const sigmoid = (a) => a.map((v) => 1 / (1 + Math.exp(-v)));
const lossText = (r) => `${r.loss.toFixed(2)} nats per image (reconstruction ${r.terms.recon.toFixed(2)}${r.terms.kl != null ? `, KL ${r.terms.kl.toFixed(2)}` : ''})`;

async function grids(model, flags, test, epoch) {
  const L = model.spec.inputs.prior[0], conditional = 'y' in model.spec.inputs, pixels = flags.mse ? (a) => a : sigmoid;
  const tag = epoch == null ? 'loaded' : `epoch${String(epoch).padStart(3, '0')}`, files = [];
  // 8 test digits, and under them what the VAE makes of them (z = mu in evaluation mode)
  const x = test.x.subarray(0, 8 * 784), y = test.y.subarray(0, 8);
  const recon = pixels(model.run('recon', { x, ...(conditional ? { y } : {}) }));
  files.push(await writeGrid(join(flags.out, `recon-${tag}.png`), [...split(unit(x), 784), ...split(recon, 784)]));
  // 64 draws from the prior (with --conditional: row k asks for class k)
  const r = mulberry32(flags.seed), prior = Float32Array.from({ length: 64 * L }, () => gaussian(r));
  const labels = Uint8Array.from({ length: 64 }, (_, i) => Math.floor(i / 8) % 10);
  files.push(await writeGrid(join(flags.out, `samples-${tag}.png`), split(pixels(model.run('decoded', { prior, ...(conditional ? { y: labels } : {}) })), 784)));
  if (L === 2) { // the latent map: decoded images over [-3, 3]^2, top row at z2 = 3
    const n = 16, grid = new Float32Array(n * n * 2);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) grid.set([-3 + (6 * j) / (n - 1), 3 - (6 * i) / (n - 1)], 2 * (i * n + j));
    const y0 = new Uint8Array(n * n);
    files.push(await writeGrid(join(flags.out, `latent-map-${tag}.png`), split(pixels(model.run('decoded', { prior: grid, ...(conditional ? { y: y0 } : {}) })), 784), { columns: n }));
  }
  return files;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) return console.log(HELP);
  if (flags.conditional && flags.conv) throw new Error('--conditional works with the dense VAE only');
  if (!(flags.denoise >= 0 && flags.denoise <= 2)) throw new Error(`--denoise must be in [0, 2], got ${flags.denoise}`);
  if (!(flags.latent >= 1 && flags.latent <= 256 && Number.isInteger(flags.latent))) throw new Error(`--latent must be a whole number from 1 to 256, got ${flags.latent}`);
  const { dl, train, test, set } = await setUp(flags, { needTrain: !flags.load });
  if (flags.load) {
    const model = await loadModel(dl, flags.load);
    const files = await grids(model, flags, test);
    console.log(`loaded ${flags.load}; wrote ${files.join(', ')}`);
    const r = model.evaluateLoss('vae', { x: test.x, ...('y' in model.spec.inputs ? { y: test.y } : {}) });
    console.log(`test loss ${lossText(r)}`);
    return model.dispose();
  }
  const model = dl.model(exampleSpec(flags));
  model.setProgram(vaeProgram(flags));
  const n = flags.samples > 0 ? Math.min(flags.samples, train.n) : train.n, perEpoch = Math.ceil(n / flags.batch);
  const data = { x: train.x.subarray(0, n * 784), ...(flags.conditional ? { y: train.y.subarray(0, n) } : {}) };
  const testData = { x: test.x, ...(flags.conditional ? { y: test.y } : {}) };
  console.log(`${flags.conv ? 'convolutional' : 'dense'} ${flags.conditional ? 'conditional ' : ''}${flags.denoise ? `denoising (noise ${flags.denoise}) ` : ''}${flags.ae ? 'autoencoder' : 'VAE'}, latent ${flags.latent}, on ${n.toLocaleString()} ${set} images (${dl.simd ? 'SIMD128' : 'plain wasm'})`);
  const t0 = performance.now();
  let last = null;
  const writing = [];
  const bar = progress(flags.epochs, perEpoch, (e) => {
    last = model.evaluateLoss('vae', testData);
    if ((e.epoch + 1) % flags.every === 0 || e.epoch + 1 === flags.epochs) writing.push(grids(model, flags, test, e.epoch + 1));
    return `test loss ${lossText(last)}`;
  });
  await model.train(data, { epochs: flags.epochs, batchSize: flags.batch, seed: flags.seed, ...bar })
    .catch((e) => { console.error(`\ntraining stopped: ${e.message}`); process.exit(1); });
  const files = (await Promise.all(writing)).at(-1) ?? [];
  console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s; final test loss ${last?.loss.toFixed(2)} nats per image; grids in ${flags.out} (last: ${files.map((f) => f.split('/').pop()).join(', ')})`);
  await saveModel(model, flags.save);
  model.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
