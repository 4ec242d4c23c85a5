// vae.mjs: the VAE page: a variational autoencoder on MNIST or Fashion-MNIST, with a plain
// autoencoder of the same networks trained beside it (compare). Views: reconstructions of fixed
// test digits, the 2-D latent map and the scatter of encoded test digits (the AE's beside the
// VAE's: the AE's codes leave holes the decoder never learned), interpolation between two picked
// digits, samples from the prior, a slider per latent dimension, and the loss split into
// reconstruction and KL.
import { createStudio } from './studio.mjs';
import { VAE_PARAMS } from '../state.mjs';
import { VAE_NETS, vaeSpec, vaeProgram } from '../generative.mjs';
import { mulberry32, gaussian } from '../../dlplay/random.mjs';
import { createImageGrid } from '../components/image-grid.mjs';
import { createLineChart } from '../components/line-chart.mjs';
import { createLatentPlane } from '../components/latent-plane.mjs';

const preset = (name, title, settings) => ({ title, about: VAE_NETS[name].about, nets: () => VAE_NETS[name], settings });
const PRESETS = {
  small: preset('small', 'Small dense VAE', { latent: 2, lr: 0.002, batch: 64 }),
  dense: preset('dense', 'Dense VAE', { latent: 2, lr: 0.001, batch: 64 }),
  conv: preset('conv', 'Convolutional VAE', { latent: 2, lr: 0.001, batch: 64 }),
};

const CONFIG = `
  <div class="card" data-control="data">
    <h2>Data</h2>
    <label class="row">Images
      <select data-part="dataset">
        <option value="mnist">MNIST digits</option>
        <option value="fashion">Fashion-MNIST</option>
      </select>
    </label>
    <p data-part="data-status" class="note" aria-live="polite"></p>
  </div>
  <div class="card" data-control="training">
    <h2>Model and loss</h2>
    <label class="row">Model
      <select data-part="kind">
        <option value="vae">variational autoencoder (VAE)</option>
        <option value="ae">plain autoencoder</option>
      </select>
    </label>
    <label class="check"><input data-part="compare" type="checkbox"> Train a plain autoencoder beside the VAE</label>
    <div class="grid2">
      <label>Latent size<input data-part="latent" type="number" min="1" max="64" step="1"></label>
      <label>β (weight of KL)<input data-part="beta" type="number" min="0" max="100" step="0.1"></label>
      <label>KL warm-up (steps)<input data-part="warmup" type="number" min="0" max="100000" step="100"></label>
      <label>Reconstruction<select data-part="recon"><option value="bce">cross-entropy</option><option value="mse">squared error</option></select></label>
      <label>Denoising noise (std)<input data-part="denoise" type="number" min="0" max="2" step="0.1"></label>
      <label>Learning rate<input data-part="lr" type="number" min="0.000001" max="0.1" step="any"></label>
      <label>Batch<input data-part="batch" type="number" min="1" max="1024" step="1"></label>
      <label>Seed<input data-part="seed" type="number" min="0" step="1"></label>
    </div>
    <p class="note">Loss per image = reconstruction (summed over the 784 pixels) + β · KL(q(z|x) ‖ N(0, I)). The encoder gives a mean μ and a log-variance per latent dimension; z = μ + σ·ε keeps the sampling differentiable. Views use z = μ.</p>
  </div>`;

