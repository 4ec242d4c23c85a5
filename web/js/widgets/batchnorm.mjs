// batchnorm.mjs: what batch normalization does to training, and why it needs a batch. Two copies
// of one deep, narrow network start from the same weights and see the same batches: one plain,
// one with a batch-norm layer between each dense layer and its activation. Plain SGD on the
// engine's models (a training program run a few steps per animation frame) gives each step's
// loss; at the end both are evaluated in evaluation mode, where batch norm uses its running
// statistics instead of the batch's. With one sample per batch a unit's batch mean is the sample
// itself and its batch variance 0: the widget reports what the engine then does.
import { createPlot } from '../components/plot.mjs';
import { letGo, settle } from './frame.mjs';
import { toyData, smoothed } from './toy-net.mjs';

const WIDTH = 32, NETS = ['plain', 'bn'], INK = { plain: '#c2410c', bn: '#1c64d1' }, FAINT = { plain: '#f2c3a8', bn: '#b3c8ee' };
const NAMES = { plain: 'without batch norm', bn: 'with batch norm' };

/** The network's layers: `depth` dense layers of WIDTH units, each followed by batch norm (if `bn`) and the activation. */
function layers(depth, activation, bn) {
  const init = activation === 'relu' ? 'he_normal' : 'xavier_uniform'; // (the same start with or without batch norm)
  const out = [];
  for (let l = 1; l <= depth; l++) {
    if (!bn) out.push({ type: 'dense', name: `dense${l}`, units: WIDTH, activation, kernelInitializer: init });
    else out.push({ type: 'dense', name: `dense${l}`, units: WIDTH, kernelInitializer: init }, { type: 'batchNorm', name: `bn${l}` }, { type: 'activation', name: `act${l}`, activation });
  }
  return [...out, { type: 'dense', name: 'out', units: 2, kernelInitializer: 'xavier_uniform' }];
}

const mean = (a) => a.reduce((p, q) => p + q, 0) / a.length;

