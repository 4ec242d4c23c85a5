// init-flow.mjs: initialization and gradient flow in a deep, narrow network. The widget builds
// the network as an engine graph layer by layer (dense, optional batch norm, the activation,
// an optional residual sum), so it can read every layer's outputs and every weight's gradient.
// Before training it shows each layer's output histogram and its weights' gradient norm: zero
// weights leave every unit alike, small ones shrink the signal layer by layer, sigmoid squeezes
// the gradient at every layer, Xavier and He keep the scale. Train runs it on the spiral and draws
// each layer's gradient norm per step, with or without batch norm, residual sums and clipping.
import { createLineChart } from '../components/line-chart.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { toyData } from './toy-net.mjs';

const INITS = { zeros: ['zeros'], small: ['normal', 0, 0.01], xavier: ['xavier_normal'], he: ['he_normal'] };
const DATA = toyData('spiral', 'train'), N = DATA.y.length;

export default {
  kind: 'init-flow',
  title: 'Initialization and gradient flow',
  lede: 'A deep stack of dense layers. Each row shows one layer\'s outputs (histogram) and the size of its weights\' gradient (bar, log scale). Change the initialization and the activation and watch the signal and the gradient fade or hold; train it to see the gradients per layer over time.',
  topic: 'Initialization and gradient flow',
  params: [
    { name: 'init', type: 'enum', values: Object.keys(INITS), default: 'xavier', label: 'Initialization', control: 'select', labels: { zeros: 'zeros', small: 'small random (N(0, 0.01²))', xavier: 'Xavier (Glorot) normal', he: 'He (Kaiming) normal' } },
    { name: 'activation', type: 'enum', values: ['sigmoid', 'tanh', 'relu'], default: 'tanh', label: 'Activation', control: 'select' },
    { name: 'depth', type: 'int', min: 2, max: 20, default: 10, label: 'Hidden layers', control: 'range' },
    { name: 'width', type: 'int', min: 4, max: 64, default: 32, label: 'Units per layer', control: 'range' },
    { name: 'batchnorm', type: 'bool', default: false, label: 'Batch norm before each activation', control: 'check' },
    { name: 'residual', type: 'bool', default: false, label: 'Residual sums (h + f(h))', control: 'check' },
    { name: 'clip', type: 'number', min: 0, max: 100, default: 0, label: 'Clip the gradient norm at (0: off)', control: 'number' },
    { name: 'lr', type: 'number', min: 0.0001, max: 5, default: 0.1, label: 'Learning rate (SGD)', control: 'number' },
    { name: 'steps', type: 'int', min: 10, max: 3000, default: 300, label: 'Training steps (batches of 32)', control: 'number' },
  ],
  parts: ['layers', 'norms', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box: layersBox, canvas } = w.canvasFigure('layers', 'Per layer, input side at the top: output histogram, and the gradient norm of its weights (log scale, longer is larger)', { wide: true });
    const normsBox = w.figure('norms', 'Gradient norm of each layer\'s weights per training step (log scale)', { wide: true });
    let chart = null, net = null, stats = null, width = 0, history = null;
    const trainButton = w.button('train', 'Train', () => train(), { secondary: false });
    const stopWatch = watchWidth(layersBox, (px) => ((width = px), draw()));

    function build() {
      net?.opt.dispose();
      net?.g.dispose();
      const s = w.state, g = engine.graph(s.seed), [init, a, b] = INITS[s.init];
      const x = g.input('x', [2]), t = g.input('t', [1]);
      const W = [], outs = [];
      let h = x, fanIn = 2;
      for (let l = 0; l < s.depth; l++) {
        const Wl = g.param(`W${l + 1}`, [fanIn, s.width], { init, a, b, decay: true }), bl = g.param(`b${l + 1}`, [s.width]);
        let z = g.op('dense', [h, Wl, bl]);
        if (s.batchnorm) {
          const p = ['gamma', 'beta', 'mean', 'var'].map((k, i) => g.param(`${k}${l + 1}`, [s.width], { init: 'constant', a: i === 0 || i === 3 ? 1 : 0, state: i >= 2, trainable: i < 2 }));
          z = g.op('batchnorm', [z, ...p], { floats: [0.1, 1e-5] });
        }
        const act = g.op(s.activation, [z]);
        h = s.residual && fanIn === s.width ? g.op('add', [h, act]) : act;
        W.push(Wl);
        outs.push(act);
        fanIn = s.width;
      }
      const Wo = g.param('Wout', [fanIn, 2], { init: 'xavier_normal' }), bo = g.param('bout', [2]);
      const logits = g.op('reshape', [g.op('dense', [h, Wo, bo])], { ints: [2, 1, 2] }); // (one position of 2 logits)
      const loss = g.op('softmax_ce', [logits, t]);
      g.plan(N);
      const opt = g.optimizer('sgd', s.clip > 0 ? { clip_norm: s.clip } : {});
      net = { g, x, t, W, outs, loss, opt };
    }

    // every layer's outputs and gradient on the whole training set, in training mode (batch statistics)
    function measure() {
      const { g, x, t, W, outs, loss } = net, s = w.state;
      g.setTraining(true).setBatch(N).setValue(x, DATA.x).setValue(t, DATA.y);
      g.seed(s.seed);
      // (the outputs are read before backward: its planned memory reuses their buffers)
      g.forward(loss);
      const values = outs.map((o) => g.value(o)), value = g.value(loss)[0];
      g.backward(loss);
      return {
        loss: value,
        layers: outs.map((o, l) => {
          const v = values[l], grad = g.grad(W[l]), units = s.width;
          let dead = 0, saturated = 0;
          for (let j = 0; j < units; j++) {
            let alive = false, flat = true;
            for (let i = 0; i < N; i++) {
              const a = v[i * units + j];
              if (a > 0) alive = true;
              const d = s.activation === 'sigmoid' ? a * (1 - a) : s.activation === 'tanh' ? 1 - a * a : a > 0 ? 1 : 0;
              if (Math.abs(d) >= 0.05) flat = false;
            }
            if (s.activation === 'relu' && !alive) dead++;
            if (s.activation !== 'relu' && flat) saturated++;
          }
          const mean = v.reduce((p, q) => p + q, 0) / v.length, std = Math.sqrt(v.reduce((p, q) => p + (q - mean) ** 2, 0) / v.length);
          return { values: v, gradNorm: Math.hypot(...grad), mean, std, dead, saturated };
        }),
      };
    }

    function draw() {
      if (!stats) return;
      describe();
      if (!width) return;
      const s = w.state, L = stats.layers.length, rowH = 22, h = L * rowH + 24, ctx = fitCanvas(canvas, width, h);
      ctx.clearRect(0, 0, width, h);
      ctx.font = '12px system-ui, sans-serif';
      const histW = Math.min(260, (width - 60) / 2), barX = 60 + histW + 20, barW = width - barX - 10;
      const [lo, hi] = s.activation === 'sigmoid' ? [0, 1] : s.activation === 'tanh' ? [-1, 1] : [0, Math.max(1e-6, ...stats.layers.map((l) => l.mean + 3 * l.std))];
      const norms = stats.layers.map((l) => l.gradNorm).filter((v) => v > 0), gmin = Math.log10(Math.min(1e-12, ...norms) || 1e-12), gmax = Math.log10(Math.max(1e-6, ...norms) * 10);
      stats.layers.forEach((l, i) => {
        const y = 20 + i * rowH, bins = new Array(30).fill(0);
        for (const v of l.values) bins[Math.max(0, Math.min(29, Math.floor(((v - lo) / (hi - lo)) * 30)))]++;
        const top = Math.max(...bins);
        ctx.fillStyle = '#5b6475';
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        ctx.fillText(`layer ${i + 1}`, 54, y + rowH / 2 - 2);
        ctx.fillStyle = '#2f6fde';
        bins.forEach((c, k) => c && ctx.fillRect(60 + (k * histW) / 30, y + rowH - 4 - (c / top) * (rowH - 6), histW / 30 - 1, (c / top) * (rowH - 6)));
        const g = l.gradNorm > 0 ? (Math.log10(l.gradNorm) - gmin) / (gmax - gmin) : 0;
        ctx.fillStyle = '#c2410c';
        ctx.fillRect(barX, y + 4, Math.max(1, g * barW), rowH - 10);
      });
      ctx.fillStyle = '#5b6475';
      ctx.textAlign = 'left';
      // (squeezed to their column when it is narrow)
      ctx.fillText(`outputs from ${+lo.toPrecision(2)} to ${+hi.toPrecision(2)}`, 60, 8, histW);
      ctx.fillText(`gradient norm, 10^${Math.round(gmin)} to 10^${Math.round(gmax)}`, barX, 8, barW);
      canvas.setAttribute('aria-label', `${L} layers: output histograms and gradient norms`);
    }

    // the key numbers as text (whether or not the canvas has a width yet)
    function describe() {
      const s = w.state, L = stats.layers.length;
      const first = stats.layers[0], lastL = stats.layers.at(-1), fmt = (v) => (v === 0 ? '0' : v.toExponential(2));
      const units = s.activation === 'relu' ? `dead ReLU units (never positive on the data): ${stats.layers.map((l) => l.dead).join(', ')}` : `saturated units (|f′| < 0.05 on every point): ${stats.layers.map((l) => l.saturated).join(', ')}`;
      w.summary(`${history ? `After ${history.steps} steps` : 'At initialization'}: loss ${stats.loss.toFixed(3)}; output spread (std) layer 1 ${first.std.toFixed(3)}, layer ${L} ${lastL.std.toFixed(3)}; gradient norm layer 1 ${fmt(first.gradNorm)}, layer ${L} ${fmt(lastL.gradNorm)}. Per layer, ${units}.`);
    }

    function reset() {
      history = null;
      chart?.destroy();
      chart = createLineChart(normsBox, { yLabel: 'gradient norm', xLabel: 'step', log: true, height: 180, series: Array.from({ length: w.state.depth }, (_, l) => ({ name: `layer ${l + 1}`, color: `hsl(${(l * 300) / Math.max(1, w.state.depth - 1)}, 70%, 42%)` })) });
      try {
        build();
        stats = measure();
        w.status('');
      } catch (e) {
        w.status(`The engine refuses this network: ${e.message}`, true);
      }
      draw();
    }

    // SGD on batches of 32, the gradient norms read after each step's backward pass
    async function train() {
      const s = w.state, { g, x, t, W, loss, opt } = net, B = 32;
      trainButton.disabled = true;
      history = { steps: 0, norms: W.map(() => []), losses: [] };
      const order = [...Array(N).keys()], xb = new Float32Array(2 * B), tb = new Float32Array(B);
      try {
        for (let step = 0; step < s.steps; step++) {
          for (let i = 0; i < B; i++) {
            const k = order[(step * B + i) % N];
            (xb[2 * i] = DATA.x[2 * k]), (xb[2 * i + 1] = DATA.x[2 * k + 1]), (tb[i] = DATA.y[k]);
          }
          g.setTraining(true).setBatch(B).setValue(x, xb).setValue(t, tb);
          const value = g.trainStep(loss, opt, s.lr);
          history.losses.push(value);
          W.forEach((Wl, l) => {
            const n = Math.hypot(...g.grad(Wl));
            history.norms[l].push(n);
            if (n > 0) chart.push(l, step + 1, n);
          });
          history.steps = step + 1;
          if (step % 50 === 49) await new Promise((r) => setTimeout(r)); // (let the page breathe)
        }
        w.status('');
      } catch (e) {
        w.status(`Training stopped at step ${history.steps + 1}: ${e.message}`, true);
      } finally {
        trainButton.disabled = false;
      }
      stats = measure();
      draw();
      w.tally('trained');
    }

    reset();
    return {
      update: () => reset(),
      start: train,
      results: () => ({ loss: stats?.loss, layers: stats?.layers.map(({ values, ...rest }) => rest), history }),
      destroy: () => (stopWatch(), chart?.destroy(), net?.opt.dispose(), net?.g.dispose()),
    };
  },
};
