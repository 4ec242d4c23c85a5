// residual.mjs: the degradation problem and the residual connection. Two deep stacks of the same
// depth and width are built as engine graphs from the same seed, so they start from the same
// weights; the only difference is the skip: a plain layer computes h ← W·relu(h) + b, a residual
// one h ← h + W·relu(h) + b. Both train side by side on the spiral with the same batches. The
// loss of each on the whole training set is drawn every few steps, and each layer's weight
// gradient (read off the engine after backward) shows why: in the plain stack it shrinks layer by
// layer on the way back to the input, while the identity path carries it through the residual one.
import { createLineChart } from '../components/line-chart.mjs';
import { toyData } from './toy-net.mjs';

const DATA = toyData('spiral', 'train'), N = DATA.y.length;
const BATCH = 32, EVERY = 10, PROBE = 10, STEPS_PER_FRAME = 10;
const NETS = [
  { key: 'plain', name: 'plain', color: '#c2410c' },
  { key: 'residual', name: 'residual', color: '#2f6fde' },
];

/**
 * A 2 → width stem, `depth` layers, and a width → 2 output, on one engine graph. Parameters are
 * made in the same order whatever `residual` is, so one seed gives both stacks the same weights.
 */
export function buildStack(engine, { depth, width, init, seed }, residual) {
  const g = engine.graph(seed);
  const x = g.input('x', [2]), t = g.input('t', [1]), W = [], b = [];
  const W0 = g.param('W0', [2, width], { init: 'xavier_normal' }), b0 = g.param('b0', [width]);
  let h = g.op('dense', [x, W0, b0]);
  for (let l = 1; l <= depth; l++) {
    W.push(g.param(`W${l}`, [width, width], { init }));
    b.push(g.param(`b${l}`, [width]));
    const f = g.op('dense', [g.op('relu', [h]), W.at(-1), b.at(-1)]); // (pre-activation: the sum stays linear)
    h = residual ? g.op('add', [h, f]) : f;
  }
  const Wout = g.param('Wout', [width, 2], { init: 'xavier_normal' }), bout = g.param('bout', [2]);
  const out = g.op('dense', [g.op('relu', [h]), Wout, bout]);
  const loss = g.op('softmax_ce', [g.op('reshape', [out], { ints: [2, 1, 2] }), t]); // (one position of 2 logits)
  g.plan(N);
  return { g, x, t, W, loss, params: { W0, b0, W, b, Wout, bout } };
}