export default {
  kind: 'batchnorm',
  title: 'Batch normalization: faster training, and batches of one',
  lede: 'Two copies of a deep, narrow network learn the same data from the same start with plain SGD; one normalizes each layer over the batch before its activation. Press Train and compare the losses. Then set the batch size to 1 (with ReLU too, where the plain network still learns).',
  topic: 'Normalization',
  params: [
    { name: 'activation', type: 'enum', values: ['sigmoid', 'relu'], default: 'sigmoid', label: 'Activation', control: 'select' },
    { name: 'depth', type: 'int', min: 2, max: 10, default: 6, label: 'Dense layers', control: 'range' },
    { name: 'batch', type: 'int', min: 1, max: 128, default: 32, label: 'Batch size', control: 'number' },
    { name: 'lr', type: 'number', min: 0.001, max: 2, step: 0.001, default: 0.1, label: 'Learning rate (SGD)', control: 'number' },
    { name: 'steps', type: 'int', min: 20, max: 2000, default: 300, label: 'Training steps', control: 'number' },
    { name: 'dataset', type: 'enum', values: ['circles', 'xor', 'moons'], default: 'circles', label: 'Data', control: 'select' },
  ],
  parts: ['loss', 'eval', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const lossPlot = createPlot(w.figure('loss', 'Training loss per step (on the batch, in training mode): without batch norm (orange), with it (blue); faint: each step, bold: a moving average.', { wide: true }), { height: 200, xLabel: 'step', label: 'training loss curves' });
    const evalBox = w.figure('eval', 'After training. Evaluation mode: batch norm uses its running statistics (each running variance starts at 1), not the batch\'s.', { wide: true });
    const trainButton = w.button('train', 'Train', () => (loop.on ? loop.stop() : start()), { secondary: false });
    let run = null;

    const loop = w.loop(() => {
      if (!run.busy && run.step < run.steps) advance(run);
      return run.busy || run.step < run.steps;
    }, { onStop: () => label() });

    function build(bn) {
      const s = w.state, model = engine.model({ input: [2], seed: s.seed, layers: layers(s.depth, s.activation, bn) });
      const output = model.tensors.filter((t) => t.kind === 'computed').at(-1).name;
      model.setProgram({ losses: { main: [{ type: 'softmax_ce', on: output, target: { data: 'y' } }] }, optimizers: { main: { type: 'sgd', lr: s.lr } } });
      return { model, start: model.getWeights(), losses: [], error: null, end: null };
    }

    function reset() {
      loop.stop();
      letGo(run, dispose);
      const s = w.state, train = toyData(s.dataset, 'train');
      run = { steps: s.steps, step: 0, calls: 0, busy: false, stale: false, data: { x: train.x, y: train.y }, test: toyData(s.dataset, 'test') };
      for (const k of NETS) run[k] = build(k === 'bn');
      const kernels = (ws) => ws.filter((p) => /^dense\d+\/kernel$/.test(p.name));
      run.sameStart = kernels(run.plain.start).every((p, i) => p.values.every((v, j) => v === kernels(run.bn.start)[i].values[j]));
      draw();
      label();
    }
    const dispose = (r) => NETS.forEach((k) => r[k]?.model.dispose());

    // a few steps of each network per frame, on the same batches (the same seed for both)
    async function advance(r) {
      r.busy = true;
      const s = w.state, k = Math.min(Math.max(1, Math.ceil(r.steps / 120)), r.steps - r.step), seed = s.seed * 7919 + r.calls++;
      for (const name of NETS) {
        const net = r[name];
        if (net.error || r.stale) continue;
        try {
          await net.model.train({ [net.model.tensors[0].name]: r.data.x, y: r.data.y }, { iterations: k, batchSize: s.batch, seed, onStep: (rec) => net.losses.push(rec.steps[0].value) });
        } catch (e) {
          net.error = e.message;
        }
      }
      r.step += k;
      if (!settle(r, dispose)) return;
      if (r.step >= r.steps) finish(r);
      draw();
    }

    // evaluation mode on the test points, and what training changed
    function finish(r) {
      for (const name of NETS) {
        const net = r[name], now = net.model.getWeights(), ev = net.model.evaluate(r.test);
        const dense = now.filter((p) => /^dense\d+\/kernel$/.test(p.name));
        const unchanged = dense.filter((p) => p.values.every((v, j) => v === net.start.find((q) => q.name === p.name).values[j])).map((p) => p.name.split('/')[0]);
        const vars = now.filter((p) => /moving_var$/.test(p.name)).flatMap((p) => [...p.values]);
        net.end = { testLoss: ev.loss, testAccuracy: ev.accuracy, trainLoss: mean(net.losses.slice(-20)), unchanged, denseLayers: dense.length, runningVar: vars.length ? [Math.min(...vars), Math.max(...vars)] : null };
      }
      w.tally('trained');
    }

    function start() {
      if (run.step >= run.steps) reset();
      loop.start();
      label();
    }

    function label() {
      trainButton.textContent = loop.on ? 'Pause' : run?.step && run.step < run.steps ? 'Resume' : 'Train';
    }

    function draw() {
      const s = w.state, lines = [];
      for (const name of NETS) {
        const l = run[name]?.losses ?? [], xs = Float32Array.from(l, (_, i) => i + 1);
        lines.push({ xs, ys: Float32Array.from(l), color: FAINT[name], width: 1 }, { xs, ys: Float32Array.from(smoothed(l)), color: INK[name] });
      }
      lossPlot.update({ x: [0, run.steps], y: [0, Math.max(1, ...run.plain.losses.slice(0, 10), ...run.bn.losses.slice(0, 10))], lines });
      table();
      describe();
    }

    // one column per network, one row per number (narrow enough for a phone)
    function table() {
      const cell = (k, f) => (run[k].error ? 'stopped' : run[k].end ? f(run[k].end) : '–');
      const row = (name, f) => `<tr><th scope="row">${name}</th>${NETS.map((k) => `<td>${cell(k, f)}</td>`).join('')}</tr>`;
      const errors = NETS.filter((k) => run[k].error).map((k) => `${NAMES[k]} stopped: ${escape(run[k].error)}`);
      evalBox.innerHTML = `<table class="dl-table"><thead><tr><td></td><th scope="col">plain</th><th scope="col">batch norm</th></tr></thead><tbody>
        ${row('training loss, last 20 steps', (e) => num(e.trainLoss))}
        ${row('test loss, evaluation mode', (e) => num(e.testLoss))}
        ${row('test accuracy, evaluation mode', (e) => pct(e.testAccuracy))}
        ${row('hidden layers that changed', (e) => `${e.denseLayers - e.unchanged.length} of ${e.denseLayers}`)}
        ${row('running variances', (e) => (!e.runningVar ? 'none' : e.runningVar[0] === e.runningVar[1] ? `all ${num(e.runningVar[0])}` : `${num(e.runningVar[0])} to ${num(e.runningVar[1])}`))}
        </tbody></table>${errors.length ? `<p>${errors.join('; ')}</p>` : ''}`;
    }

    function describe() {
      const s = w.state, r = run, start = `Same start: ${r.sameStart ? 'yes' : 'no'}; ${s.depth} dense layers of ${WIDTH} ${s.activation} units, SGD at ${s.lr}, batches of ${s.batch}, ${r.steps} steps on ${s.dataset}.`;
      if (!NETS.every((k) => r[k].end)) {
        const now = NETS.filter((k) => r[k].losses.length).map((k) => `${NAMES[k]}: loss ${num(mean(r[k].losses.slice(-20)))}`).join('; ');
        w.summary(`${start} ${r.step ? `Step ${r.step}: ${now}.` : 'Press Train.'}`);
        return;
      }
      const p = r.plain.end, b = r.bn.end;
      const res = (k, e) => (r[k].error ? `${NAMES[k]}: stopped (${r[k].error})` : `${NAMES[k]}: training loss ${num(e.trainLoss)} over the last 20 steps, test loss ${num(e.testLoss)} and accuracy ${pct(e.testAccuracy)} in evaluation mode`);
      let text = `${start} After ${r.steps} steps, ${res('plain', p)}; ${res('bn', b)}.`;
      if (s.batch === 1 && !r.bn.error) {
        text += ` With one sample per batch, each batch-norm layer's batch mean is the sample itself, so every normalized value is 0 and the layer outputs β whatever the input; no gradient passes below it. The engine trains without an error, but ${b.unchanged.length} of ${b.denseLayers} hidden layers never changed, and the running variances fell to ${num(b.runningVar[1])} or less (a batch of one has variance 0), so evaluation divides by √(${num(b.runningVar[1])} + ε) = ${num(Math.sqrt(b.runningVar[1] + 1e-5))}, not by the spread the layer saw in training: test loss ${num(b.testLoss)}, accuracy ${pct(b.testAccuracy)}.`;
        w.status('Batch size 1: the engine trains without an error, but with batch norm each layer outputs β whatever its input (the numbers are above).');
      } else w.status('');
      w.summary(text);
    }

    reset();
    return {
      update: () => reset(),
      start,
      stop: () => loop.stop(),
      results: () => ({ steps: run.step, of: run.steps, batch: w.state.batch, sameStart: run.sameStart, ...Object.fromEntries(NETS.map((k) => [k, { losses: [...run[k].losses], error: run[k].error, ...(run[k].end ?? {}) }])) }),
      destroy: () => {
        loop.stop();
        letGo(run, dispose);
        lossPlot.destroy();
      },
    };
  },
};

const num = (v) => (!Number.isFinite(v) ? String(v) : v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(3));
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
