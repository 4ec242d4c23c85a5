// gan.mjs: the GAN page: G and D, each with its optimizer and rate, on MNIST, Fashion-MNIST or
// 2-D points. Images: samples from fixed noise, the losses, D's verdicts on real and generated
// images, and which digits G draws as the page's MNIST classifier (models/mnist-mlp.dlpm) reads
// them. 2-D: GAN Lab's picture (D over the plane, real and generated points, G's gradient).
import { createStudio } from './studio.mjs';
import { GAN_PARAMS } from '../state.mjs';
import { GAN_NETS, GAN_PRESETS, ganSpec, ganProgram, imageShape, gPush, digitHistogram } from '../generative.mjs';
import { makeToySet } from '../datasets2d.mjs';
import { mulberry32, gaussian } from '../../dlplay/random.mjs';
import { createImageGrid } from '../components/image-grid.mjs';
import { createLineChart } from '../components/line-chart.mjs';
import { createBarChart } from '../components/bar-chart.mjs';
import { createGanPlane } from '../components/gan-plane.mjs';

const IMAGE_SETS = ['mnist', 'fashion'];
// The page's presets: a GAN_PRESETS recipe (networks and settings) with its words.
const preset = (name, title, about) => {
  const { nets, ...settings } = GAN_PRESETS[name];
  return { title, about, nets: () => GAN_NETS[nets], settings };
};
const PRESETS = {
  mlp: preset('mlp', 'MLP GAN', `${GAN_NETS.mlp.about} Both learn at 0.002: every digit appears within a few epochs.`),
  collapse: preset('collapse', 'MLP GAN that collapses', 'The same networks, but D learns ten times slower than G: G finds a few digits that fool D and draws little else. Watch the histogram narrow; the MLP GAN preset is the remedy.'),
  dcgan: preset('dcgan', 'DCGAN', `${GAN_NETS.dcgan.about} Adam at 0.0002 with β1 0.5, as in the DCGAN paper.`),
  lsgan: preset('lsgan', 'Least-squares GAN', 'The MLP GAN with squared errors instead of cross-entropy: D\'s scores are pulled to 1 for real and 0 for generated.'),
  wgan: preset('wgan', 'Wasserstein GAN', 'A critic instead of a judge: D gives scores, not probabilities, its weights are clipped to ±0.01, and it takes 5 steps per G step (RMSprop, as in the WGAN paper).'),
  toy: preset('toy', '2-D GAN', `${GAN_NETS.toy.about} Each arrow is the way G's loss pushes that point.`),
};
const isImages = (s) => IMAGE_SETS.includes(s.dataset);

const CONFIG = `
  <div class="card" data-control="data">
    <h2>Data</h2>
    <label class="row">Real samples
      <select data-part="dataset">
        <option value="mnist">MNIST digits</option>
        <option value="fashion">Fashion-MNIST</option>
        <option value="ring">2-D: ring of 8 Gaussians</option>
        <option value="spiral">2-D: spiral</option>
        <option value="moons">2-D: two moons</option>
        <option value="custom">2-D: points you draw</option>
      </select>
    </label>
    <label class="row only-2d">Speed <select data-part="speed">
      <option value="slow">slow: about 60 steps/s</option>
      <option value="watch">watch: about 300 steps/s</option>
      <option value="fast">full speed</option>
    </select></label>
    <div class="only-custom"><p class="note">Drag across the plane to draw points (at least 16).</p>
      <button data-part="clear-points" type="button" class="secondary">Clear points</button></div>
    <p data-part="data-status" class="note" aria-live="polite"></p>
  </div>
  <div class="card" data-control="training">
    <h2>Training</h2>
    <label class="row">Loss
      <select data-part="loss">
        <option value="bce">non-saturating cross-entropy</option>
        <option value="lsgan">least squares</option>
        <option value="wgan">Wasserstein (clipped critic)</option>
      </select>
    </label>
    <div class="grid2">
      <label>D's learning rate<input data-part="lrD" type="number" min="0.000001" max="0.1" step="any"></label>
      <label>G's learning rate<input data-part="lrG" type="number" min="0.000001" max="0.1" step="any"></label>
      <label>D steps per G step (k)<input data-part="k" type="number" min="1" max="20" step="1"></label>
      <label>Noise size (latent)<input data-part="latent" type="number" min="1" max="256" step="1"></label>
      <label>Label smoothing<input data-part="smooth" type="number" min="0" max="0.45" step="0.05"></label>
      <label>Instance noise (std)<input data-part="noise" type="number" min="0" max="2" step="0.05"></label>
      <label>Batch<input data-part="batch" type="number" min="1" max="1024" step="1"></label>
      <label>Seed<input data-part="seed" type="number" min="0" step="1"></label>
    </div>
    <p class="note">Each optimizer updates its own network only: D's step sees G's samples detached; G's step goes through D, whose weights stay as they are.</p>
  </div>`;

