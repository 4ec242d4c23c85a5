// generative.test.mjs: the VAE and GAN examples end to end on a slice (train, write PNG grids,
// save, sample again with --load), and short GAN runs judged by the playground's MNIST
// classifier: a trained G draws several digits where an untrained one draws one, and a
// conditional G draws the class it is asked for more often than chance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { engine } from './helpers.mjs';
import { readDataset } from '../../wasm/datasets.mjs';
import { mulberry32, gaussian } from '../../wasm/random.mjs';
import { exampleSpec, generate, score } from '../../examples/gan.mjs';
import { ganSpec, ganProgram, GAN_NETS, GAN_PRESETS, gPush, gLoss } from '../../web/js/generative.mjs';
import { frechet } from '../../examples/generative-common.mjs';

const root = new URL('../../', import.meta.url).pathname;
const node = (...args) => promisify(execFile)(process.execPath, args, { cwd: root });
const png = async (file) => PNG.sync.read(await readFile(`${root}${file}`));

test('examples/vae.mjs trains, writes reconstructions, samples and the latent map as PNG files, and --load gives the same test loss', async () => {
  const out = 'build/test-vae', file = 'build/models/vae-smoke.dlpm';
  const { stdout } = await node('examples/vae.mjs', '--epochs', '1', '--samples', '3000', '--latent', '2', '--seed', '3', '--out', out, '--save', file);
  const loss = stdout.match(/epoch 1\/1: .*test loss ([\d.]+) nats per image \(reconstruction [\d.]+, KL [\d.]+\)/)?.[1];
  assert.ok(loss && Number(loss) < 250, stdout);
  // 8 columns of 28 px, 2 px apart: test digits over their reconstructions; 8 rows of samples; a 16 x 16 latent map
  for (const [name, w, h] of [['recon', 242, 62], ['samples', 242, 242], ['latent-map', 482, 482]]) {
    const image = await png(`${out}/${name}-epoch001.png`);
    assert.deepEqual([image.width, image.height], [w, h], name);
    const grey = new Set();
    for (let i = 0; i < image.data.length; i += 4) grey.add(image.data[i]);
    assert.ok(grey.size > 50, `${name} is a picture, not a flat square (${grey.size} grey levels)`);
  }
  const loaded = await node('examples/vae.mjs', '--load', file, '--out', out);
  assert.match(loaded.stdout, new RegExp(`test loss ${loss.replace('.', '\\.')} nats per image`));
});

test('examples/vae.mjs --ae --denoise trains a denoising autoencoder: no KL term, and a clean test image comes back close', async () => {
  const { stdout } = await node('examples/vae.mjs', '--ae', '--denoise', '0.3', '--latent', '32', '--epochs', '2', '--samples', '4000', '--seed', '3', '--out', 'build/test-ae', '--save', 'build/models/ae-smoke.dlpm');
  assert.match(stdout, /dense denoising \(noise 0.3\) autoencoder, latent 32/);
  const loss = Number(stdout.match(/epoch 2\/2: .*test loss ([\d.]+) nats per image \(reconstruction [\d.]+\)$/m)?.[1]);
  assert.ok(loss > 0 && loss < 160, stdout); // (a blank image would score about 200 nats)
});

test('examples/gan.mjs trains, writes sample grids and scores them, and --load draws the same samples', async () => {
  const out = 'build/test-gan', file = 'build/models/gan-smoke.dlpm';
  const { stdout } = await node('examples/gan.mjs', '--epochs', '1', '--samples', '2000', '--seed', '3', '--noise', '0.1', '--smooth', '0.1', '--out', out, '--save', file);
  const verdict = stdout.match(/epoch 1\/1: .*(classes drawn \d+\/10, classifier sure \(p > 0.9\) of \d+%, histogram [\d ]+)/)?.[1];
  assert.ok(verdict, stdout);
  const image = await png(`${out}/samples-epoch001.png`);
  assert.deepEqual([image.width, image.height], [242, 242]);
  const loaded = await node('examples/gan.mjs', '--load', file, '--seed', '3', '--out', out); // (the seed picks the fixed noise)
  assert.ok(loaded.stdout.includes(verdict.trim()), `${loaded.stdout} lacks ${verdict}`);
  assert.deepEqual(await png(`${out}/samples-loaded.png`), image, 'the same fixed noise draws the same images');
  await assert.rejects(node('examples/gan.mjs', '--loss', 'hinge'), (e) => e.code === 1 && /--loss must be bce, lsgan or wgan/.test(e.stderr));
  await assert.rejects(node('examples/vae.mjs', '--latnt', '2'), (e) => e.code === 1 && /unknown flag --latnt/.test(e.stderr));
  assert.match((await node('examples/vae.mjs', '--help')).stdout, /--latent N\s+latent dimensions/);
});

