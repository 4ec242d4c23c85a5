// schedules.mjs: every learning-rate schedule of the engine with every one of its options. The
// curve is the engine's own schedule object asked for its rate at each step; Train fits a small
// network on the spiral with that schedule and draws the loss of each batch above the rate the
// optimizer really used (the model reports it per batch). Which options a schedule takes comes
// from the engine's catalog, so a control shows only where it applies.
import { createPlot } from '../components/plot.mjs';
import { toyData, toyNet, smoothed, BATCH, BATCHES } from './toy-net.mjs';

const SCHEDULES = ['constant', 'step', 'exponential', 'cosine', 'polynomial', 'cyclical', 'onecycle', 'plateau'];

// options: the engine's names; UI ranges within the engine's; 0 for a length means the whole run
const option = (name, type, min, max, def, step, label) => ({ name, type, min, max, default: def, step, label, control: type === 'bool' ? 'check' : 'number', option: true });
const OPTIONS = [
  option('warmup', 'int', 0, 100000, 0, 1, 'warmup: steps of a linear rise from 0'),
  option('step_size', 'int', 1, 100000, 200, 1, 'step_size (step: steps between drops; cyclical: steps per half cycle)'),
  option('gamma', 'number', 0.0001, 1, 0.5, 0.01, 'gamma: factor per drop (step) or per step (exponential)'),
  option('period', 'int', 0, 100000, 0, 1, 'period (0: the whole run)'),
  option('t_mult', 'number', 1, 10, 1, 0.5, 't_mult: each restart period times this'),
  option('restart', 'bool', 0, 1, false, 1, 'restart: warm restarts (SGDR)'),
  option('lr_min', 'number', 0, 10, 0, 0.0001, 'lr_min: the lowest rate'),
  option('total', 'int', 0, 1000000, 0, 1, 'total (0: the whole run)'),
  option('power', 'number', 0.01, 10, 1, 0.1, 'power: 1 is linear'),
  option('lr_end', 'number', 0, 10, 0, 0.0001, 'lr_end: the rate at the end'),
  option('lr_max', 'number', 0, 10, 0.1, 0.01, 'lr_max: the top of each cycle'),
  option('decay', 'number', 0.001, 1, 1, 0.01, 'decay: the cycle\'s height times this each cycle'),
  option('pct', 'number', 0.01, 1, 0.3, 0.05, 'pct: the share of the run spent rising'),
  option('div', 'number', 1, 1000, 25, 1, 'div: the start is lr / div'),
  option('final_div', 'number', 1, 1e6, 1e4, 1, 'final_div: the end is lr / div / final_div'),
  option('factor', 'number', 0.01, 0.99, 0.5, 0.05, 'factor: the rate times this on a plateau'),
  option('patience', 'int', 0, 10000, 5, 1, 'patience: epochs without progress before a cut'),
  option('min_delta', 'number', 0, 10, 0, 0.001, 'min_delta: the least change that counts as progress'),
  option('cooldown', 'int', 0, 10000, 0, 1, 'cooldown: epochs to wait after a cut'),
];

