// lr-range.mjs: the learning-rate range test (Smith, "Cyclical learning rates", 2017, with the
// exponential sweep fast.ai made common): train from fresh weights while the rate grows by the
// same factor every batch from a low to a high value, and plot the loss against the rate on a
// log scale. The loss falls fastest around rates that train well and blows up past the largest
// usable one. The sweep is the engine's exponential schedule with gamma above 1.
import { createPlot } from '../components/plot.mjs';
import { toyData, toyNet, smoothed, BATCH, BATCHES } from './toy-net.mjs';

export default {
  kind: 'lr-range',
  title: 'Learning-rate range test',
  lede: 'A small network on three overlapping clusters trains while the rate grows by the same factor every batch, from low to high. The loss falls, levels off and blows up: a good rate sits well inside the falling part, below where it turns up.',
  topic: 'Learning-rate schedules',
  params: [
    { name: 'from', type: 'number', min: 1e-6, max: 1, default: 1e-4, label: 'Lowest rate', control: 'number' },
    { name: 'to', type: 'number', min: 0.001, max: 100, default: 10, label: 'Highest rate', control: 'number' },
    { name: 'steps', type: 'int', min: 20, max: 2000, default: 400, label: 'Batches in the sweep', control: 'number' },
    { name: 'optimizer', type: 'enum', values: ['sgd', 'momentum', 'adam'], default: 'momentum', label: 'Optimizer', control: 'select' },
  ],
  parts: ['plot', 'run'],

  create(w) {
    const { engine } = w;
    const plot = createPlot(w.figure('plot', 'Training loss (smoothed) against the learning rate of its batch; the dashed line marks the suggested rate', { wide: true }), { height: 240, xLabel: 'learning rate', label: 'loss against learning rate' });
    w.button('run', 'Run the test', () => run(), { secondary: false });
    let last = null, busy = false;

    async function run() {
      if (busy) return;
      busy = true;
      const s = w.state;
      if (!(s.to > s.from) || (s.to / s.from) ** (1 / (s.steps - 1)) > 2) {
        w.status('The highest rate must be above the lowest, and at most 2^(batches − 1) times it.', true);
        busy = false;
        return;
      }
      const model = toyNet(engine, 'gaussians', s.seed), lr = [], loss = [];
      let diverged = false;
      try {
        await model.fit(toyData('gaussians', 'train'), {
          epochs: Math.ceil(s.steps / BATCHES), batchSize: BATCH, optimizer: s.optimizer, lr: s.from, seed: s.seed,
          schedule: { type: 'exponential', gamma: (s.to / s.from) ** (1 / (s.steps - 1)) },
          onBatch: (b) => lr.length < s.steps && (lr.push(b.lr), loss.push(b.loss)),
        });
      } catch (e) {
        diverged = e.code === 'numeric'; // (the loss overflowed: the sweep ends there)
        if (!diverged) w.status(`The test stopped: ${e.message}`, true);
      } finally {
        model.dispose();
        busy = false;
      }
      // the loss smoothed (a moving average corrected for its start at 0); the suggestion is a
      // tenth of the rate at its lowest point (fast.ai's rule of thumb): well inside the falling part
      const smooth = smoothed(loss);
      const best = smooth.indexOf(Math.min(...smooth));
      last = { lr, loss, smooth, minLoss: smooth[best], minAt: lr[best], suggested: lr[best] / 10, diverged };
      w.tally('swept');
      draw();
    }

    function draw() {
      if (!last) {
        plot.update({ x: [w.state.from, w.state.to], y: [0, 1], lines: [], xLog: true });
        w.summary(`Press Run to sweep the rate from ${w.state.from} to ${w.state.to} over ${w.state.steps} batches.`);
        return;
      }
      const { lr, loss, smooth } = last, top = Math.min(3, Math.max(...smooth.slice(0, 10)) * 1.5);
      plot.update({
        x: [w.state.from, w.state.to], y: [0, top], vline: [last.suggested], xLog: true,
        lines: [{ xs: Float32Array.from(lr), ys: Float32Array.from(loss), color: '#b8bfcc', width: 1 }, { xs: Float32Array.from(lr), ys: Float32Array.from(smooth), color: '#1d2330' }],
      });
      w.summary(`Lowest smoothed loss ${last.minLoss.toFixed(3)} at rate ${fmt(last.minAt)}; a rate to try: a tenth of that, ${fmt(last.suggested)}.${last.diverged ? ` The loss overflowed at rate ${fmt(lr.at(-1))}.` : ''}`);
    }
    draw();
    return { update: () => ((last = null), draw()), start: run, results: () => last, destroy: () => plot.destroy() };
  },
};

const fmt = (v) => String(+v.toPrecision(3));