const dl = await engine();
const train = await readDataset(`${root}web/data/mnist-train.dlds.gz`);
const classifier = dl.loadModel(await readFile(`${root}web/models/mnist-mlp.dlpm`));
const noise = (n, Z, seed) => { const r = mulberry32(seed); return Float32Array.from({ length: n * Z }, () => gaussian(r)); };
const realImages = (n) => Float32Array.from(train.x.subarray(0, n * 784), (v) => (2 * v) / 255 - 1);

test('a short MLP GAN run (seed 5) moves the class histogram of its samples away from a single class', async () => {
  const flags = { dcgan: false, conditional: false, latent: 64, seed: 5, loss: 'bce', k: 1, lrD: 2e-4, lrG: 2e-4, smooth: 0 };
  const m = dl.model(exampleSpec(flags));
  try {
    m.setProgram(ganProgram(flags));
    const z = noise(500, 64, 9), before = score(classifier, generate(m, z), 500);
    await m.train({ x: realImages(12000) }, { epochs: 3, batchSize: 64, seed: 5 });
    const after = score(classifier, generate(m, z), 500);
    const top = (s) => Math.max(...s.histogram) / 500;
    assert.ok(top(before) > 0.9, `untrained G: ${before.histogram}`);
    assert.ok(after.classes >= 4 && top(after) < 0.6, `after 280 steps: ${after.histogram}`);
  } finally {
    m.dispose();
  }
});

test('the GAN page\'s presets on 20,000 digits for 2 epochs (seed 1): "MLP GAN" draws at least 8 of the 10 digits, "MLP GAN that collapses" (D ten times slower than G) at most 5', async () => {
  const z = noise(500, 64, 9), drawn = {};
  for (const name of ['mlp', 'collapse']) {
    const { nets, ...p } = GAN_PRESETS[name];
    const m = dl.model(ganSpec({ ...GAN_NETS[nets], latent: p.latent, seed: 1, bytes: true }));
    try {
      m.setProgram(ganProgram(p));
      await m.train({ x: train.x.subarray(0, 20000 * 784) }, { epochs: 2, batchSize: p.batch, seed: 1 });
      drawn[name] = score(classifier, generate(m, z), 500);
    } finally {
      m.dispose();
    }
  }
  assert.ok(drawn.mlp.classes >= 8, `MLP GAN: ${drawn.mlp.histogram}`);
  assert.ok(drawn.collapse.classes <= 5, `collapse: ${drawn.collapse.histogram}`);
});

test('the 2-D GAN page\'s arrows: gPush is minus the derivative of G\'s loss in D\'s score, and a point moved a little along its arrow lowers G\'s loss under a trained D', async () => {
  for (const loss of ['bce', 'lsgan', 'wgan'])
    for (const s of [-3, -0.5, 0, 0.7, 2.5]) {
      const d = (gLoss(loss, s + 1e-4) - gLoss(loss, s - 1e-4)) / 2e-4;
      assert.ok(Math.abs(gPush(loss, s) + d) < 1e-4 * (1 + Math.abs(d)), `${loss} at ${s}: ${gPush(loss, s)} against ${-d}`);
    }
  const m = dl.model(ganSpec({ ...GAN_NETS.toy, x: [2], latent: 2, seed: 4 }));
  try {
    m.setProgram(ganProgram({ loss: 'bce', lrD: 2e-3, lrG: 2e-3 }));
    const r = mulberry32(4), x = Float32Array.from({ length: 1024 }, () => 2 * gaussian(r) + 1);
    await m.train({ x }, { iterations: 300, batchSize: 64, seed: 4 });
    const h = 0.01, eps = 0.05, pts = Float32Array.from({ length: 40 }, () => 4 * gaussian(r));
    let lower = 0;
    for (let i = 0; i < 20; i++) {
      const [a, b] = [pts[2 * i], pts[2 * i + 1]];
      const s = m.run('real_score', { x: Float32Array.of(a, b, a + h, b, a - h, b, a, b + h, a, b - h) }), push = gPush('bce', s[0]);
      const arrow = [(push * (s[1] - s[2])) / (2 * h), (push * (s[3] - s[4])) / (2 * h)], len = Math.hypot(...arrow) || 1;
      const moved = m.run('real_score', { x: Float32Array.of(a + (eps * arrow[0]) / len, b + (eps * arrow[1]) / len) });
      if (gLoss('bce', moved[0]) < gLoss('bce', s[0])) lower++;
    }
    assert.ok(lower >= 19, `${lower} of 20 points lower G's loss along their arrows`);
  } finally {
    m.dispose();
  }
});