export default {
  kind: 'residual',
  title: 'Plain against residual: the degradation problem',
  lede: 'Two deep stacks with the same depth, width, starting weights and batches; only one adds each layer\'s input back to its output (h + f(h)). At a few layers both fit the spiral; make it deeper and the plain stack stops learning while the residual one still does. The second chart shows why: the gradient reaching each layer\'s weights.',
  topic: 'Residual connections',
  params: [
    { name: 'depth', type: 'int', min: 4, max: 30, default: 20, label: 'Layers', control: 'range' },
    { name: 'width', type: 'int', min: 8, max: 32, default: 16, label: 'Units per layer', control: 'range' },
    { name: 'init', type: 'enum', values: ['xavier_normal', 'he_normal'], default: 'xavier_normal', label: 'Initialization', control: 'select', labels: { xavier_normal: 'Xavier (Glorot) normal', he_normal: 'He (Kaiming) normal' } },
    { name: 'lr', type: 'number', min: 0.0001, max: 0.1, default: 0.002, label: 'Learning rate (Adam)', control: 'number' },
    { name: 'steps', type: 'int', min: 50, max: 3000, default: 500, label: 'Training steps (batches of 32)', control: 'number' },
  ],
  parts: ['loss', 'grads', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const lossBox = w.figure('loss', `Loss on the whole training set (${N} points), every ${EVERY} steps`, { wide: true });
    const gradBox = w.figure('grads', `Gradient norm of each layer's weights on the whole training set, layer 1 next to the input: at the start, and after ${PROBE} steps`, { wide: true });
    const trainButton = w.button('train', 'Train', () => start(), { secondary: false });
    let nets = [], lossChart = null, gradChart = null, run = null;
    const loop = w.loop(() => advance(), { onStop: () => (trainButton.disabled = false) });

    // forward and backward on every training point: the loss and each layer's ‖∂L/∂W‖
    function measure(net) {
      const { g, x, t, W, loss } = net;
      g.setBatch(N).setValue(x, DATA.x).setValue(t, DATA.y);
      g.forward(loss);
      const value = g.value(loss)[0];
      g.backward(loss);
      return { loss: value, norms: W.map((Wl) => Math.hypot(...g.grad(Wl))) };
    }

    function dispose() {
      for (const n of nets) n.opt.dispose(), n.g.dispose();
      nets = [];
    }

    function reset() {
      loop.stop();
      dispose();
      const s = w.state;
      lossChart?.destroy();
      gradChart?.destroy();
      lossChart = createLineChart(lossBox, { title: 'Training loss', yLabel: 'loss', xLabel: 'step', log: true, height: 190, series: NETS });
      gradChart = createLineChart(gradBox, { title: 'Gradient per layer', yLabel: '‖∂L/∂W‖', xLabel: 'layer', log: true, height: 190, series: NETS.flatMap((n) => [{ ...n, name: `${n.name}, start`, dashed: true }, { ...n, name: `${n.name}, step ${PROBE}` }]) });
      try {
        for (const n of NETS) { // (one at a time: a stack the engine refuses leaves the one before it to dispose())
          const net = buildStack(engine, s, n.key === 'residual');
          nets.push({ ...net, key: n.key, opt: net.g.optimizer('adam') });
        }
        run = { step: 0, curves: nets.map(() => []), start: nets.map(measure), probe: null, last: null };
        nets.forEach((n, i) => {
          run.curves[i].push([0, run.start[i].loss]);
          lossChart.push(i, 0, run.start[i].loss);
          gradChart.set(2 * i, run.start[i].norms.map((v, l) => [l + 1, v]));
        });
        run.last = run.start;
        w.status('');
      } catch (e) {
        w.status(`The engine refuses these stacks: ${e.message}`, true);
      }
      describe();
    }

    // a few steps of both stacks on the same batches, then the whole-set loss every EVERY steps
    function advance() {
      const s = w.state, xb = new Float32Array(2 * BATCH), tb = new Float32Array(BATCH);
      try {
        for (let k = 0; k < STEPS_PER_FRAME && run.step < s.steps; k++) {
          for (let i = 0; i < BATCH; i++) {
            const j = (run.step * BATCH + i) % N;
            (xb[2 * i] = DATA.x[2 * j]), (xb[2 * i + 1] = DATA.x[2 * j + 1]), (tb[i] = DATA.y[j]);
          }
          for (const n of nets) n.g.setBatch(BATCH).setValue(n.x, xb).setValue(n.t, tb).trainStep(n.loss, n.opt, s.lr);
          run.step++;
          if (run.step % EVERY === 0 || run.step === s.steps) {
            run.last = nets.map(measure);
            run.last.forEach((m, i) => (run.curves[i].push([run.step, m.loss]), lossChart.push(i, run.step, m.loss)));
            if (run.step === PROBE) (run.probe = run.last), run.probe.forEach((m, i) => gradChart.set(2 * i + 1, m.norms.map((v, l) => [l + 1, v])));
          }
        }
      } catch (e) {
        w.status(`Training stopped at step ${run.step + 1}: ${e.message}`, true);
        return finish();
      }
      describe();
      if (run.step >= s.steps) return finish();
    }

    function finish() {
      w.tally('trained');
      describe();
      return false;
    }

    function start() {
      if (loop.on) return;
      if (!run || run.step >= w.state.steps) reset(); // (a finished run starts again from the seed's weights)
      if (!nets.length) return;
      trainButton.disabled = true;
      loop.start();
    }

    function describe() {
      if (!run) return;
      const s = w.state, [p, r] = run.last, g = run.probe ?? run.start, when = run.probe ? `after ${PROBE} steps` : 'at the start';
      const e = (v) => v.toExponential(1);
      w.summary(`${run.step ? `After ${run.step} steps` : 'Before training'} at ${s.depth} layers of ${s.width}: loss plain ${p.loss.toFixed(3)}, residual ${r.loss.toFixed(3)} (ln 2 = 0.693 is a coin flip). Gradient norm ${when}, layer 1: plain ${e(g[0].norms[0])}, residual ${e(g[1].norms[0])}; layer ${s.depth}: plain ${e(g[0].norms.at(-1))}, residual ${e(g[1].norms.at(-1))}.`);
    }

    reset();
    return {
      update: () => reset(),
      start,
      stop: () => loop.stop(),
      results: () => run && {
        step: run.step,
        loss: Object.fromEntries(nets.map((n, i) => [n.key, run.last[i].loss])),
        curves: Object.fromEntries(nets.map((n, i) => [n.key, run.curves[i]])),
        start: Object.fromEntries(nets.map((n, i) => [n.key, run.start[i].norms])),
        probe: run.probe && Object.fromEntries(nets.map((n, i) => [n.key, run.probe[i].norms])),
      },
      destroy: () => (loop.stop(), dispose(), lossChart?.destroy(), gradChart?.destroy()),
    };
  },
};
