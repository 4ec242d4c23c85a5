// overfitting.mjs: early stopping, label noise and memorization. A network with tens of thousands
// of weights is fitted to a few dozen 2-D points for hundreds of epochs; some of their labels
// are flipped to another class (or all of them shuffled), so the only way to a training loss of
// 0 is to memorize them. Each epoch is one call of the engine's fit (its validation figures come
// from onEpoch) followed by evaluate on the training points, spread over animation frames. The
// curves show the gap open; the best validation epoch and the epoch where early stopping with
// the chosen patience would stop are marked, found from the curves the widget reports.
import { createPlot } from '../components/plot.mjs';
import { letGo, settle } from './frame.mjs';
import { toySplit } from './toy-net.mjs';
import { mulberry32, shuffle } from '../../dlplay/random.mjs';

const SETS = ['circles', 'moons', 'xor', 'spiral'], VAL = 400, K = 2;
const WIDTH = 128, DEPTH = 3, LR = 0.003, BATCH = 16;
const COLORS = ['#c2410c', '#1c64d1'], TRAIN_INK = '#1c64d1', VAL_INK = '#c2410c', MARK = '#5b6475';
const GRID = 48, EXTENT = 2.2; // the prediction field: GRID x GRID cells over [-EXTENT, EXTENT]^2
const freeRun = (run) => run.model.dispose();

/** Training and validation points of a toy set (the same draw whatever the seed). */
function makeData(name, n) {
  const { train, test } = toySplit(name, { train: n, test: VAL, noise: 0.2, seed: 3 });
  return { train, val: test };
}

/**
 * The labels the network is trained on: round(share * n) of them, chosen at random, each
 * replaced by a random other class; or, with `shuffled`, every label permuted.
 */
export function noisyLabels(labels, share, shuffled, seed, classes = K) {
  const next = mulberry32(seed * 7907 + 17), y = Uint8Array.from(labels), n = y.length;
  const order = shuffle(Uint32Array.from({ length: n }, (_, i) => i), next);
  if (shuffled) return Uint8Array.from(order, (i) => labels[i]);
  for (const i of order.subarray(0, Math.round(share * n))) y[i] = (y[i] + 1 + Math.floor(next() * (classes - 1))) % classes;
  return y;
}

/**
 * Early stopping read off a validation-loss curve (index e is epoch e + 1): the epoch of the
 * lowest loss, and the first epoch by which `patience` epochs in a row have not beaten the best
 * so far (the engine's rule: strictly lower is better), with the best epoch up to then.
 */
export function earlyStop(valLoss, patience) {
  let best = 0, bestSoFar = 0, stop = null, keep = null;
  valLoss.forEach((v, e) => {
    if (v < valLoss[best]) best = e;
    if (stop !== null) return;
    if (v < valLoss[bestSoFar]) bestSoFar = e;
    else if (e - bestSoFar >= patience) (stop = e), (keep = bestSoFar);
  });
  return { best: valLoss.length ? best + 1 : null, stop: stop === null ? null : stop + 1, keep: keep === null ? null : keep + 1 };
}