// The conditional mechanism (the class one-hot, joined to G's noise and to D's input) on a ring
// of 8 Gaussians, where it learns in seconds; on MNIST it needs several epochs (23% of samples
// drawn as the class asked for after 6 epochs, seed 6, against 10% by chance).
test('a conditional GAN (seed 6) on a ring of 8 Gaussians puts a sample in the cluster it is asked for more often than chance', async () => {
  const centres = Array.from({ length: 8 }, (_, k) => [2 * Math.cos((k * Math.PI) / 4), 2 * Math.sin((k * Math.PI) / 4)]);
  const r = mulberry32(6), n = 4096, x = new Float32Array(2 * n), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) (y[i] = i % 8), x.set([centres[y[i]][0] + 0.1 * gaussian(r), centres[y[i]][1] + 0.1 * gaussian(r)], 2 * i);
  const lrelu = { activation: 'leakyRelu', alpha: 0.2 };
  const m = dl.model({
    seed: 6,
    inputs: { x: [2], y: { classes: 8 }, z: { shape: [4], noise: 'normal' } },
    networks: { G: [{ type: 'dense', units: 64, ...lrelu }, { type: 'dense', units: 64, ...lrelu }, { type: 'dense', units: 2 }], D: [{ type: 'dense', units: 64, ...lrelu }, { type: 'dense', units: 64, ...lrelu }, { type: 'dense', units: 1 }] },
    outputs: {
      zy: { concat: ['z', 'y'] }, xy: { concat: ['x', 'y'] }, fake: { net: 'G', from: 'zy' }, fake_d: { detach: 'fake' },
      fy: { concat: ['fake_d', 'y'] }, gy: { concat: ['fake', 'y'] },
      real_score: { net: 'D', from: 'xy' }, fake_score: { net: 'D', from: 'fy' }, gen_score: { net: 'D', from: 'gy' },
    },
  });
  try {
    m.setProgram(ganProgram({ loss: 'bce', k: 1, lrD: 2e-3, lrG: 2e-3, smooth: 0 }));
    await m.train({ x, y }, { epochs: 30, batchSize: 64, seed: 6 });
    const N = 800, asked = Uint8Array.from({ length: N }, (_, i) => i % 8), points = m.run('fake', { z: noise(N, 4, 11), y: asked });
    let hits = 0;
    for (let i = 0; i < N; i++) {
      const d = centres.map(([cx, cy]) => Math.hypot(points[2 * i] - cx, points[2 * i + 1] - cy));
      if (d.indexOf(Math.min(...d)) === asked[i]) hits++;
    }
    assert.ok(hits / N > 0.5, `${hits} of ${N} samples land in the cluster asked for (chance: 1 in 8)`);
  } finally {
    m.dispose();
  }
});

test('the Fréchet distance matches its closed form for two Gaussians, and is 0 between a set and itself', () => {
  // N(0, I) against N(m, 4I) in 3-D: |m|^2 + 3 (1 + 4 - 2 sqrt(4)) = 1 + 3
  const r = mulberry32(1), n = 20000, d = 3, a = new Float64Array(n * d), b = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) (a[i] = gaussian(r)), (b[i] = 2 * gaussian(r) + (i % d === 0 ? 1 : 0));
  assert.ok(Math.abs(frechet(a, n, b, n, d) - 4) < 0.15, `${frechet(a, n, b, n, d)}`);
  assert.ok(Math.abs(frechet(a, n, a, n, d)) < 1e-9);
  // an elongated cloud turned by 45 degrees has the same mean and spread along its own axes, but
  // another covariance: the distance sees it (0.42 in closed form)
  const c = new Float64Array(n * 2), e = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const u = gaussian(r), v = 0.3 * gaussian(r);
    c.set([u, v], 2 * i);
    e.set([(u - v) / Math.SQRT2, (u + v) / Math.SQRT2], 2 * i);
  }
  assert.ok(Math.abs(frechet(c, n, e, n, 2) - 0.42) < 0.05, `a turned elongated cloud is another distribution: ${frechet(c, n, e, n, 2)}`);
});