export default {
  kind: 'schedules',
  title: 'Learning-rate schedules',
  lede: 'The rate the optimizer uses at each step. Pick a schedule and change its options; Train runs a small network (SGD with momentum 0.9) on the spiral with it and draws the loss of each batch above the rate it was trained at.',
  topic: 'Learning-rate schedules',
  params: [
    { name: 'schedule', type: 'enum', values: SCHEDULES, default: 'cosine', label: 'Schedule', control: 'select' },
    { name: 'lr', type: 'number', min: 0.0001, max: 1, default: 0.1, step: 0.001, label: 'Base learning rate', control: 'number' },
    { name: 'steps', type: 'int', min: 10, max: 5000, default: 1200, label: 'Steps (batches) in the run', control: 'number' },
    ...OPTIONS.map((o) => ({ ...o, when: (s, catalog) => !catalog || catalog.schedules.find((x) => x.name === s.schedule)?.options.some((x) => x.name === o.name) })),
  ],
  parts: ['rate', 'loss', 'train'],

  create(w) {
    const { engine } = w;
    const lossPlot = createPlot(w.figure('loss', 'Training loss per batch (after Train)', { wide: true }), { height: 160, xLabel: 'step', label: 'training loss' });
    const ratePlot = createPlot(w.figure('rate', 'Learning rate per step: the schedule (line) and, after Train, the rate the optimizer used (dots)', { wide: true }), { height: 160, xLabel: 'step', label: 'learning rate' });
    const train = w.button('train', 'Train', () => run(), { secondary: false });
    let curve = null, trained = null, training = false, metric = null;

    // the options this schedule takes, as the engine names them; lengths of 0 become the run's
    function options() {
      const s = w.state, takes = engine.catalog.schedules.find((x) => x.name === s.schedule).options.map((o) => o.name);
      const out = {};
      for (const o of OPTIONS) {
        if (!takes.includes(o.name)) continue;
        let v = s[o.name];
        if (typeof v === 'boolean') v = v ? 1 : 0;
        if ((o.name === 'period' || o.name === 'total') && v === 0) v = s.steps;
        out[o.name] = v;
      }
      return out;
    }

    // the engine's schedule asked step by step; reduce-on-plateau hears a loss once an epoch (as
    // in training, where it hears the real one): here a made-up one that stops improving at step 300
    function preview() {
      const s = w.state, sched = engine.schedule(s.schedule, s.lr, options());
      try {
        const ys = new Float32Array(s.steps);
        metric = s.schedule === 'plateau' ? new Float32Array(s.steps) : null;
        for (let t = 0; t < s.steps; t++) {
          ys[t] = sched.lr(t);
          if (metric && (t + 1) % BATCHES === 0) sched.report((metric[t] = 1 / (1 + Math.min(t, 300) / 60)));
        }
        return ys;
      } finally {
        sched.dispose();
      }
    }

    function draw() {
      const s = w.state, xs = Float32Array.from({ length: s.steps }, (_, t) => t);
      const top = Math.max(...curve, ...(trained?.lr ?? [0])) * 1.1 || 1;
      const every = Math.ceil((trained?.lr.length ?? 0) / 150); // (about 150 dots of the rates used)
      ratePlot.update({
        x: [0, s.steps], y: [0, top],
        lines: [{ xs, ys: curve, color: '#2f6fde' }],
        points: trained ? trained.lr.filter((_, i) => i % every === 0).map((v, i) => ({ x: i * every, y: v, color: '#c2410c', r: 2 })) : [],
      });
      const losses = trained?.loss ?? [];
      // each batch's loss, faint, and its moving average (over about 20 batches)
      const smooth = Float32Array.from(smoothed(losses));
      const steps = Float32Array.from(losses, (_, i) => i);
      lossPlot.update({ x: [0, s.steps], y: [0, Math.max(1, ...losses.slice(0, 5))], lines: trained ? [{ xs: steps, ys: Float32Array.from(losses), color: '#b8bfcc', width: 1 }, { xs: steps, ys: smooth, color: '#1d2330', width: 2 }] : [] });
      const at = (t) => curve[Math.min(curve.length - 1, t)];
      const quarter = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.min(s.steps - 1, Math.round(f * (s.steps - 1))));
      const rates = quarter.map((t) => `step ${t}: ${fmt(at(t))}`).join(', ');
      const result = trained ? ` Trained: loss ${fmt(trained.loss[0])} at the start, ${fmt(trained.loss.at(-1))} at the end, test accuracy ${(100 * trained.accuracy).toFixed(1)}%.` : '';
      w.summary(`${s.schedule}: rate ${rates}; highest ${fmt(Math.max(...curve))}, lowest ${fmt(Math.min(...curve))}.${metric && !trained ? ' (Before Train, reduce-on-plateau is shown hearing a loss that stops improving at step 300.)' : ''}${result}`);
    }

    async function run() {
      if (training) return;
      training = true;
      train.disabled = true;
      const s = w.state, epochs = Math.ceil(s.steps / BATCHES);
      const model = toyNet(engine, 'spiral', s.seed);
      const got = { loss: [], lr: [] };
      try {
        // per-epoch reports feed reduce-on-plateau the training loss
        await model.fit(toyData('spiral', 'train'), {
          epochs, batchSize: BATCH, optimizer: 'momentum', lr: s.lr, seed: s.seed,
          schedule: { type: s.schedule, ...options() },
          onBatch: (b) => got.loss.length < s.steps && (got.loss.push(b.loss), got.lr.push(b.lr)),
        });
        const test = toyData('spiral', 'test');
        got.accuracy = model.evaluate(test).accuracy;
        trained = got;
        w.status('');
      } catch (e) {
        w.status(`Training stopped: ${e.message}`, true);
      } finally {
        model.dispose();
        training = false;
        train.disabled = false;
        w.tally('trained');
      }
      draw();
    }

    function update() {
      trained = null;
      try {
        curve = preview();
        w.status('');
      } catch (e) {
        w.status(`The engine refuses these options: ${e.message}`, true);
        return;
      }
      draw();
    }
    update();
    return { update, start: run, results: () => ({ schedule: w.state.schedule, rates: [...curve], trained: trained && { loss: trained.loss, lr: trained.lr, accuracy: trained.accuracy } }), destroy: () => (lossPlot.destroy(), ratePlot.destroy()) };
  },
};

const fmt = (v) => (v === 0 ? '0' : Math.abs(v) < 0.001 ? v.toExponential(2) : String(+v.toPrecision(3)));