export default {
  kind: 'overfitting',
  title: 'Overfitting, label noise and early stopping',
  lede: 'A network with about 33,000 weights learns from a few dozen points, some with wrong labels. Press Train and watch the training loss fall towards 0 while the validation loss turns back up once the network starts learning the wrong labels by heart. Early stopping keeps the epoch with the best validation loss.',
  topic: 'Regularization',
  params: [
    { name: 'dataset', type: 'enum', values: SETS, default: 'circles', label: 'Data', control: 'select' },
    { name: 'points', type: 'int', min: 40, max: 100, step: 10, default: 60, label: 'Training points', control: 'range' },
    { name: 'noise', type: 'number', min: 0, max: 0.5, step: 0.05, default: 0.2, label: 'Label noise (share of training labels flipped)', control: 'range', when: (s) => !s.random },
    { name: 'random', type: 'bool', default: false, label: 'Random labels (shuffle every training label)', control: 'check' },
    { name: 'patience', type: 'int', min: 1, max: 50, default: 10, label: 'Patience (epochs without a new best)', control: 'range' },
    { name: 'epochs', type: 'int', min: 10, max: 1000, default: 300, label: 'Epochs', control: 'number' },
  ],
  parts: ['loss', 'accuracy', 'data', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const lossPlot = createPlot(w.figure('loss', 'Loss per epoch: training points (blue) and validation points (orange). Dashed: the best validation epoch and where early stopping stops.', { wide: true }), { height: 190, xLabel: 'epoch', label: 'loss curves' });
    const accPlot = createPlot(w.figure('accuracy', 'Accuracy per epoch, same colours; the dotted line is chance (50%).', { wide: true }), { height: 160, xLabel: 'epoch', label: 'accuracy curves' });
    const dataPlot = createPlot(w.figure('data', 'Training points by the label they are trained on (large: a flipped label), over the class the network predicts (blue or red region).'), { square: true, label: 'training points and predicted classes' });
    const trainButton = w.button('train', 'Train', () => (loop.on ? loop.stop() : start()), { secondary: false });
    let run = null;

    const loop = w.loop(() => {
      if (!run.busy && run.history.valLoss.length < run.epochs) advance(run);
      return run.busy || run.history.valLoss.length < run.epochs;
    }, { onStop: () => label() });

    function reset() {
      loop.stop();
      letGo(run, freeRun);
      const s = w.state, data = makeData(s.dataset, s.points);
      const labels = noisyLabels(data.train.y, s.noise, s.random, s.seed);
      const model = engine.model({ input: [2], seed: s.seed, layers: [...Array(DEPTH)].map(() => ({ type: 'dense', units: WIDTH, activation: 'relu' })).concat({ type: 'dense', units: K }) });
      run = { model, data, train: { x: data.train.x, y: labels }, epochs: s.epochs, busy: false, stale: false, field: null, history: { trainLoss: [], trainAccuracy: [], valLoss: [], valAccuracy: [] } };
      run.flipped = labels.reduce((a, v, i) => a + (v !== data.train.y[i]), 0);
      run.field = field(run);
      w.status('');
      draw();
      label();
    }

    // a few epochs per animation frame: each a fit of one epoch (its own shuffle), then the training points evaluated
    async function advance(r) {
      r.busy = true;
      const s = w.state, h = r.history, perFrame = Math.max(1, Math.ceil(r.epochs / 150));
      try {
        for (let k = 0; k < perFrame && h.valLoss.length < r.epochs && !r.stale; k++) {
          let epoch = null;
          const e = h.valLoss.length;
          await r.model.fit(r.train, { epochs: 1, batchSize: BATCH, optimizer: 'adam', lr: LR, seed: s.seed * 7919 + e, validationData: r.data.val, onEpoch: (rec) => (epoch = rec) });
          if (r.stale) break;
          const t = r.model.evaluate(r.train);
          h.trainLoss.push(t.loss), h.trainAccuracy.push(t.accuracy), h.valLoss.push(epoch.valLoss), h.valAccuracy.push(epoch.valAccuracy);
          if (h.valLoss.length % 10 === 0 || h.valLoss.length === r.epochs) r.field = field(r);
        }
      } catch (e) {
        w.status(`Training stopped: ${e.message}`, true);
        r.epochs = h.valLoss.length; // (ends the loop)
      }
      if (!settle(r, freeRun)) return;
      draw();
      if (h.valLoss.length >= r.epochs) w.tally('trained');
    }

    // the network's probability of class 1 over the plane, as the signed field blue (class 1) / red (class 0)
    function field(r) {
      const xs = new Float32Array(2 * GRID * GRID);
      for (let i = 0; i < GRID; i++) for (let j = 0; j < GRID; j++) (xs[2 * (i * GRID + j)] = -EXTENT + (2 * EXTENT * (j + 0.5)) / GRID), (xs[2 * (i * GRID + j) + 1] = EXTENT - (2 * EXTENT * (i + 0.5)) / GRID);
      const z = r.model.predict(xs), values = new Float32Array(GRID * GRID);
      for (let c = 0; c < values.length; c++) values[c] = 0.5 - 1 / (1 + Math.exp(z[2 * c] - z[2 * c + 1]));
      return { cols: GRID, rows: GRID, values, signed: true, alpha: 0.4 };
    }

    function start() {
      if (run.history.valLoss.length >= run.epochs || w.state.epochs !== run.epochs) reset();
      loop.start();
      label();
    }

    function label() {
      const h = run?.history;
      trainButton.textContent = loop.on ? 'Pause' : h?.valLoss.length && h.valLoss.length < run.epochs ? 'Resume' : 'Train';
    }

    function draw() {
      const s = w.state, h = run.history, E = h.valLoss.length, xs = Float32Array.from({ length: E }, (_, i) => i + 1);
      const mark = earlyStop(h.valLoss, s.patience), top = Math.min(3, Math.max(1, ...h.trainLoss, ...h.valLoss));
      const vline = (e, y0, y1) => ({ xs: [e, e], ys: [y0, y1], color: MARK, dashed: true, width: 1 });
      const marks = (y0, y1) => [mark.best && vline(mark.best, y0, y1), mark.stop && vline(mark.stop, y0, y1)].filter(Boolean);
      // the marks' names near the top, one above the other (the two lines are often close)
      const tags = (y0, y1) => [
        mark.best && { x: mark.best, y: y1 - 0.1 * (y1 - y0), color: MARK, r: 2, label: 'best' },
        mark.stop && { x: mark.stop, y: y1 - 0.25 * (y1 - y0), color: MARK, r: 2, label: 'stop' },
      ].filter(Boolean);
      const x = [0, Math.ceil(run.epochs * 1.03)]; // (room for the last tick's number)
      lossPlot.update({ x, y: [0, top], lines: [...marks(0, top), { xs, ys: Float32Array.from(h.trainLoss), color: TRAIN_INK }, { xs, ys: Float32Array.from(h.valLoss), color: VAL_INK }], points: tags(0, top) });
      accPlot.update({ x, y: [0, 1], hline: [1 / K], lines: [...marks(0, 1), { xs, ys: Float32Array.from(h.trainAccuracy), color: TRAIN_INK }, { xs, ys: Float32Array.from(h.valAccuracy), color: VAL_INK }], points: tags(0, 1) });
      const clean = run.data.train.y, y = run.train.y, px = run.data.train.x;
      dataPlot.update({
        x: [-EXTENT, EXTENT], y: [-EXTENT, EXTENT], field: run.field,
        points: Array.from(y, (c, i) => ({ x: px[2 * i], y: px[2 * i + 1], color: COLORS[c], r: c !== clean[i] ? 6 : 3 })),
      });
      describe(mark);
    }

    function describe(mark) {
      const s = w.state, h = run.history, E = h.valLoss.length, pct = (v) => `${(100 * v).toFixed(1)}%`, f3 = (v) => v.toFixed(3);
      const what = s.random ? `all ${s.points} training labels shuffled (${run.flipped} now differ from the true class)` : `${run.flipped} of ${s.points} training labels flipped (${Math.round(100 * s.noise)}%)`;
      const setup = `${s.dataset}: ${what}; ${VAL} validation points with true labels; a ${DEPTH}-layer ReLU network of width ${WIDTH} with ${run.model.paramCount} weights, Adam at ${LR}, batches of ${BATCH}.`;
      if (!E) return w.summary(`${setup} Press Train for ${run.epochs} epochs.`);
      const last = E - 1, b = mark.best - 1;
      const stop = mark.stop ? `early stopping with patience ${s.patience} stops at epoch ${mark.stop} and keeps epoch ${mark.keep} (validation loss ${f3(h.valLoss[mark.keep - 1])}, accuracy ${pct(h.valAccuracy[mark.keep - 1])})` : `early stopping with patience ${s.patience} has not stopped yet`;
      w.summary(`${setup} Epoch ${E} of ${run.epochs}: training loss ${f3(h.trainLoss[last])}, accuracy ${pct(h.trainAccuracy[last])}; validation loss ${f3(h.valLoss[last])}, accuracy ${pct(h.valAccuracy[last])} (gap ${pct(h.trainAccuracy[last] - h.valAccuracy[last])}, chance 50%). Best validation loss ${f3(h.valLoss[b])} at epoch ${mark.best} (accuracy ${pct(h.valAccuracy[b])}); ${stop}.`);
    }

    reset();
    return {
      update: (name) => (name === 'patience' ? draw() : reset()),
      start,
      stop: () => loop.stop(),
      results: () => {
        const h = run.history, mark = earlyStop(h.valLoss, w.state.patience);
        return { epochs: h.valLoss.length, of: run.epochs, trueLabels: [...run.data.train.y], labels: [...run.train.y], flipped: run.flipped, params: run.model.paramCount, history: structuredClone(h), bestEpoch: mark.best, stopEpoch: mark.stop, keptEpoch: mark.keep };
      },
      destroy: () => {
        loop.stop();
        letGo(run, freeRun);
        lossPlot.destroy(), accPlot.destroy(), dataPlot.destroy();
      },
    };
  },
};