const VIEWS = `
  <div class="card" data-control="recon">
    <h2>Reconstructions</h2>
    <p class="note">Top: test images; below: what comes back through the latent code. Click two test images to walk between them.</p>
    <div data-part="recon-grid"></div>
  </div>
  <div class="card" data-control="latent">
    <h2>The latent space</h2>
    <p data-part="latent-note" class="note"></p>
    <div class="latent-row" data-part="latent-planes"></div>
  </div>
  <div class="card" data-control="walk">
    <h2>From one image to another</h2>
    <p data-part="walk-note" class="note"></p>
    <div data-part="walk"></div>
  </div>
  <div class="card" data-control="prior">
    <h2>Samples from the prior</h2>
    <p class="note">z drawn from N(0, I), decoded: a VAE's latent space has no holes there, so most are plausible images.</p>
    <div data-part="prior"></div>
  </div>
  <div class="card" data-control="sliders">
    <h2>Move through the latent space</h2>
    <p class="note">One slider per latent dimension, from −3 to 3 (standard deviations of the prior); it starts at the first picked image's code.</p>
    <div class="slider-row"><div data-part="sliders" class="sliders"></div><div data-part="slider-image"></div></div>
  </div>
  <div class="card" data-control="curves">
    <h2>Loss, split</h2>
    <div data-part="loss-chart"></div>
  </div>`;

