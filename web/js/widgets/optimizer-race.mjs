// optimizer-race.mjs: optimizers racing down a 2-D loss surface. Each racer is a graph of two
// weights (x, y) whose loss is the surface, written with the engine's ops, and one of the
// engine's optimizers: a step is the engine's forward, backward and update, as in training a
// network. The coloured field under the paths is the same graph evaluated over a grid.
import { createPlot } from '../components/plot.mjs';

const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw'];
const COLORS = { sgd: '#1d2330', momentum: '#c2410c', nesterov: '#a16207', adagrad: '#15803d', rmsprop: '#7e22ce', adam: '#be123c', adamw: '#0e7490' };

// Each surface: its terms as engine ops on x and y, the view, a start, a rate that suits it and its minimum.
// lr: for SGD and the momentum methods; adaptive: for AdaGrad, RMSProp, Adam and AdamW, whose
// steps are about lr in size whatever the gradient (the learning-rate field sets both).
const SURFACES = {
  bowl: { label: 'bowl: x² + y²', view: [-2, 2, -2, 2], start: [-1.5, 1.6], lr: 0.05, adaptive: 0.05, min: [0, 0] },
  ravine: { label: 'ravine: 0.1 x² + 4 y²', view: [-4, 4, -2, 2], start: [-3.5, 1], lr: 0.1, adaptive: 0.1, min: [0, 0] },
  rosenbrock: { label: 'Rosenbrock: (1 − x)² + 100 (y − x²)²', view: [-2, 2, -1, 3], start: [-1.5, 2.5], lr: 0.001, adaptive: 0.05, min: [1, 1] },
  saddle: { label: 'saddle: x² + y⁴/4 − y²/2', view: [-2, 2, -2, 2], start: [-1.8, 0.02], lr: 0.05, adaptive: 0.05, min: [0, 1] },
};
const ADAPTIVE = new Set(['adagrad', 'rmsprop', 'adam', 'adamw']);

/** The graph of one surface: weights p = (x, y) and its loss, built from the engine's ops. */
export function surfaceGraph(engine, surface, seed = 1) {
  const g = engine.graph(seed);
  const p = g.param('p', [2]);
  const one = g.input('one', [1], { batched: false }), zero = g.input('zero', [1], { batched: false });
  const x = g.op('slice', [p], { ints: [0, 0, 1] }), y = g.op('slice', [p], { ints: [0, 1, 1] });
  const sq = (a) => g.op('mse', [a, zero]); // a², as the mean of one squared difference
  const scale = (a, f) => g.op('scale', [a], { floats: [f] });
  let loss;
  if (surface === 'bowl') loss = g.op('add', [sq(x), sq(y)]);
  else if (surface === 'ravine') loss = g.op('add', [scale(sq(x), 0.1), scale(sq(y), 4)]);
  else if (surface === 'rosenbrock') loss = g.op('add', [g.op('mse', [x, one]), scale(g.op('mse', [y, g.op('mul', [x, x])]), 100)]);
  else loss = g.op('add', [sq(x), g.op('sub', [scale(sq(sq(y)), 0.25), scale(sq(y), 0.5)])]);
  g.plan(1);
  g.setValue(one, [1]).setValue(zero, [0]);
  return { g, p, loss };
}

