// features.mjs: choosing input features, as TensorFlow Playground does. Each point (x₁, x₂) of a
// 2-D toy set is turned into the chosen features (x₁², x₁x₂, sin x₁ …) here, in JavaScript: that
// is data preprocessing, the network's input, not its math. Each feature is then standardized
// with the training points' mean and spread. The engine trains a model on those inputs (with no
// hidden layer it is logistic regression: a boundary that is a straight line in feature space)
// and predicts on a featurized grid, which is drawn as the boundary in the (x₁, x₂) plane.
import { createPlot } from '../components/plot.mjs';
import { letGo, settle } from './frame.mjs';
import { makeToySet } from '../datasets2d.mjs';
import { panelRow, panel, paintGrid, signedColor, maxAbs } from './conv-grids.mjs';

/** The features a point can be given, in the order they go into the model. */
export const FEATURES = {
  x1: { label: 'x₁', of: (a) => a },
  x2: { label: 'x₂', of: (a, b) => b },
  x1sq: { label: 'x₁²', of: (a) => a * a },
  x2sq: { label: 'x₂²', of: (a, b) => b * b },
  x1x2: { label: 'x₁x₂', of: (a, b) => a * b },
  sin1: { label: 'sin x₁', of: (a) => Math.sin(a) },
  sin2: { label: 'sin x₂', of: (a, b) => Math.sin(b) },
};
const NAMES = Object.keys(FEATURES), LABELS = Object.fromEntries(NAMES.map((n) => [n, FEATURES[n].label]));
const SETS = { circles: 'circles (a disc in a ring)', xor: 'XOR (opposite quadrants)', moons: 'two moons', spiral: 'spiral (two arms)', blobs: 'two blobs (a line splits them)' };
const EPOCHS = 100, PER_FRAME = 2, BATCH = 10, LR = 0.03, POINTS = 400;
const finished = (run) => run.failed || run.history.loss.length >= EPOCHS;
const freeRun = (run) => run.model.dispose();
const GRID = 50, EXTENT = 6; // the boundary: GRID x GRID cells over [-EXTENT, EXTENT]^2, as the points
const THUMB = 25; // each input drawn over the plane on a THUMB x THUMB grid
const COLORS = ['#c2410c', '#1c64d1'], TRAIN_INK = '#1d2330', TEST_INK = '#c2410c';

/** The chosen features in table order (the order a learner ticked them does not matter). */
export const chosen = (names) => NAMES.filter((n) => names.includes(n));

/**
 * Points as model inputs: each point's features, standardized with `stats` ({mean, std} per
 * feature), or with the points' own when none are given (the training set's, reused for the rest).
 */
export function featurize(points, names, stats = null) {
  const F = names.length, raw = points.map((p) => names.map((n) => FEATURES[n].of(p.x, p.y)));
  if (!stats) {
    const mean = names.map((_, j) => raw.reduce((s, r) => s + r[j], 0) / raw.length);
    const std = names.map((_, j) => Math.sqrt(raw.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / raw.length) || 1);
    stats = { mean, std };
  }
  const x = new Float32Array(points.length * F);
  raw.forEach((r, i) => r.forEach((v, j) => (x[i * F + j] = (v - stats.mean[j]) / stats.std[j])));
  return { x, y: Uint8Array.from(points, (p) => p.label ?? 0), stats };
}

/** The centres of the grid's cells, row 0 at the top, as points. */
export function gridPoints() {
  const pts = [];
  for (let r = 0; r < GRID; r++) for (let c = 0; c < GRID; c++) pts.push({ x: -EXTENT + (2 * EXTENT * (c + 0.5)) / GRID, y: EXTENT - (2 * EXTENT * (r + 0.5)) / GRID });
  return pts;
}