/** The VAE page in root. */
export function createVaePage(root, options) {
  const page = {
    title: 'VAE', file: 'vae', params: VAE_PARAMS, presets: PRESETS, dataParams: ['dataset'],
    programParams: ['beta', 'warmup', 'lr', 'batch'], drawMs: () => 1000,
    networks: [
      { name: 'encoder', label: 'Encoder', input: '← an image', output: '→ the head (added): μ and log σ² for each latent dimension (a plain autoencoder: z itself)' },
      { name: 'decoder', label: 'Decoder', input: '← z (latent values)', output: '→ 784 values: logits for cross-entropy, pixels (sigmoid) for squared error' },
    ],
    steps: [{ part: 'step', label: 'Step', key: '.', title: 'one training step (key: .)', run: () => ({ iterations: 1 }) }],
    configHtml: CONFIG,
    viewsHtml: VIEWS,
    images: () => true,
    netOf: (n) => (n === 'encoder' ? 'enc' : 'dec'),
    layerOffset: (ctx, net) => (net === 'encoder' && ctx.state.denoise > 0 ? 1 : 0),
    models(ctx) {
      const s = ctx.state, nets = PRESETS[s.preset].nets(), encoder = s.encoder ?? nets.encoder, decoder = s.decoder ?? nets.decoder;
      const one = (ae) => ({
        key: ae && s.kind === 'vae' ? 'ae' : s.kind,
        spec: vaeSpec({ encoder, decoder, latent: s.latent, ae, denoise: s.denoise, mse: s.recon === 'mse', seed: s.seed }),
        program: vaeProgram({ beta: s.beta, warmup: s.warmup, mse: s.recon === 'mse', lr: s.lr, ae }),
      });
      return s.kind === 'vae' && s.compare === 'on' ? [one(false), one(true)] : [one(s.kind === 'ae')];
    },
    summary: (r) => `${r.params.toLocaleString()} parameters`,
    fits: (ctx, s) => (['recon', 'decoded', 'mu', 'prior'].every((n) => s.tensors.some((t) => t.name === n)) && s.program?.losses?.vae && !s.spec.inputs.y ? '' : 'this file is not an autoencoder of this page (it needs recon, decoded, mu and prior tensors and a vae loss; a conditional one needs the Node example)'),
    adopt(ctx, s) {
      const { enc, dec } = s.spec.networks, terms = s.program.losses.vae, kl = terms.find((t) => t.type === 'kl_gauss');
      const noise = enc[0]?.type === 'gaussianNoise' ? enc[0].stddev : 0;
      return {
        latent: s.tensors.find((t) => t.name === 'prior').shape[0], kind: kl ? 'vae' : 'ae', recon: terms[0].type === 'mse' ? 'mse' : 'bce',
        beta: kl?.weight ?? ctx.state.beta, warmup: kl?.warmup ?? 0, lr: s.program.optimizers.adam?.lr ?? ctx.state.lr, denoise: noise,
        encoder: enc.slice(noise ? 1 : 0, -1), decoder: dec.at(-1)?.type === 'reshape' ? dec.slice(0, -1) : dec, // (the spec builder's own ends)
      };
    },
    iterationsPerEpoch: (ctx) => 60000 / ctx.state.batch,
    progress: (ctx, rec) => Object.entries(rec.steps[0].terms).map(([k, v]) => `${k === 'recon' ? 'reconstruction' : k} ${v.toFixed(1)}`).join(' · ') + ' nats',
    views: (ctx) => views(ctx),
  };

  function views(ctx) {
    const { q, state } = ctx;
    const picked = [0, 1]; // which of the shown test images the walk runs between
    let shown = null; // indices of the test images shown (the first of each class, 0 to 7)
    const recon = createImageGrid(q('recon-grid'), { columns: 8, scale: 2 });
    const walk = createImageGrid(q('walk'), { columns: 10, scale: 2 });
    const prior = createImageGrid(q('prior'), { columns: 8, scale: 2 });
    const sliderImage = createImageGrid(q('slider-image'), { scale: 4 });
    const chart = createLineChart(q('loss-chart'), { title: 'Loss (nats per image)', xLabel: 'step', log: true, series: [{ name: 'reconstruction' }, { name: 'KL' }, { name: 'AE reconstruction', dashed: true }] });
    const planes = {};
    let z = null; // the sliders' latent point
    const sigmoid = (a) => a.map((v) => 1 / (1 + Math.exp(-v)));
    const pixels = (a) => (state.recon === 'mse' ? a : sigmoid(a));
    const tile = (data) => ({ data, width: 28, height: 28 });
    const split = (a) => Array.from({ length: a.length / 784 }, (_, i) => tile(a.subarray(784 * i, 784 * (i + 1))));
    const models = () => [...ctx.models].map(([key, m]) => ({ key, m, ae: !m.summary.tensors.some((t) => t.name === 'logvar') }));
    const priorZ = () => {
      const r = mulberry32(state.seed + 3000);
      return Float32Array.from({ length: 16 * state.latent }, () => gaussian(r));
    };

    function planesFor(list) {
      const want = list.map((x) => x.key).join();
      if (planes.keys === want) return;
      q('latent-planes').replaceChildren();
      for (const k of Object.keys(planes)) delete planes[k];
      planes.keys = want;
      for (const { key, ae } of list)
        planes[key] = createLatentPlane(q('latent-planes'), { caption: ae ? 'Plain autoencoder' : 'VAE', onPick: (p) => state.latent === 2 && setSliders(Float32Array.from(p)) });
    }

    function buildSliders() {
      const L = state.latent, box = q('sliders');
      box.replaceChildren();
      z = new Float32Array(L);
      for (let i = 0; i < Math.min(L, 16); i++) {
        const label = document.createElement('label');
        label.innerHTML = `z${i + 1} <input type="range" min="-3" max="3" step="0.05" value="0">`;
        label.querySelector('input').addEventListener('input', (ev) => {
          z[i] = Number(ev.target.value);
          decodeSliders();
        });
        box.append(label);
      }
      if (L > 16) box.append(Object.assign(document.createElement('p'), { className: 'note', textContent: `(the first 16 of ${L} dimensions; the rest stay at the picked image's code)` }));
    }
    function setSliders(values) {
      if (!z || z.length !== state.latent) buildSliders();
      z.set(values.subarray(0, z.length));
      q('sliders').querySelectorAll('input').forEach((s, i) => (s.value = String(Math.max(-3, Math.min(3, z[i])))));
      decodeSliders();
    }
    async function decodeSliders() {
      const m = models()[0]?.m;
      if (m && z) sliderImage.update([tile(pixels(await m.run('decoded', { prior: z })))]);
    }

    async function drawOne({ key, m, ae }, test) {
      const L = state.latent, x = test.x;
      // the shown images, their reconstructions and codes
      const xs = new Uint8Array(8 * 784);
      shown.forEach((i, k) => xs.set(x.subarray(784 * i, 784 * (i + 1)), 784 * k));
      const out = await m.run(['recon', 'mu'], { x: xs });
      if (key === models()[0].key) {
        recon.update([
          ...shown.map((i, k) => ({ ...tile(xs.subarray(784 * k, 784 * (k + 1))), label: picked.includes(k) ? (picked[0] === k ? 'A' : 'B') : '', title: 'pick for the walk', onClick: () => pick(k) })),
          ...split(pixels(out.recon)),
        ]);
        // the walk from A to B, and the samples from the prior
        const a = out.mu.subarray(L * picked[0], L * (picked[0] + 1)), b = out.mu.subarray(L * picked[1], L * (picked[1] + 1)), line = new Float32Array(10 * L);
        for (let s = 0; s < 10; s++) for (let d = 0; d < L; d++) line[s * L + d] = a[d] + ((b[d] - a[d]) * s) / 9;
        walk.update(split(pixels(await m.run('decoded', { prior: line }))));
        q('walk-note').textContent = `Ten points on the straight line between the codes of A and B (z = μ), decoded. ${ae ? 'A plain autoencoder\'s line crosses places no image was coded to.' : ''}`;
        prior.update(split(pixels(await m.run('decoded', { prior: priorZ() }))));
        if (!z || z.length !== L) setSliders(a);
        else decodeSliders();
      }
      // the latent plane: 1,000 test images by their code; with 2 dimensions, the map too
      const n = Math.min(1000, test.n), mu = await m.run('mu', { x: x.subarray(0, 784 * n) }), pts = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) pts.set([mu[L * i], L > 1 ? mu[L * i + 1] : 0], 2 * i);
      // a VAE's codes follow the prior: its plane spans ±3; an autoencoder's go anywhere: its own range
      let extent = [-3, 3];
      if (ae) {
        const sorted = Float32Array.from(pts).sort(), lo = sorted[Math.floor(0.01 * sorted.length)], hi = sorted[Math.floor(0.99 * sorted.length)], pad = 0.1 * (hi - lo || 1);
        extent = [lo - pad, hi + pad];
      }
      let tiles = null;
      const g = 15;
      if (L === 2) {
        const grid = new Float32Array(g * g * 2), [lo, hi] = extent;
        for (let i = 0; i < g; i++) for (let j = 0; j < g; j++) grid.set([lo + ((hi - lo) * (j + 0.5)) / g, hi - ((hi - lo) * (i + 0.5)) / g], 2 * (i * g + j));
        tiles = pixels(await m.run('decoded', { prior: grid }));
      }
      planes[key].update({ tiles, n: g, extent, points: pts, labels: test.y });
    }

    function pick(k) {
      if (picked.includes(k)) return;
      picked.shift();
      picked.push(k);
      z = null; // the sliders start again at the new A
      ctx.later('pick', () => draw(), 0);
    }

    async function draw() {
      const test = ctx.test, list = models();
      if (!test || !list.length) return;
      shown ??= Array.from({ length: 8 }, (_, c) => test.y.indexOf(c));
      planesFor(list);
      q('latent-note').textContent = state.latent === 2
        ? `Left of each pair: the decoder's image at each point of a 15 × 15 grid. Right: 1,000 test images at their codes (μ), by class; click there to set the sliders.${list.length > 1 ? ' The plain autoencoder spreads its codes as it likes and leaves gaps whose images are nonsense; the VAE keeps them near N(0, I), so the whole square decodes to images.' : ''}`
        : `With ${state.latent} latent dimensions only the first two of each code are drawn (choose latent size 2 for the map).`;
      for (const one of list) await drawOne(one, test);
    }

    return {
      draw,
      steps(key, records) {
        for (const r of records) {
          const t = r.steps[0].terms, x = r.iteration + ctx.base;
          if (key === 'ae' || (key === models()[0].key && state.kind === 'ae')) chart.push(2, x, t.recon);
          else {
            chart.push(0, x, t.recon);
            chart.push(1, x, t.kl);
          }
        }
      },
      reset() {
        chart.reset();
        z = null;
        for (const v of [recon, walk, prior, sliderImage]) v.reset();
        planes.keys = null;
      },
    };
  }

  return createStudio(root, page, options);
}
