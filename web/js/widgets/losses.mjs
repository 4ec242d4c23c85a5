// losses.mjs: each loss as a function of one prediction, with its gradient, both from the
// engine (the loss op's forward and backward pass at 201 predictions). Losses on a probability
// (squared error, cross-entropy, KL) share one axis; losses on a score (logistic, hinge,
// perceptron) another, with the label t = ±1.
import { FLAGS } from '../../dlplay/dlplay.mjs';
import { createPlot } from '../components/plot.mjs';

// op: the engine's op; on: 'p' (a probability, target q in [0, 1]) or 's' (a score, label ±1)
const LOSSES = {
  mse: { op: 'mse', on: 'p', label: 'squared error (p − q)²' },
  bce: { op: 'bce', on: 'p', label: 'cross-entropy −q ln p − (1 − q) ln(1 − p)' },
  kl: { op: 'bce', on: 'p', label: 'KL(q ‖ p): cross-entropy minus the entropy of q' },
  logistic: { op: 'bce_logits', on: 's', label: 'logistic: cross-entropy of σ(s)' },
  hinge: { op: 'hinge', on: 's', label: 'hinge max(0, 1 − t s)' },
  perceptron: { op: 'perceptron', on: 's', label: 'perceptron max(0, −t s)' },
};
const COLORS = { mse: '#2f6fde', bce: '#c2410c', kl: '#15803d', logistic: '#c2410c', hinge: '#7e22ce', perceptron: '#1d2330' };
const N = 201;

export default {
  kind: 'losses',
  title: 'Loss functions and their gradients',
  lede: 'How much each loss charges for a prediction, and its gradient: the push training gives the prediction. Probabilities are compared with a target q; scores with a label t = ±1.',
  topic: 'Losses and softmax',
  params: [
    { name: 'loss', type: 'enum', values: Object.keys(LOSSES), default: 'bce', label: 'Loss', control: 'select', labels: Object.fromEntries(Object.entries(LOSSES).map(([k, l]) => [k, l.label])) },
    { name: 'target', type: 'number', min: 0, max: 1, step: 0.05, default: 1, label: 'Target q (scores: t = +1 when q ≥ 0.5, else −1)', control: 'range' },
    { name: 'others', type: 'bool', default: true, label: 'Show the other losses on this axis', control: 'check' },
    { name: 'gradient', type: 'bool', default: true, label: 'Show the gradient', control: 'check' },
  ],
  parts: ['plot'],

  create(w) {
    const { engine } = w;
    const plot = createPlot(w.figure('plot', 'The loss (solid) and its gradient with respect to the prediction (dashed)'), { height: 280, label: 'loss and gradient' });
    let last = null;

    // the loss and its gradient at each prediction, one forward and backward pass each
    function curve(name, xs, q) {
      const l = LOSSES[name], g = engine.graph(1);
      try {
        const pred = g.input('pred', [1]), target = g.input('target', [1]);
        const loss = g.op(l.op, [pred, target]);
        g.plan(1).setBatch(1).setFlags(pred, FLAGS.requiresGrad);
        const t = l.on === 's' ? (l.op === 'bce_logits' ? (q >= 0.5 ? 1 : 0) : q >= 0.5 ? 1 : -1) : q;
        g.setValue(target, [t]);
        // KL(q || p) = H(q, p) - H(q): the entropy of q does not depend on p (same gradient)
        const h = name === 'kl' ? -[q, 1 - q].reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0) : 0;
        const f = new Float32Array(xs.length), d = new Float32Array(xs.length);
        xs.forEach((x, i) => {
          g.setValue(pred, [x]).forward(loss).backward(loss);
          f[i] = g.value(loss)[0] - h;
          d[i] = g.grad(pred)[0];
        });
        return { f, d };
      } finally {
        g.dispose();
      }
    }

    function update() {
      const s = w.state, on = LOSSES[s.loss].on;
      const [x0, x1] = on === 'p' ? [0.005, 0.995] : [-3, 3];
      const xs = Float32Array.from({ length: N }, (_, i) => x0 + ((x1 - x0) * i) / (N - 1));
      const names = Object.keys(LOSSES).filter((k) => LOSSES[k].on === on && (s.others || k === s.loss));
      const lines = [];
      const all = {};
      for (const k of names) {
        const c = (all[k] = curve(k, xs, s.target)), main = k === s.loss;
        lines.push({ xs, ys: c.f, color: main ? COLORS[k] : '#9aa3b2', width: main ? 2.5 : 1.5 });
        if (s.gradient && main) lines.push({ xs, ys: c.d, color: COLORS[k], dashed: true });
      }
      const main = all[s.loss];
      plot.update({ x: [on === 'p' ? 0 : -3, on === 'p' ? 1 : 3], y: on === 'p' ? [-4, 5] : [-2, 4.5], lines, vline: on === 'p' ? [s.target] : [] });
      const probe = on === 'p' ? [0.1, 0.5, 0.9] : [-1, 0, 1, 2];
      const at = (v) => Math.round(((v - x0) / (x1 - x0)) * (N - 1));
      last = { loss: s.loss, at: probe.map((v) => ({ x: v, loss: main.f[at(v)], gradient: main.d[at(v)] })) };
      const t = on === 's' ? `t = ${s.target >= 0.5 ? '+1' : '−1'}` : `q = ${s.target}`;
      w.summary(`${s.loss}, ${t}: ` + last.at.map((r) => `at ${on} = ${r.x}: loss ${r.loss.toFixed(3)}, gradient ${r.gradient.toFixed(3)}`).join('; ') + '.');
    }
    update();
    return { update, results: () => last, destroy: () => plot.destroy() };
  },
};