const VIEWS = `
  <div class="card only-images" data-control="samples">
    <h2>Samples from fixed noise</h2>
    <p class="note">The same 64 noise vectors each time, so you watch the same samples change.</p>
    <div data-part="samples"></div>
  </div>
  <div class="card only-2d" data-control="plane">
    <h2>The plane</h2>
    <div data-part="plane"></div>
  </div>
  <div class="card" data-control="curves">
    <h2>Curves</h2>
    <div class="charts"><div data-part="loss-chart"></div><div data-part="verdict-chart"></div></div>
  </div>
  <div class="card only-images" data-control="classes">
    <h2>Which digits G draws</h2>
    <p data-part="class-note" class="note"></p>
    <div data-part="classes"></div>
  </div>`;

/** The GAN page in root. */
export function createGanPage(root, options) {
  const FIXED = 64, SCORED = 500; // samples shown; samples D and the classifier judge (the shown ones among them)
  let fixed = null; // noise for the sample grid, the verdicts and the histogram (latent size may change)
  let real = null; // 2-D: the real points

  const noise = (n, Z, seed) => {
    const r = mulberry32(seed);
    return Float32Array.from({ length: n * Z }, () => gaussian(r));
  };

  const page = {
    title: 'GAN', file: 'gan', params: GAN_PARAMS, presets: PRESETS, dataParams: ['dataset'],
    programParams: ['loss', 'k', 'lrD', 'lrG', 'smooth', 'speed', 'batch'], // (speed, batch: a run goes on with the new one)
    drawMs: (ctx) => (isImages(ctx.state) ? 600 : 150),
    // a 2-D run at full speed is over in a blink: paced (an epoch of 2,000 points is about 16 steps), a person can watch
    trainOptions: (ctx) => (isImages(ctx.state) ? {} : { minEpochMs: { slow: 250, watch: 50, fast: 0 }[ctx.state.speed] }),
    networks: [
      { name: 'G', label: 'Generator G', input: '← noise z (latent values, drawn from N(0, 1))', output: '→ a sample: 784 values (tanh, as real images are read in [-1, 1]), or a 2-D point' },
      { name: 'D', label: 'Discriminator D', input: '← a real or generated sample', output: '→ one score: a logit for cross-entropy, a critic\'s value for Wasserstein' },
    ],
    steps: [
      { part: 'step', label: 'Step', key: '.', title: 'one D step (k of them) and one G step (key: .)', run: () => ({ iterations: 1 }) },
      { part: 'step-d', label: 'Step D', key: 'd', title: 'one step of D only: G does not change (key: d)', run: (ctx) => ({ iterations: 1, program: program(ctx, 'd') }) },
      { part: 'step-g', label: 'Step G', key: 'g', title: 'one step of G only: D does not change (key: g)', run: (ctx) => ({ iterations: 1, program: program(ctx, 'g') }) },
    ],
    configHtml: CONFIG,
    viewsHtml: VIEWS,
    images: isImages,
    plane(s) {
      if (s.dataset === 'custom') return (real = Float32Array.from(s.points.flatMap((p) => [p.x, p.y])));
      const { train } = makeToySet(s.dataset, { n: 2000, noise: 0, ratio: 1, seed: s.seed });
      return (real = Float32Array.from(train.flatMap((p) => [p.x, p.y])));
    },
    check: (ctx) => (ctx.state.dataset === 'custom' && ctx.state.points.length < 16 ? `Draw at least 16 points on the plane (${ctx.state.points.length} so far).` : ''),
    // the preset follows the kind of data: images take an image GAN, points the 2-D one
    dataChanged(ctx) {
      const want = isImages(ctx.state) ? (ctx.state.preset === 'toy' ? 'mlp' : ctx.state.preset) : 'toy';
      for (const o of ctx.q('preset').options) o.disabled = (o.value === 'toy') === isImages(ctx.state);
      if (want !== ctx.state.preset) {
        ctx.state.preset = want;
        ctx.q('preset').value = want;
        for (const [k, v] of Object.entries(PRESETS[want].settings)) ctx.state[k] = v;
        ctx.state.G = ctx.state.D = null;
      }
    },
    models: (ctx) => [{ key: 'gan', spec: spec(ctx), program: program(ctx) }],
    layerOffset: (ctx, net) => (net === 'D' && ctx.state.noise > 0 ? 1 : 0),
    summary: (r) => `${r.params.toLocaleString()} parameters in G and D`,
    fits(ctx, s) {
      const x = s.tensors.find((t) => t.name === 'x');
      if (!x || !['fake', 'gen_score', 'real_score'].every((n) => s.tensors.some((t) => t.name === n)) || !s.program?.losses?.g) return 'this file is not a GAN of this page (it needs x, fake, real_score and gen_score tensors and a g loss)';
      if ((x.shape.join() === '2') === isImages(ctx.state)) return `this GAN draws ${x.shape.join() === '2' ? '2-D points: choose 2-D data first' : 'images: choose MNIST or Fashion-MNIST first'}`;
      return '';
    },
    adopt(ctx, s) {
      const p = s.program, { G, D } = s.spec.networks, noise = D[0]?.type === 'gaussianNoise' ? D[0].stddev : 0;
      return {
        latent: s.tensors.find((t) => t.name === 'z').shape[0],
        loss: { bce_logits: 'bce', mse: 'lsgan', critic_mean: 'wgan' }[p.losses.g[0].type] ?? ctx.state.loss,
        k: p.steps?.[0]?.repeat ?? 1, lrD: p.optimizers.d?.lr ?? ctx.state.lrD, lrG: p.optimizers.g?.lr ?? ctx.state.lrG,
        smooth: p.losses.d?.[0]?.type === 'critic_mean' ? 0 : 1 - (p.losses.d?.[0]?.target ?? 1),
        noise, G: G.at(-1)?.type === 'reshape' ? G.slice(0, -1) : G, D: noise ? D.slice(1) : D, // (the spec builder's own ends)
      };
    },
    iterationsPerEpoch: (ctx) => (isImages(ctx.state) ? 60000 : real.length / 2) / (ctx.state.batch * ctx.state.k), // (each D step takes a batch)
    progress: (ctx, rec) => {
      const d = rec.steps.filter((s) => s.loss === 'd'), g = rec.steps.find((s) => s.loss === 'g');
      return [d.length && `D loss ${d.at(-1).value.toFixed(3)}`, g && `G loss ${g.value.toFixed(3)}`].filter(Boolean).join(' · ');
    },
    views: (ctx) => views(ctx),
  };

  function spec(ctx) {
    const s = ctx.state, nets = PRESETS[s.preset].nets(s);
    const G = s.G ?? nets.G, D = s.D ?? nets.D;
    return ganSpec({ G, D, x: isImages(s) ? imageShape(D) : [2], latent: s.latent, noise: s.noise, seed: s.seed, bytes: isImages(s) });
  }
  function program(ctx, only) {
    const s = ctx.state;
    return ganProgram({ loss: s.loss, k: s.k, lrD: s.lrD, lrG: s.lrG, smooth: s.smooth, only });
  }

  function views(ctx) {
    const { q, state } = ctx;
    const samples = createImageGrid(q('samples'), { columns: 8, scale: 3 });
    const lossChart = createLineChart(q('loss-chart'), { title: 'Losses', xLabel: 'step', yLabel: 'loss', series: [{ name: 'D' }, { name: 'G' }] });
    const verdicts = createLineChart(q('verdict-chart'), { title: 'D\'s verdicts', xLabel: 'step', yLabel: 'mean', series: [{ name: 'D(x), real' }, { name: 'D(G(z)), generated', dashed: true }] });
    const classes = createBarChart(q('classes'), { labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], highlightMax: false });
    const plane = createGanPlane(q('plane'), {
      size: 400,
      onDraw: (x, y) => {
        if (state.dataset !== 'custom') return;
        state.points.push({ x: Math.max(-6, Math.min(6, x)), y: Math.max(-6, Math.min(6, y)), label: 0 });
        plane.update({ real: Float32Array.from(state.points.flatMap((p) => [p.x, p.y])) });
        ctx.later('points', () => {
          ctx.writeHash();
          ctx.q('dataset').dispatchEvent(new Event('change')); // (the data set is new: send it, rebuild)
        }, 400);
      },
    });
    q('clear-points').addEventListener('click', () => {
      state.points = [];
      plane.reset();
      ctx.writeHash();
      q('dataset').dispatchEvent(new Event('change'));
    });
    let classifier = null; // the page's MNIST classifier, loaded once
    const classifierReady = fetch(new URL('models/mnist-mlp.dlpm', document.baseURI))
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`models/mnist-mlp.dlpm: ${r.status}`))))
      .then((b) => ctx.remote.load(new Uint8Array(b)))
      .then((m) => (classifier = m), (e) => (q('class-note').textContent = `The classifier did not load: ${e.message}`));

    const sigmoid = (v) => 1 / (1 + Math.exp(-v));
    // D's output as the page shows it: a probability for cross-entropy, the score itself for
    // least squares (its targets are 0 and 1), a critic's raw value for Wasserstein
    const verdict = (v) => (state.loss === 'bce' ? sigmoid(v) : v);
    const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;

    async function drawImages(m) {
      const Z = state.latent;
      if (!fixed || fixed.length !== SCORED * Z) fixed = noise(SCORED, Z, state.seed + 1000);
      // one pass: G on the fixed noise, D on as many test images and on G's samples
      const out = await m.run(['fake', 'real_score', 'fake_score'], { x: ctx.test.x.subarray(0, SCORED * 784), z: fixed });
      samples.update(Array.from({ length: FIXED }, (_, i) => ({ data: out.fake.subarray(784 * i, 784 * (i + 1)), width: 28, height: 28 })));
      verdicts.push(0, ctx.steps, mean(Array.from(out.real_score, verdict)));
      verdicts.push(1, ctx.steps, mean(Array.from(out.fake_score, verdict)));
      await classifierReady;
      if (state.dataset !== 'mnist') {
        q('class-note').textContent = 'The classifier knows digits only: pick MNIST to see which ones G draws.';
        return classes.reset();
      }
      if (!classifier) return;
      const images = out.fake.map((v) => (v + 1) / 2);
      const { probabilities } = await classifier.predict(images), { histogram, confident, classes: drawn } = digitHistogram(probabilities, SCORED);
      classes.update(histogram.map((c) => c / SCORED));
      q('class-note').textContent = `${SCORED} samples as the playground's MNIST classifier reads them: ${drawn} of 10 digits drawn (2% or more), the classifier sure (p > 0.9) of ${Math.round(100 * confident)}%. A GAN that collapses draws one or two.`;
      ctx.root.dataset.classes = String(drawn);
    }

    // GAN Lab's picture: D over a grid, G's points, and minus the gradient of G's loss at each
    // point: gPush times the gradient of D's score, by central differences; D's scores for the
    // grid, the differences and the verdict on real points come from one run call
    async function drawPlane(m) {
      const N = 200, Z = state.latent, n = 48, h = 0.01;
      if (!fixed || fixed.length !== N * Z) fixed = noise(N, Z, state.seed + 1000);
      const fake = await m.run('fake', { z: fixed }), R = Math.min(real.length / 2, 512); // (D's verdict on real points: the first R)
      const x = new Float32Array(2 * (n * n + 5 * N + R));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) x.set([-6 + (12 * (j + 0.5)) / n, 6 - (12 * (i + 0.5)) / n], 2 * (i * n + j));
      for (let p = 0; p < N; p++) {
        const [a, b] = [fake[2 * p], fake[2 * p + 1]], at = 2 * (n * n + 5 * p);
        x.set([a, b, a + h, b, a - h, b, a, b + h, a, b - h], at);
      }
      x.set(real.subarray(0, 2 * R), 2 * (n * n + 5 * N));
      const s = await m.run('real_score', { x }), heat = new Float32Array(n * n);
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < n * n; i++) (lo = Math.min(lo, s[i])), (hi = Math.max(hi, s[i]));
      for (let i = 0; i < n * n; i++) heat[i] = state.loss === 'bce' ? 2 * sigmoid(s[i]) - 1 : state.loss === 'lsgan' ? 2 * Math.min(1, Math.max(0, s[i])) - 1 : hi > lo ? (2 * (s[i] - lo)) / (hi - lo) - 1 : 0;
      const arrows = new Float32Array(2 * N);
      for (let p = 0; p < N; p++) {
        const o = n * n + 5 * p, push = gPush(state.loss, s[o]);
        arrows.set([(push * (s[o + 1] - s[o + 2])) / (2 * h), (push * (s[o + 3] - s[o + 4])) / (2 * h)], 2 * p);
      }
      plane.update({ heat, gridSize: n, real, fake, arrows });
      verdicts.push(0, ctx.steps, mean(Array.from(s.subarray(n * n + 5 * N), verdict)));
      verdicts.push(1, ctx.steps, mean(Array.from(s.subarray(n * n, n * n + 5 * N).filter((_, i) => i % 5 === 0), verdict)));
    }

    return {
      async draw() {
        const m = ctx.models.get('gan');
        if (!m || !(isImages(state) ? ctx.test : real)) return;
        await (isImages(state) ? drawImages(m) : drawPlane(m));
      },
      steps(key, records) {
        for (const r of records) {
          const d = r.steps.filter((s) => s.loss === 'd'), g = r.steps.find((s) => s.loss === 'g');
          if (d.length) lossChart.push(0, r.iteration + ctx.base, mean(d.map((s) => s.value)));
          if (g) lossChart.push(1, r.iteration + ctx.base, g.value);
        }
      },
      reset() {
        fixed = null;
        for (const v of [samples, lossChart, verdicts, classes]) v.reset();
        plane.update({ heat: null, fake: null, arrows: null, real });
      },
      kind() {
        fixed = null;
        plane.reset();
      },
    };
  }

  return createStudio(root, page, options);
}
