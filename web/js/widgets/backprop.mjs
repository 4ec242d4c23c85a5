// backprop.mjs: one training step of a 2-2-1 network, shown in full and stepped by the learner:
// the forward values, the loss, the gradient on every weight, and the update. All numbers are
// the engine's: the forward pass (values read before backward, which reuses their memory), the
// backward pass (each weight's gradient; a unit's delta, dL/dz, is its bias's gradient), and one
// SGD step. The text writes each chain-rule product out with those numbers.
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';

const PHASES = ['inputs', 'hidden units', 'output and loss', 'output delta', 'output weights\' gradients', 'hidden deltas', 'hidden weights\' gradients', 'update'];

export default {
  kind: 'backprop',
  title: 'Backpropagation, one step in full',
  lede: 'A network with two inputs, two hidden units and one output learns from a single example. Press Next to go forward to the loss, back through every weight with the chain rule, and take the step.',
  topic: 'Backpropagation',
  params: [
    { name: 'x1', type: 'number', min: -2, max: 2, step: 0.05, default: 0.05, label: 'Input x₁', control: 'range' },
    { name: 'x2', type: 'number', min: -2, max: 2, step: 0.05, default: 0.1, label: 'Input x₂', control: 'range' },
    { name: 'target', type: 'number', min: 0, max: 1, step: 0.01, default: 0.99, label: 'Target t', control: 'range' },
    { name: 'activation', type: 'enum', values: ['sigmoid', 'tanh'], default: 'sigmoid', label: 'Hidden activation', control: 'select' },
    { name: 'lr', type: 'number', min: 0.01, max: 5, default: 0.5, label: 'Learning rate', control: 'number' },
  ],
  parts: ['network', 'math', 'next', 'again'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box, canvas } = w.canvasFigure('network', 'The network: values in the units, weights on the edges; in the backward phases, the gradients in orange', { wide: true });
    const math = w.figure('math', 'This phase, with its numbers', { wide: true });
    math.className = 'dl-formula';
    const next = w.button('next', 'Next', () => ((phase = Math.min(PHASES.length - 1, phase + 1)), draw()), { secondary: false });
    w.button('again', 'Next example step', () => (step(), draw()));
    let phase = 0, width = 0, g, n, s0, steps = 0;
    const stopWatch = watchWidth(box, (px) => ((width = px), draw()));

    function build() {
      g?.dispose();
      const s = w.state;
      g = engine.graph(s.seed);
      const x = g.input('x', [2]), t = g.input('t', [1]);
      const W1 = g.param('W1', [2, 2], { init: 'xavier_normal' }), b1 = g.param('b1', [2], { init: 'normal', a: 0, b: 0.1 });
      const z1 = g.op('dense', [x, W1, b1]), h = g.op(s.activation, [z1]);
      const W2 = g.param('W2', [2, 1], { init: 'xavier_normal' }), b2 = g.param('b2', [1], { init: 'normal', a: 0, b: 0.1 });
      const z2 = g.op('dense', [h, W2, b2]), y = g.op('sigmoid', [z2]);
      const loss = g.op('mse', [y, t]);
      g.plan(1).setBatch(1);
      n = { x, t, W1, b1, z1, h, W2, b2, z2, y, loss, opt: g.optimizer('sgd') };
      steps = 0;
      snapshot();
    }

    // one forward and backward pass at the current weights, and the weights after the SGD step
    function snapshot() {
      const s = w.state;
      g.setValue(n.x, [s.x1, s.x2]).setValue(n.t, [s.target]);
      g.forward(n.loss);
      const fwd = { z1: g.value(n.z1), h: g.value(n.h), z2: g.value(n.z2)[0], y: g.value(n.y)[0], loss: g.value(n.loss)[0] };
      const W1 = g.value(n.W1), b1 = g.value(n.b1), W2 = g.value(n.W2), b2 = g.value(n.b2);
      g.backward(n.loss);
      const grad = { W1: g.grad(n.W1), b1: g.grad(n.b1), W2: g.grad(n.W2), b2: g.grad(n.b2) };
      n.opt.step(s.lr);
      const after = { W1: g.value(n.W1), b1: g.value(n.b1), W2: g.value(n.W2), b2: g.value(n.b2) };
      g.setValue(n.W1, W1).setValue(n.b1, b1).setValue(n.W2, W2).setValue(n.b2, b2); // (the step is taken by "Next example step")
      s0 = { ...fwd, W1, b1, W2, b2, grad, after, x: [s.x1, s.x2], t: s.target };
      phase = 0;
    }

    function step() { // take the update for real and show the next step from the new weights
      for (const k of ['W1', 'b1', 'W2', 'b2']) g.setValue(n[k], s0.after[k]);
      steps++;
      snapshot();
    }

    function draw() {
      if (!s0) return;
      // the text first: it does not wait for the canvas to have a width
      math.textContent = explain();
      next.disabled = phase === PHASES.length - 1;
      w.summary(`Step ${steps + 1}, phase ${phase + 1} of ${PHASES.length} (${PHASES[phase]}). Loss ${s0.loss.toFixed(4)}; output y = ${s0.y.toFixed(4)} for target ${w.state.target}.`);
      if (!width) return;
      const s = w.state, h = 240, ctx = fitCanvas(canvas, width, h), f = (v) => v.toFixed(4);
      ctx.clearRect(0, 0, width, h);
      ctx.font = '12px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const X = [60, width / 2, width - 70], pos = { in: [[X[0], 70], [X[0], 170]], hid: [[X[1], 70], [X[1], 170]], out: [[X[2], 120]] };
      const back = phase >= 3, showGrad = (k) => (k === 'W2' ? phase >= 4 : k === 'W1' ? phase >= 6 : false);
      const edge = ([ax, ay], [bx, by], wv, gv, k, on) => {
        ctx.strokeStyle = on ? '#1d2330' : '#c9ced8';
        ctx.lineWidth = 1 + Math.min(4, Math.abs(wv) * 2);
        ctx.beginPath();
        ctx.moveTo(ax + 22, ay);
        ctx.lineTo(bx - 22, by);
        ctx.stroke();
        // (labels of crossing edges apart: a falling edge's near its start, a rising one's near its end)
        const at = by > ay ? 0.25 : by < ay ? 0.75 : 0.45, mx = ax + (bx - ax) * at, my = ay + (by - ay) * at - 10;
        label(`w ${wv.toFixed(3)}`, mx, my, '#1d2330');
        if (showGrad(k)) label(`∂L/∂w ${gv.toFixed(4)}`, mx, my + 14, '#c2410c');
      };
      // text on a pale patch, readable over the edges it crosses
      const label = (text, x, y, color) => {
        const tw = ctx.measureText(text).width + 6;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
        ctx.fillRect(x - tw / 2, y - 7, tw, 14);
        ctx.fillStyle = color;
        ctx.fillText(text, x, y);
      };
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) edge(pos.in[i], pos.hid[j], s0.W1[i * 2 + j], s0.grad.W1[i * 2 + j], 'W1', phase >= 1);
      for (let j = 0; j < 2; j++) edge(pos.hid[j], pos.out[0], s0.W2[j], s0.grad.W2[j], 'W2', phase >= 2);
      const node = ([x, y], top, bottom, lit, delta) => {
        ctx.beginPath();
        ctx.arc(x, y, 22, 0, 2 * Math.PI);
        ctx.fillStyle = lit ? '#eef3fc' : '#f4f5f8';
        ctx.fill();
        ctx.strokeStyle = delta != null ? '#c2410c' : '#5b6475';
        ctx.lineWidth = delta != null ? 2.5 : 1;
        ctx.stroke();
        ctx.fillStyle = '#1d2330';
        ctx.fillText(top, x, y - 6);
        ctx.fillText(bottom, x, y + 8);
        if (delta != null) {
          ctx.fillStyle = '#c2410c';
          ctx.fillText(`δ ${delta.toFixed(4)}`, x, y + 36);
        }
      };
      node(pos.in[0], 'x₁', f(s0.x[0]), true);
      node(pos.in[1], 'x₂', f(s0.x[1]), true);
      for (let j = 0; j < 2; j++) node(pos.hid[j], `h${j + 1}`, phase >= 1 ? f(s0.h[j]) : '?', phase >= 1, phase >= 5 ? s0.grad.b1[j] : null);
      node(pos.out[0], 'y', phase >= 2 ? f(s0.y) : '?', phase >= 2, back ? s0.grad.b2[0] : null);
      if (phase >= 2) {
        ctx.fillStyle = '#1d2330';
        ctx.fillText(`L = ${f(s0.loss)}`, X[2], 205);
      }
      canvas.setAttribute('aria-label', `a 2-2-1 network, phase: ${PHASES[phase]}`);
    }

    // the phase's arithmetic, each product written with the engine's numbers
    function explain() {
      const s = w.state, f = (v) => v.toFixed(4), d = s0, act = s.activation;
      const dAct = (hv) => (act === 'sigmoid' ? hv * (1 - hv) : 1 - hv * hv), dOut = d.y * (1 - d.y);
      const dY = 2 * (d.y - d.t); // d/dy of (y - t)^2, the mean of one element
      switch (phase) {
        case 0: return `The example: x = (${f(d.x[0])}, ${f(d.x[1])}), target t = ${s.target}.`;
        case 1: return [0, 1].map((j) => `z${j + 1} = x₁·${f(d.W1[j])} + x₂·${f(d.W1[2 + j])} + ${f(d.b1[j])} = ${f(d.z1[j])};  h${j + 1} = ${act}(z${j + 1}) = ${f(d.h[j])}`).join('\n');
        case 2: return `z = h₁·${f(d.W2[0])} + h₂·${f(d.W2[1])} + ${f(d.b2[0])} = ${f(d.z2)};  y = σ(z) = ${f(d.y)}\nL = (y − t)² = (${f(d.y)} − ${s.target})² = ${f(d.loss)}`;
        case 3: return `δ = ∂L/∂z = ∂L/∂y · σ′(z) = 2(y − t) · y(1 − y) = ${f(dY)} · ${f(dOut)} = ${f(d.grad.b2[0])}\n(the engine's gradient of the output bias, which is δ itself)`;
        case 4: return [0, 1].map((j) => `∂L/∂w(h${j + 1}→y) = δ · h${j + 1} = ${f(d.grad.b2[0])} · ${f(d.h[j])} = ${f(d.grad.W2[j])}`).join('\n');
        case 5: return [0, 1].map((j) => `δ${j + 1} = δ · w(h${j + 1}→y) · ${act}′(z${j + 1}) = ${f(d.grad.b2[0])} · ${f(d.W2[j])} · ${f(dAct(d.h[j]))} = ${f(d.grad.b1[j])}`).join('\n');
        case 6: return [0, 1].flatMap((i) => [0, 1].map((j) => `∂L/∂w(x${i + 1}→h${j + 1}) = δ${j + 1} · x${i + 1} = ${f(d.grad.b1[j])} · ${f(d.x[i])} = ${f(d.grad.W1[i * 2 + j])}`)).join('\n');
        default: return `w ← w − ${s.lr} · ∂L/∂w, for every weight and bias; for example w(h1→y): ${f(d.W2[0])} − ${s.lr} · ${f(d.grad.W2[0])} = ${f(d.after.W2[0])}.\n"Next example step" takes this step and starts again from the new weights.`;
      }
    }

    build();
    draw();
    return {
      update: () => (build(), draw()),
      results: () => ({ phase, steps, ...s0, W1: [...s0.W1], W2: [...s0.W2], b1: [...s0.b1], b2: [...s0.b2], z1: [...s0.z1], h: [...s0.h], grad: Object.fromEntries(Object.entries(s0.grad).map(([k, v]) => [k, [...v]])), after: Object.fromEntries(Object.entries(s0.after).map(([k, v]) => [k, [...v]])) }),
      destroy: () => (stopWatch(), n?.opt.dispose(), g?.dispose()),
    };
  },
};
