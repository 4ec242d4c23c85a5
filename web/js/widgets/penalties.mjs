// penalties.mjs: L1 against L2, in a network and in the two-weight picture. The network part
// trains two copies of the toy net (same start) with the Model API's l1 / l2 penalties, and
// draws each one's weight histogram with the number of weights the penalty has pushed to zero,
// and its training and test loss. The picture part fits a linear model with two weights (no
// bias) by gradient descent in an engine graph, once per strength of a sweep, with the
// optimizer's l1 or l2 option: the engine adds l1·Σ|w| + l2·Σw² to the mean squared error
// (core/optim.c adds l1·sign(w) + 2·l2·w to the gradient). Drawn over the data loss's contours,
// the L1 diamond and the L2 circle through each solution, and each solution's path as the
// strength grows: L1 meets an axis, L2 shrinks both weights smoothly.
import { createPlot } from '../components/plot.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { mulberry32, gaussian } from '../../dlplay/random.mjs';
import { toyData, toyNet, BATCH, BATCHES } from './toy-net.mjs';

const KINDS = ['none', 'l1', 'l2', 'elastic'];
const NAMES = { none: 'no penalty', l1: 'L1', l2: 'L2', elastic: 'elastic net' };
const COLORS = { none: '#1d2330', l1: '#c2410c', l2: '#2f6fde', elastic: '#15803d' };
const ZERO = 1e-3; // a weight this small counts as zero (the subgradient leaves a jitter far below it)
const SWEEP = Array.from({ length: 31 }, (_, k) => -3 + k / 10); // log10 of the two-weight fit's strengths
const GRID = 64;

/** The optimizer options of a penalty at strength lambda (elastic net: half of it on each term). */
export function penaltyOptions(kind, lambda) {
  return { none: {}, l1: { l1: lambda }, l2: { l2: lambda }, elastic: { l1: lambda / 2, l2: lambda / 2 } }[kind];
}

/** The two-weight data: n points with correlated inputs (so the contours are tilted ellipses), y = 0.4 x₁ + 0.1 x₂ + noise. */
export function lineData(seed, n = 50, rho = 0.6) {
  const next = mulberry32(seed * 7919 + 3), x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = gaussian(next), b = rho * a + Math.sqrt(1 - rho * rho) * gaussian(next);
    (x[2 * i] = a), (x[2 * i + 1] = b), (y[i] = 0.4 * a + 0.1 * b + 0.3 * gaussian(next));
  }
  return { x, y, n };
}

// the linear model ŷ = x·w (w a 2×1 kernel, penalised) and its mean squared error, on all the data at once
function lineGraph(engine, data, kind, seed) {
  const g = engine.graph(seed), x = g.input('x', [2]), t = g.input('t', [1]);
  const w = g.param('w', [2, 1], { decay: true });
  const loss = g.op('mse', [g.op('dense', [x, w]), t]);
  g.plan(data.n).setBatch(data.n).setValue(x, data.x).setValue(t, data.y);
  return { g, w, loss, kind, opt: g.optimizer('sgd') };
}

// Full-batch gradient descent at one strength, from where the last strength ended, with a rate
// that falls from 0.25 by 1.5% a step. L1's subgradient makes a weight whose best value is 0 hop
// across 0 by about rate × λ each step; the falling rate shrinks that hop below 0.0003.
function descend(f, lambda) {
  if (f.kind !== 'none') f.opt.set(f.kind, lambda);
  for (let k = 0; k < 500; k++) f.g.trainStep(f.loss, f.opt, 0.25 * 0.985 ** k);
  return [...f.g.value(f.w)];
}

// the level set {w : loss(w) = level} of a grid of values (row 0 at the top), as line pieces split by NaN
function contour(values, n, level, at) {
  const xs = [], ys = [], v = (r, c) => values[r * n + c] - level;
  for (let r = 0; r + 1 < n; r++)
    for (let c = 0; c + 1 < n; c++) {
      const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]], cross = [];
      for (let k = 0; k < 4; k++) {
        const [r0, c0] = corners[k], [r1, c1] = corners[(k + 1) % 4], a = v(r0, c0), b = v(r1, c1);
        if (a < 0 !== b < 0) cross.push(at(c0 + (a / (a - b)) * (c1 - c0), r0 + (a / (a - b)) * (r1 - r0)));
      }
      for (let k = 0; k + 1 < cross.length; k += 2) xs.push(cross[k][0], cross[k + 1][0], NaN), ys.push(cross[k][1], cross[k + 1][1], NaN);
    }
  return { xs, ys };
}