export default {
  kind: 'features',
  title: 'Input features and linear separability',
  lede: 'A model with no hidden layer can only draw a straight line through its inputs. Give it other inputs made from x₁ and x₂ (their squares, their product, a sine) and that straight line in the new inputs becomes a circle or a cross in the plane. Tick features, add hidden layers, and watch the boundary form.',
  topic: 'Multilayer networks',
  params: [
    { name: 'dataset', type: 'enum', values: Object.keys(SETS), default: 'circles', label: 'Data', control: 'select', labels: SETS },
    { name: 'features', type: 'list', values: NAMES, default: ['x1', 'x2'], label: 'Input features', control: 'checks', labels: LABELS },
    { name: 'layers', type: 'int', min: 0, max: 2, default: 0, label: 'Hidden layers (0: logistic regression)', control: 'range' },
    { name: 'units1', type: 'int', min: 1, max: 8, default: 4, label: 'Units in hidden layer 1', control: 'range', when: (s) => s.layers >= 1 },
    { name: 'units2', type: 'int', min: 1, max: 8, default: 4, label: 'Units in hidden layer 2', control: 'range', when: (s) => s.layers >= 2 },
    { name: 'activation', type: 'enum', values: ['tanh', 'relu', 'sigmoid', 'linear'], default: 'tanh', label: 'Activation of the hidden units', control: 'select', when: (s) => s.layers >= 1 },
  ],
  parts: ['inputs', 'boundary', 'loss', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const inputsBox = w.figure('inputs', 'What the model is given: each chosen input, standardized, over the plane (red above its mean, blue below)', { wide: true });
    const inputsRow = panelRow(inputsBox);
    const plane = createPlot(w.figure('boundary', 'Training points (blue and orange: the two classes) over the class the model predicts at each place (blue or red region, paler where it is unsure)'), { square: true, xLabel: 'x₁', yLabel: 'x₂', label: 'decision boundary' });
    const lossPlot = createPlot(w.figure('loss', 'Loss per epoch: training points (dark) and test points (orange); ln 2 ≈ 0.69 (dotted) is a coin toss'), { height: 190, xLabel: 'epoch', label: 'loss curves' });
    const trainButton = w.button('train', 'Pause', () => (loop.on ? loop.stop() : start()), { secondary: false });
    let run = null;

    const loop = w.loop(() => {
      if (!run.busy && !finished(run)) advance(run);
      return run.busy || !finished(run);
    }, { onStop: () => label() });

    const hidden = () => [w.state.units1, w.state.units2].slice(0, w.state.layers);

    function reset() {
      loop.stop();
      if (run?.model) letGo(run, freeRun);
      const s = w.state, names = chosen(s.features);
      // the same points whatever the seed: the seed sets the weights and the shuffles
      const set = makeToySet(s.dataset, { n: POINTS, noise: 0.1, ratio: 0.5, seed: 1 });
      run = { names, set, model: null, busy: false, stale: false, field: null, history: { loss: [], valLoss: [], accuracy: [], valAccuracy: [] } };
      if (!names.length) {
        w.status('Tick at least one input feature.', true);
        inputsRow.replaceChildren();
        return draw();
      }
      const train = featurize(set.train, names), test = featurize(set.test, names, train.stats);
      const layers = [...hidden().map((units) => ({ type: 'dense', units, activation: s.activation })), { type: 'dense', units: 2 }];
      Object.assign(run, { train, test, model: engine.model({ input: [names.length], layers, seed: s.seed }) });
      drawInputs(run);
      run.field = field(run);
      w.status('');
      draw();
      loop.start();
      label();
    }

    function start() {
      if (!run.model) return;
      if (finished(run)) reset();
      else loop.start(), label();
    }

    // a couple of epochs per animation frame, each reporting its loss on the test points too
    async function advance(r) {
      r.busy = true;
      const e = r.history.loss.length, h = r.history;
      try {
        await r.model.fit(r.train, {
          epochs: PER_FRAME, batchSize: BATCH, optimizer: 'adam', lr: LR, seed: w.state.seed * 7919 + e, validationData: r.test,
          onEpoch: (rec) => (h.loss.push(rec.loss), h.accuracy.push(rec.accuracy), h.valLoss.push(rec.valLoss), h.valAccuracy.push(rec.valAccuracy)),
        });
        if (!r.stale && (h.loss.length % 10 === 0 || h.loss.length >= EPOCHS)) r.field = field(r);
      } catch (err) {
        w.status(`Training stopped: ${err.message}`, true);
        r.failed = true; // (ends the loop; the curves keep the epochs done)
      }
      if (!settle(r, freeRun)) return;
      draw();
      if (h.loss.length >= EPOCHS) w.tally('trained');
    }

    // the model's probability of class 1 on the featurized grid, as the signed field
    // 0.5 - p: blue where class 1 wins, red where class 0 does
    function field(r) {
      const z = r.model.predict(featurize(gridPoints(), r.names, r.train.stats).x), values = new Float32Array(GRID * GRID);
      for (let c = 0; c < values.length; c++) values[c] = 0.5 - 1 / (1 + Math.exp(z[2 * c] - z[2 * c + 1]));
      return { cols: GRID, rows: GRID, values, signed: true, alpha: 0.45, epoch: r.history.loss.length };
    }

    // one small map per input, on the scale the model sees it (standardized with the training points)
    function drawInputs(r) {
      inputsRow.replaceChildren();
      const pts = Array.from({ length: THUMB * THUMB }, (_, i) => ({ x: -EXTENT + (2 * EXTENT * ((i % THUMB) + 0.5)) / THUMB, y: EXTENT - (2 * EXTENT * (Math.floor(i / THUMB) + 0.5)) / THUMB }));
      const x = featurize(pts, r.names, r.train.stats).x, F = r.names.length;
      r.names.forEach((n, j) => {
        const v = Array.from({ length: pts.length }, (_, i) => x[i * F + j]), range = maxAbs(v), p = panel(inputsRow, FEATURES[n].label);
        paintGrid(p.canvas, { rows: THUMB, cols: THUMB, cell: 3, fill: (i) => signedColor(v[i], range) });
        p.canvas.setAttribute('aria-label', `input ${FEATURES[n].label} over the plane, standardized: from ${Math.min(...v).toFixed(2)} to ${Math.max(...v).toFixed(2)}`);
      });
    }

    function draw() {
      const h = run.history, E = h.loss.length, xs = Float32Array.from({ length: E }, (_, i) => i + 1);
      plane.update({
        x: [-EXTENT, EXTENT], y: [-EXTENT, EXTENT], field: run.field ?? undefined,
        points: run.set.train.map((p) => ({ x: p.x, y: p.y, color: COLORS[p.label], r: 3 })),
      });
      const top = Math.max(1, ...h.loss.slice(0, 3), ...h.valLoss.slice(0, 3));
      lossPlot.update({ x: [0, EPOCHS * 1.04], y: [0, Math.min(3, top)], hline: [Math.LN2], lines: [{ xs, ys: Float32Array.from(h.loss), color: TRAIN_INK }, { xs, ys: Float32Array.from(h.valLoss), color: TEST_INK }] });
      describe();
    }

    function describe() {
      const s = w.state, h = run.history, E = h.loss.length, pct = (v) => `${(100 * v).toFixed(1)}%`;
      const inputs = run.names.length ? `${run.names.map((n) => FEATURES[n].label).join(', ')} (${run.names.length} ${run.names.length === 1 ? 'input' : 'inputs'}, each standardized)` : 'no inputs';
      const arch = s.layers ? `hidden ${s.layers === 1 ? 'layer' : 'layers'} of ${hidden().join(' and ')} ${s.activation} units` : 'no hidden layer: logistic regression, a straight boundary in feature space';
      const setup = `${s.dataset}, ${run.set.train.length} training and ${run.set.test.length} test points; features ${inputs}; ${arch}${run.model ? ` (${run.model.paramCount} weights)` : ''}.`;
      if (!E) return w.summary(`${setup} ${run.model ? 'Training…' : 'Tick a feature to train.'}`);
      const last = E - 1;
      w.summary(`${setup} Epoch ${E} of ${EPOCHS}: training loss ${h.loss[last].toFixed(3)}, accuracy ${pct(h.accuracy[last])}; test loss ${h.valLoss[last].toFixed(3)}, accuracy ${pct(h.valAccuracy[last])} (chance: 50%, loss ln 2 = 0.693).`);
    }

    function label() {
      trainButton.textContent = loop.on ? 'Pause' : run?.history.loss.length && !finished(run) ? 'Resume' : 'Train again';
    }

    reset();
    return {
      update: reset,
      start,
      stop: () => loop.stop(),
      results: () => {
        const h = run.history, E = h.loss.length;
        return {
          dataset: w.state.dataset, features: run.names, hidden: hidden(), activation: w.state.activation,
          epochs: E, of: EPOCHS, history: structuredClone(h), trainAccuracy: h.accuracy[E - 1] ?? null, testAccuracy: h.valAccuracy[E - 1] ?? null,
          train: run.set.train.map((p) => [p.x, p.y, p.label]), test: run.set.test.map((p) => [p.x, p.y, p.label]),
          stats: run.train?.stats ?? null,
          grid: { cols: GRID, rows: GRID, extent: EXTENT }, field: run.field && { epoch: run.field.epoch, values: [...run.field.values] },
          weights: run.model?.getWeights().map((p) => ({ name: p.name, shape: p.shape, values: [...p.values] })) ?? [],
        };
      },
      destroy: () => {
        loop.stop();
        if (run?.model) letGo(run, freeRun);
        plane.destroy(), lossPlot.destroy();
      },
    };
  },
};