export default {
  kind: 'optimizer-race',
  title: 'Optimizers racing on a loss surface',
  lede: 'Each dot is a pair of weights trained by one optimizer from the same start; the field shows the loss (darker is lower). Press Start, change the rate or the surface, and compare the paths.',
  topic: 'Optimizers',
  params: [
    { name: 'surface', type: 'enum', values: Object.keys(SURFACES), default: 'rosenbrock', label: 'Surface', control: 'select', labels: Object.fromEntries(Object.entries(SURFACES).map(([k, s]) => [k, s.label])) },
    { name: 'lr', type: 'number', min: 0, max: 2, default: 0, label: 'Learning rate (0: a rate that suits each)', control: 'number' },
    { name: 'optimizers', type: 'list', values: OPTIMIZERS, default: ['sgd', 'momentum', 'rmsprop', 'adam'], label: 'Racers', control: 'checks' },
    { name: 'steps', type: 'int', min: 10, max: 5000, default: 500, label: 'Steps', control: 'number' },
    { name: 'speed', type: 'int', min: 1, max: 50, default: 4, label: 'Steps per frame', control: 'range' },
  ],
  parts: ['plot', 'start', 'reset'],

  create(w) {
    const { engine } = w;
    const plotBox = w.figure('plot', 'Paths of the optimizers over the loss surface');
    const plot = createPlot(plotBox, { square: true, xLabel: 'x', yLabel: 'y', label: 'optimizer paths' });
    let racers = [], field = null, t = 0;
    const startButton = w.button('start', 'Start', () => (loop.on ? stop() : start()), { secondary: false });
    w.button('reset', 'Reset', () => (stop(), reset()));
    const legend = document.createElement('ul');
    legend.className = 'dl-legend';
    plotBox.after(legend);
    const loop = w.loop(() => {
      const s = w.state;
      for (let k = 0; k < s.speed && t < s.steps; k++, t++) for (const r of racers) step(r);
      draw();
      if (t >= s.steps || racers.every((r) => r.diverged)) return false;
    }, { onStop: () => draw() });
    const rate = (name) => w.state.lr || SURFACES[w.state.surface][ADAPTIVE.has(name) ? 'adaptive' : 'lr'];

    function step(r) {
      if (r.diverged) return;
      try {
        r.g.forward(r.loss).backward(r.loss);
        r.opt.step(rate(r.name));
        const [x, y] = r.g.value(r.p);
        if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1e6 || Math.abs(y) > 1e6) throw new Error('diverged');
        r.xs.push(x);
        r.ys.push(y);
      } catch {
        r.diverged = true;
      }
    }
    function lossAt(r) {
      return r.g.forward(r.loss).value(r.loss)[0];
    }

    function reset() {
      for (const r of racers) r.opt.dispose(), r.g.dispose();
      const s = w.state, surf = SURFACES[s.surface];
      racers = s.optimizers.map((name) => {
        const r = { name, ...surfaceGraph(engine, s.surface, s.seed), xs: [surf.start[0]], ys: [surf.start[1]], diverged: false };
        r.g.setValue(r.p, surf.start);
        r.opt = r.g.optimizer(name);
        return r;
      });
      t = 0;
      field = lossField(s.surface);
      legend.replaceChildren(...racers.map((r) => {
        const li = document.createElement('li');
        li.innerHTML = `<span class="dl-swatch" style="background:${COLORS[r.name]}"></span>`;
        li.append(r.name);
        return li;
      }));
      draw();
    }

    // the loss over a 72 x 72 grid, from the surface's own graph
    function lossField(surface) {
      const { g, p, loss } = surfaceGraph(engine, surface);
      const [x0, x1, y0, y1] = SURFACES[surface].view, n = 72, values = new Float32Array(n * n);
      for (let row = 0; row < n; row++)
        for (let col = 0; col < n; col++) {
          g.setValue(p, [x0 + ((col + 0.5) / n) * (x1 - x0), y1 - ((row + 0.5) / n) * (y1 - y0)]);
          values[row * n + col] = Math.log1p(Math.max(0, g.forward(loss).value(loss)[0] - lowest(surface)));
        }
      g.dispose();
      return { cols: n, rows: n, values };
    }

    function draw() {
      const surf = SURFACES[w.state.surface], [x0, x1, y0, y1] = surf.view;
      plot.update({
        x: [x0, x1], y: [y0, y1], field,
        paths: racers.map((r) => ({ xs: r.xs, ys: r.ys, color: COLORS[r.name] })),
        points: [{ x: surf.min[0], y: surf.min[1], color: '#fff', r: 4, label: 'minimum' }],
      });
      startButton.textContent = loop.on ? 'Pause' : t >= w.state.steps ? 'Done' : t ? 'Resume' : 'Start';
      w.summary(`Step ${t} of ${w.state.steps}. ` + racers.map((r) => `${r.name} (rate ${rate(r.name)}): ${r.diverged ? 'diverged' : `loss ${lossAt(r).toPrecision(3)} at (${r.xs.at(-1).toFixed(2)}, ${r.ys.at(-1).toFixed(2)})`}`).join('; ') + '.');
    }

    function start() {
      if (t >= w.state.steps) reset();
      loop.start();
      draw();
    }
    function stop() {
      loop.stop();
      draw();
    }
    reset();
    return {
      update(name) {
        if (name === 'speed' || name === 'steps' || name === 'lr') return draw();
        stop();
        reset();
      },
      start,
      stop,
      results: () => ({ step: t, racers: racers.map((r) => ({ name: r.name, diverged: r.diverged, x: r.xs.at(-1), y: r.ys.at(-1), loss: r.diverged ? null : lossAt(r) })) }),
      destroy() {
        for (const r of racers) r.opt.dispose(), r.g.dispose();
        plot.destroy();
      },
    };
  },
};

// (the saddle's minima are below 0: the field is drawn from the lowest value up)
const lowest = (surface) => (surface === 'saddle' ? -0.25 : 0);