export default {
  kind: 'penalties',
  title: 'L1 against L2: sparse or small weights',
  lede: 'A penalty on the weights is added to the loss: L1 adds λ·Σ|w|, L2 adds λ·Σw². Train two copies of a small network side by side and count the weights each penalty sets to zero; below, the same two penalties on a model with just two weights, where you can see why L1 lands on an axis and L2 does not.',
  topic: 'Regularization',
  params: [
    { name: 'penalty', type: 'enum', values: KINDS, default: 'l1', label: 'Network A: penalty', control: 'select', labels: { none: 'none', l1: 'L1: λ·Σ|w|', l2: 'L2: λ·Σw²', elastic: 'elastic net: (λ/2)·Σ|w| + (λ/2)·Σw²' } },
    { name: 'compare', type: 'enum', values: KINDS, default: 'l2', label: 'Network B: penalty', control: 'select', labels: { none: 'none', l1: 'L1: λ·Σ|w|', l2: 'L2: λ·Σw²', elastic: 'elastic net: (λ/2)·Σ|w| + (λ/2)·Σw²' } },
    { name: 'strength', type: 'number', min: -5, max: -1, step: 0.25, default: -3, label: 'Networks\' strength: log₁₀ λ', control: 'range' },
    { name: 'data', type: 'enum', values: ['gaussians', 'spiral'], default: 'gaussians', label: 'Toy set', control: 'select', labels: { gaussians: 'three overlapping clusters', spiral: 'two-arm spiral' } },
    { name: 'epochs', type: 'int', min: 5, max: 300, default: 60, label: 'Epochs', control: 'number' },
    { name: 'layer', type: 'enum', values: ['all', '1', '2', '3'], default: 'all', label: 'Histogram of', control: 'select', labels: { all: 'all layers\' weights', 1: 'layer 1 (2 → 32)', 2: 'layer 2 (32 → 32)', 3: 'output layer (32 → classes)' } },
    { name: 'picture', type: 'number', min: -3, max: 0, step: 0.1, default: -0.4, label: 'Two-weight fit: log₁₀ λ', control: 'range' },
  ],
  parts: ['weights', 'loss', 'picture', 'path', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box: histBox, canvas: histCanvas } = w.canvasFigure('weights', `Weight histograms of the two networks (biases are not penalised and not shown); the black spike at 0 counts the weights below ${ZERO} in size`, { wide: true });
    const lossBox = w.figure('loss', 'Loss per epoch: test (solid) and training (dashed), data term only (evaluation mode, penalty not added)', { wide: true });
    const lossPlot = createPlot(lossBox, { height: 170, xLabel: 'epoch', label: 'training and test loss of both networks' });
    const lossLegend = legendAfter(lossBox);
    const picBox = w.figure('picture', 'Two weights, mean squared error plus a penalty. Grey: contours of the data loss. Dashed: the diamond |w₁|+|w₂| = t and the circle w₁²+w₂² = r² through the L1 and L2 solutions at this λ, each touching the contour through its solution. Solid: each solution\'s path as λ grows from 0.001 to 1. The engine\'s L1 adds λ·sign(w) to the gradient (sign 0 = 0): a subgradient step, not a proximal one, so a weight whose best value is 0 hops across 0 by about rate × λ; a falling rate settles it within 0.001 (and near the λ where a weight reaches 0, the path lags the exact answer by up to about 0.005).');
    const picPlot = createPlot(picBox, { square: true, xLabel: 'w₁', yLabel: 'w₂', label: 'constraint picture' });
    legendAfter(picBox).replaceChildren(...[['L1 (diamond)', COLORS.l1], ['L2 (circle)', COLORS.l2], ['no penalty: least squares', '#ffffff']].map(([t, c]) => item(t, c)));
    const pathBox = w.figure('path', 'The two weights against λ (log scale): L1 (orange) brings one weight to 0 (within 0.001) and keeps it there, L2 (blue) shrinks both smoothly; solid w₁, dashed w₂; the grey line marks the λ shown');
    const pathPlot = createPlot(pathBox, { height: 240, xLabel: 'λ', label: 'the weights against λ' });
    const trainButton = w.button('train', 'Train', () => toggle(), { secondary: false });

    let nets = [], epoch = 0, pending = null, width = 0, line = null, destroyed = false;
    const stopWatch = watchWidth(histBox, (px) => ((width = px), drawHistograms()));

    // ---- the two networks ----
    const trainLoop = w.loop(() => {
      if (epoch >= w.state.epochs) return false;
      pending ??= oneEpoch().catch((e) => (destroyed || w.status(`Training stopped: ${e.message}`, true), trainLoop.stop())).finally(() => (pending = null));
    }, { onStop: () => settle().then(drawNets) });

    async function oneEpoch() {
      const s = w.state, train = toyData(s.data, 'train'), test = toyData(s.data, 'test');
      for (const n of nets)
        await n.model.fit(train, {
          epochs: 1, batchSize: BATCH, optimizer: { type: 'momentum', momentum: 0.9 }, lr: 0.05,
          schedule: { type: 'cosine', period: s.epochs * BATCHES }, // (counted across the calls: the optimizer keeps its state)
          ...penaltyOptions(n.kind, n.lambda), seed: s.seed * 1000 + epoch, chunk: BATCHES, // (one call into the engine per epoch)
        });
      epoch++;
      for (const n of nets) measure(n, train, test);
      if (epoch === s.epochs) w.tally('trained');
      drawNets();
    }
    const settle = () => pending ?? Promise.resolve();

    function measure(n, train, test) {
      n.weights = n.model.getWeights().filter((p) => p.shape.length === 2); // the kernels: the penalised weights
      // (evaluateLoss, the quick one, needs the program fit sets; before the first epoch, evaluate)
      const input = n.model.tensors[0].name, loss = (d) => (epoch ? n.model.evaluateLoss('main', { [input]: d.x, y: d.y }) : n.model.evaluate(d)).loss;
      n.train.push(loss(train));
      n.test.push(loss(test));
    }

    let generation = 0;
    async function resetNets() {
      const mine = ++generation;
      trainLoop.stop();
      await settle();
      if (mine !== generation || destroyed) return; // (a newer change resets instead)
      for (const n of nets) n.model.dispose();
      const s = w.state, lambda = 10 ** s.strength;
      nets = [s.penalty, s.compare].map((kind, i) => ({ slot: 'AB'[i], kind, lambda, model: toyNet(engine, s.data, s.seed), train: [], test: [] }));
      epoch = 0;
      for (const n of nets) measure(n, toyData(s.data, 'train'), toyData(s.data, 'test'));
      drawNets();
    }

    function toggle() {
      if (trainLoop.on) return trainLoop.stop();
      (epoch >= w.state.epochs ? resetNets() : Promise.resolve()).then(() => (trainLoop.start(), drawNets()));
    }

    const shown = (n) => (w.state.layer === 'all' ? n.weights : [n.weights[Number(w.state.layer) - 1]]).flatMap((p) => [...p.values]);
    const zeros = (values) => values.filter((v) => Math.abs(v) < ZERO).length;

    function drawNets() {
      if (!nets.length || destroyed) return; // (a run's last epoch may settle after destroy)
      trainButton.textContent = trainLoop.on ? 'Pause' : epoch >= w.state.epochs ? 'Train again' : epoch ? 'Resume' : 'Train';
      drawHistograms();
      const top = Math.max(0.5, ...nets.flatMap((n) => [...n.train, ...n.test].filter(Number.isFinite))) * 1.05;
      const xs = Float32Array.from({ length: epoch + 1 }, (_, i) => i);
      lossPlot.update({
        x: [0, w.state.epochs], y: [0, Math.min(top, 3)],
        lines: nets.flatMap((n) => [{ xs, ys: Float32Array.from(n.test), color: COLORS[n.kind], width: n.slot === 'A' ? 2.5 : 2 }, { xs, ys: Float32Array.from(n.train), color: COLORS[n.kind], dashed: true, width: 1.5 }]),
      });
      lossLegend.replaceChildren(...nets.map((n) => item(`${n.slot}: ${label(n)}`, COLORS[n.kind])));
      describe();
    }

    // Two histograms side by side (stacked when narrow) on one range. The weights counted as zero
    // are left out of the bins and drawn as one black spike at 0, cut to the panel and labelled
    // with its count when it towers over the rest (as an L1 network's does).
    function drawHistograms() {
      if (!width || !nets.length) return;
      const cols = width >= 560 ? 2 : 1, panelW = width / cols, panelH = 178, h = panelH * Math.ceil(nets.length / cols);
      const ctx = fitCanvas(histCanvas, width, h), all = nets.map(shown);
      const m = Math.max(1e-3, ...all.flatMap((v) => v.map(Math.abs))), B = 40;
      ctx.clearRect(0, 0, width, h);
      ctx.font = '12px system-ui, sans-serif';
      nets.forEach((n, i) => {
        const x0 = (i % cols) * panelW + 8, y0 = Math.floor(i / cols) * panelH, pw = panelW - 24, top0 = y0 + 40, ph = panelH - 62;
        const bins = new Array(B).fill(0), z = zeros(all[i]), px = (v) => x0 + ((v + m) / (2 * m)) * pw;
        for (const v of all[i]) if (Math.abs(v) >= ZERO) bins[Math.min(B - 1, Math.floor(((v + m) / (2 * m)) * B))]++;
        const top = Math.max(1, ...bins) * 1.1;
        ctx.fillStyle = '#1d2330';
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(`${n.slot}: ${label(n)}`, x0, y0 + 4, pw);
        ctx.fillText(`${z} of ${all[i].length} weights zero (${pct(z, all[i].length)})`, x0, y0 + 20, pw);
        ctx.fillStyle = COLORS[n.kind];
        bins.forEach((c, k) => {
          const bh = (c / top) * ph;
          ctx.fillRect(x0 + (k * pw) / B, top0 + ph - bh, pw / B - 1, bh);
        });
        if (z) {
          const bh = (Math.min(z, top) / top) * ph;
          ctx.fillStyle = '#1d2330';
          ctx.fillRect(px(0) - 1.5, top0 + ph - bh, 3, bh);
          if (z > top) (ctx.textAlign = 'left'), ctx.fillText(`${z} at 0 ↑`, px(0) + 5, top0);
        }
        ctx.strokeStyle = '#5b6475';
        ctx.beginPath();
        ctx.moveTo(x0, top0 + ph + 0.5);
        ctx.lineTo(x0 + pw, top0 + ph + 0.5);
        ctx.stroke();
        ctx.fillStyle = '#5b6475';
        [[-m, 'left'], [0, 'center'], [m, 'right']].forEach(([v, align]) => ((ctx.textAlign = align), ctx.fillText(v ? v.toFixed(2) : '0', px(v), top0 + ph + 4)));
      });
      histCanvas.setAttribute('aria-label', nets.map((n, i) => `${n.slot}, ${label(n)}: ${zeros(all[i])} of ${all[i].length} weights zero`).join('; '));
    }

    // ---- the two-weight picture ----
    // The least-squares fit and the loss over a grid come first; the sweep runs a few strengths a frame.
    function resetLine() {
      sweepLoop.stop();
      if (line) for (const f of line.fits) f.opt.dispose(), f.g.dispose();
      const data = lineData(w.state.seed), free = lineGraph(engine, data, 'none', w.state.seed);
      try {
        const ols = descend(free, 0), R = 1.15 * (Math.abs(ols[0]) + Math.abs(ols[1])), values = new Float32Array(GRID * GRID);
        for (let r = 0; r < GRID; r++)
          for (let c = 0; c < GRID; c++) {
            free.g.setValue(free.w, [-R + ((c + 0.5) / GRID) * 2 * R, R - ((r + 0.5) / GRID) * 2 * R]);
            values[r * GRID + c] = free.g.forward(free.loss).value(free.loss)[0];
          }
        free.g.setValue(free.w, ols);
        const lowest = free.g.forward(free.loss).value(free.loss)[0];
        line = { data, ols, lowest, R, values, fits: ['l1', 'l2'].map((k) => lineGraph(engine, data, k, w.state.seed)), paths: { l1: [], l2: [] } };
      } finally {
        free.opt.dispose();
        free.g.dispose();
      }
      sweepLoop.start();
    }
    const sweepLoop = w.loop(() => {
      for (let k = 0; k < 2 && line.paths.l1.length < SWEEP.length; k++) {
        const lambda = 10 ** SWEEP[line.paths.l1.length];
        for (const f of line.fits) line.paths[f.kind].push(descend(f, lambda));
      }
      drawLine();
      if (line.paths.l1.length === SWEEP.length) {
        w.tally('swept');
        return false;
      }
    });

    // the data loss at w, from the grid's graph's values: the contour levels come from the grid itself
    const at = (cf, rf) => [-line.R + ((cf + 0.5) / GRID) * 2 * line.R, line.R - ((rf + 0.5) / GRID) * 2 * line.R];
    const pick = () => Math.min(line.paths.l1.length - 1, Math.round((w.state.picture - SWEEP[0]) * 10));
    function lossAt(f, wv) {
      f.g.setValue(f.w, wv);
      return f.g.forward(f.loss).value(f.loss)[0];
    }

    function drawLine() {
      if (!line) return;
      const { R, ols, values, lowest, paths } = line, i = pick(), done = paths.l1.length;
      const top = values.reduce((a, b) => Math.max(a, b)), span = lossAt(line.fits[0], [0, 0]) - lowest;
      const lines = [];
      for (let k = 1; k <= 8; k++) {
        const level = lowest + span * (k / 8) ** 2;
        if (level < top) lines.push({ ...contour(values, GRID, level, at), color: '#8a93a3', width: 1 });
      }
      const points = [{ x: ols[0], y: ols[1], color: '#ffffff', r: 5 }];
      const sol = {};
      if (i >= 0) {
        for (const f of line.fits) {
          const wv = paths[f.kind][i];
          // (the fit's graph is left at its last strength's solution; evaluate, then put that back)
          const last = paths[f.kind][done - 1], level = lossAt(f, wv);
          lossAt(f, last);
          sol[f.kind] = { w: wv, level };
          lines.push({ ...contour(values, GRID, level, at), color: COLORS[f.kind], width: 1 });
          points.push({ x: wv[0], y: wv[1], color: COLORS[f.kind], r: 5 });
        }
        const t = Math.abs(sol.l1.w[0]) + Math.abs(sol.l1.w[1]), rad = Math.hypot(...sol.l2.w);
        lines.push({ xs: [t, 0, -t, 0, t], ys: [0, t, 0, -t, 0], color: COLORS.l1, dashed: true, width: 1.5 });
        const angles = Array.from({ length: 121 }, (_, k) => (k / 120) * 2 * Math.PI);
        lines.push({ xs: angles.map((a) => rad * Math.cos(a)), ys: angles.map((a) => rad * Math.sin(a)), color: COLORS.l2, dashed: true, width: 1.5 });
      }
      for (const k of ['l1', 'l2']) lines.push({ xs: [ols[0], ...paths[k].map((p) => p[0])], ys: [ols[1], ...paths[k].map((p) => p[1])], color: COLORS[k], width: 2.5 });
      picPlot.update({ x: [-R, R], y: [-R, R], lines, points });
      const lambdas = SWEEP.slice(0, done).map((e) => 10 ** e), lo = Math.min(0, ...Object.values(paths).flat(2)), hi = Math.max(...ols, ...Object.values(paths).flat(2));
      pathPlot.update({
        x: [10 ** SWEEP[0], 10 ** SWEEP.at(-1)], y: [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)], xLog: true,
        vline: [10 ** w.state.picture],
        lines: ['l1', 'l2'].flatMap((k) => [0, 1].map((j) => ({ xs: lambdas, ys: paths[k].map((p) => p[j]), color: COLORS[k], dashed: j === 1 }))),
      });
      line.shown = i >= 0 ? { lambda: 10 ** SWEEP[i], ...sol } : null;
      picBox.querySelector('canvas').setAttribute('aria-label', pictureText());
      describe();
    }

    function pictureText() {
      const { ols, shown } = line, f = (v) => fmt(v, 3);
      if (!shown) return `Two-weight fit: least squares at (${f(ols[0])}, ${f(ols[1])}); the sweep is running.`;
      const { l1, l2, lambda } = shown, zeroed = l1.w.map((v, j) => (Math.abs(v) < ZERO ? ['w₁', 'w₂'][j] : null)).filter(Boolean);
      const first = SWEEP.findIndex((_, k) => line.paths.l1[k]?.some((v) => Math.abs(v) < ZERO));
      return `Two-weight fit at λ = ${lam(lambda)}: least squares (${f(ols[0])}, ${f(ols[1])}); L1 (${f(l1.w[0])}, ${f(l1.w[1])})${zeroed.length ? `, ${zeroed.join(' and ')} zero` : ''}; L2 (${f(l2.w[0])}, ${f(l2.w[1])}).${first >= 0 ? ` L1 first sets a weight to zero at λ = ${lam(10 ** SWEEP[first])}.` : ''}`;
    }

    function describe() {
      if (!nets.length || !line) return;
      const s = w.state, nt = nets.map((n) => {
        const v = shown(n), z = zeros(v);
        return `${n.slot}, ${label(n)}: ${z} of ${v.length} weights zero (${pct(z, v.length)}), training loss ${fmt(n.train.at(-1), 3)}, test ${fmt(n.test.at(-1), 3)}`;
      });
      w.summary(`Networks after ${epoch} of ${s.epochs} epochs: ${nt.join('; ')}. ${pictureText()}`);
    }

    function label(n) {
      return n.kind === 'none' ? NAMES.none : `${NAMES[n.kind]}, λ = ${lam(n.lambda)}`;
    }

    resetLine();
    resetNets();
    return {
      update(name) {
        if (name === 'layer') return drawNets();
        if (name === 'picture') return drawLine();
        if (name === 'seed') resetLine();
        resetNets();
      },
      start: () => toggle(),
      stop: () => trainLoop.stop(),
      results: () => ({
        epoch,
        nets: nets.map((n) => ({ slot: n.slot, kind: n.kind, lambda: n.lambda, weights: n.weights.map((p) => ({ name: p.name, shape: p.shape, values: [...p.values] })), zero: zeros(n.weights.flatMap((p) => [...p.values])), train: n.train, test: n.test })),
        line: line && { x: [...line.data.x], y: [...line.data.y], ols: line.ols, lambdas: SWEEP.slice(0, line.paths.l1.length).map((e) => 10 ** e), l1: line.paths.l1, l2: line.paths.l2, shown: line.shown },
      }),
      destroy() {
        destroyed = true;
        stopWatch();
        sweepLoop.stop();
        trainLoop.stop();
        settle().then(() => nets.forEach((n) => n.model.dispose()));
        if (line) for (const f of line.fits) f.opt.dispose(), f.g.dispose();
        lossPlot.destroy();
        picPlot.destroy();
        pathPlot.destroy();
      },
    };
  },
};

function legendAfter(box) {
  const ul = document.createElement('ul');
  ul.className = 'dl-legend';
  box.after(ul);
  return ul;
}
function item(text, color) {
  const li = document.createElement('li');
  li.innerHTML = `<span class="dl-swatch" style="background:${color}"></span>`;
  li.append(text);
  return li;
}
const lam = (v) => (v >= 1e-3 ? String(+v.toPrecision(2)) : v.toExponential(1));
const pct = (k, n) => `${((100 * k) / n).toFixed(1)}%`;
const fmt = (v, d) => (v === undefined ? '—' : v === 0 ? '0' : Math.abs(v) < 10 ** -d ? v.toExponential(1) : String(+v.toPrecision(d)));
