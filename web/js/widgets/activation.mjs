// activation.mjs: an activation function and its derivative, both computed by the engine: the
// curve is the op's forward pass over 401 inputs, the derivative its backward pass (the gradient
// of the mean output with respect to each input, times the count). Where the derivative is
// nearly 0 the unit saturates (sigmoid and tanh far from 0, ReLU below 0): those stretches are
// shaded, since a gradient passing through them all but vanishes.
import { FLAGS } from '../../dlplay/dlplay.mjs';
import { createPlot } from '../components/plot.mjs';

const ACTIVATIONS = ['relu', 'leakyRelu', 'elu', 'silu', 'gelu', 'softplus', 'sigmoid', 'tanh', 'step', 'linear'];
const N = 401;
const SATURATED = 0.05; // |f'| below this counts as saturated

export default {
  kind: 'activation',
  title: 'Activation functions and their derivatives',
  lede: 'The curve is f(x); the dashed curve is its derivative f′(x), what backpropagation multiplies a gradient by. Shaded: where f′ is nearly 0 and learning stalls.',
  topic: 'Activations',
  params: [
    { name: 'activation', type: 'enum', values: ACTIVATIONS, default: 'relu', label: 'Activation', control: 'select' },
    { name: 'alpha', type: 'number', min: 0, max: 3, default: 0.1, step: 0.01, label: 'α (leaky slope, ELU scale)', control: 'range', when: (s) => s.activation === 'leakyRelu' || s.activation === 'elu' },
    { name: 'beta', type: 'number', min: 0.1, max: 10, default: 1, step: 0.1, label: 'β (Swish, softplus sharpness)', control: 'range', when: (s) => s.activation === 'silu' || s.activation === 'softplus' },
    { name: 'compare', type: 'enum', values: ['none', ...ACTIVATIONS], default: 'none', label: 'Compare with', control: 'select' },
    { name: 'range', type: 'number', min: 1, max: 20, default: 5, step: 0.5, label: 'x from −r to r', control: 'range' },
    { name: 'derivative', type: 'bool', default: true, label: 'Show the derivative', control: 'check' },
  ],
  parts: ['plot'],

  create(w) {
    const { engine } = w;
    const plot = createPlot(w.figure('plot', 'f(x) solid, f′(x) dashed; shaded where |f′(x)| < 0.05'), { height: 260, xLabel: 'x', label: 'activation and derivative' });
    let last = null;

    // f and f' of one activation over xs, from one forward and one backward pass of a graph
    function curves(name, xs) {
      const act = engine.catalog.activations.find((a) => a.name === name);
      const g = engine.graph(w.state.seed);
      try {
        const x = g.input('x', [1]);
        const option = act.option ? [w.state[act.option.name]] : [];
        const y = act.op ? g.op(act.op, [x], { floats: option }) : x;
        const mean = g.op('critic_mean', [y], { floats: [1] });
        g.plan(N).setBatch(N).setFlags(x, FLAGS.requiresGrad);
        g.setValue(x, xs).forward(mean).backward(mean);
        return { f: g.value(y), d: g.grad(x).map((v) => v * N) };
      } finally {
        g.dispose();
      }
    }

    function update() {
      const s = w.state, r = s.range;
      const xs = Float32Array.from({ length: N }, (_, i) => -r + (2 * r * i) / (N - 1));
      const main = curves(s.activation, xs);
      const lines = [{ xs, ys: main.f, color: '#2f6fde', name: s.activation }];
      if (s.derivative) lines.push({ xs, ys: main.d, color: '#c2410c', dashed: true });
      let other = null;
      if (s.compare !== 'none') {
        other = curves(s.compare, xs);
        lines.push({ xs, ys: other.f, color: '#6b7280', width: 1.5 });
        if (s.derivative) lines.push({ xs, ys: other.d, color: '#6b7280', dashed: true, width: 1.5 });
      }
      // saturated stretches: runs of x where |f'| < SATURATED
      const bands = [];
      for (let i = 0; i < N; i++) {
        if (Math.abs(main.d[i]) >= SATURATED) continue;
        const from = i;
        while (i + 1 < N && Math.abs(main.d[i + 1]) < SATURATED) i++;
        bands.push({ from: xs[from], to: xs[i], color: 'rgba(194, 65, 12, 0.10)' });
      }
      let lo = Math.min(...main.f, ...(s.derivative ? main.d : []), ...(other?.f ?? [])), hi = Math.max(...main.f, ...(s.derivative ? main.d : []), ...(other?.f ?? []));
      lo = Math.max(lo, -r * 1.2);
      hi = Math.min(hi, r * 1.2);
      const pad = 0.1 * (hi - lo || 1);
      plot.update({ x: [-r, r], y: [lo - pad, hi + pad], lines, bands });

      const at = (x) => {
        const i = Math.round(((x + r) / (2 * r)) * (N - 1));
        return i >= 0 && i < N ? i : null;
      };
      const read = (x) => (at(x) == null ? '' : `f(${x}) = ${num(main.f[at(x)])}, f′(${x}) = ${num(main.d[at(x)])}`);
      const saturatedShare = bands.reduce((a, b) => a + (b.to - b.from), 0) / (2 * r);
      last = { activation: s.activation, f0: main.f[at(0)], d0: main.d[at(0)], saturated: saturatedShare };
      w.summary(`${s.activation}: ${[read(-2), read(0), read(2)].filter(Boolean).join('; ')}. Saturated (|f′| < ${SATURATED}) on ${Math.round(100 * saturatedShare)}% of the range shown.`);
    }
    update();
    return { update, results: () => last, destroy: () => plot.destroy() };
  },
};

const num = (v) => (Math.abs(v) < 5e-4 ? '0' : v.toFixed(3));
