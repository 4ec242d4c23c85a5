// bptt.mjs: backpropagation through time on a recurrent net small enough to write out: one input,
// two tanh units, unrolled over T steps, trained to give back its first input at the last step.
// The learner steps forward one time step at a time, then back one at a time, and watches the
// gradient's size at each step: scaled-down recurrent weights make it vanish on the way back,
// scaled-up ones make it grow (until tanh saturates).
//
// All numbers are the engine's. The unrolled net is built from primitive ops (select, dense, add,
// tanh), one node per step, on one shared Wx, Wh and b. The engine keeps no gradient of an inner
// node (backward reuses that memory), but it keeps the gradient of an input that asks for one; so
// each step passes through zero-valued probe inputs that change no value and whose gradients are
// the ones wanted: a probe added to h_t has gradient dL/dh_t, one added to z_t has
// delta_t = dL/dz_t, and a probe added to Wh where step t reads it has step t's share of dL/dWh
// (the engine sums the shares into Wh's own gradient, as it does for any shared weight).
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { FLAGS } from '../../dlplay/dlplay.mjs';
import { mulberry32 } from '../../dlplay/random.mjs';

const H = 2; // hidden units
const INK = '#1d2330', MUTED = '#5b6475', FADED = '#c9ced8', BACK = '#c2410c', NOW = '#1d4ed8';
const sub = (n) => String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[d]);

/** The phases for T steps: the sequence, T forward steps, the loss, T backward steps (T down to 1), the update. */
const phaseNames = (T) => ['the sequence', ...range(T).map((t) => `forward, step ${t}`), 'output and loss', ...range(T).reverse().map((t) => `backward, step ${t}`), 'update'];
const range = (T) => Array.from({ length: T }, (_, i) => i + 1);

/** How the gradient's size changed from the last step back to the first, in words. */
function verdict(ratio) {
  if (!Number.isFinite(ratio)) return 'cannot be followed (none reaches the last step: the loss is at its minimum or w is 0)';
  if (ratio < 0.1) return 'vanishes';
  if (ratio < 0.9) return 'shrinks';
  if (ratio <= 1.1) return 'keeps its size';
  return ratio > 10 ? 'explodes' : 'grows';
}

export default {
  kind: 'bptt',
  title: 'Backpropagation through time',
  lede: 'A recurrent net with two tanh units reads a short sequence and must give back its first input at the last step. Press Next to run it forward one time step at a time, then back through time, step by step, to the shared weights. Scale the recurrent weights and watch the gradient vanish or grow on its way back.',
  topic: 'Recurrent networks',
  params: [
    { name: 'steps', type: 'int', min: 2, max: 8, default: 4, label: 'Time steps T', control: 'range' },
    { name: 'scale', type: 'number', min: 0.25, max: 3, step: 0.05, default: 1, label: 'Recurrent weight scale', control: 'range' },
    { name: 'x1', type: 'number', min: -1, max: 1, step: 0.05, default: 0.3, label: 'First input x₁ (to remember)', control: 'range' },
    { name: 'spread', type: 'number', min: 0, max: 1, step: 0.05, default: 0.2, label: 'Later inputs: spread', control: 'range' },
    { name: 'lr', type: 'number', min: 0.01, max: 5, default: 0.1, label: 'Learning rate', control: 'number' },
  ],
  parts: ['unrolled', 'math', 'next', 'again'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box, canvas } = w.canvasFigure('unrolled', 'The net unrolled in time: inputs on top, hidden states h₀, h₁, … (the same Wh on every arrow between them), the output; below, the size of ∂L/∂hₜ at each step, filled in orange as the backward pass reaches it', { wide: true });
    const math = w.figure('math', 'This phase, with its numbers', { wide: true });
    math.className = 'dl-formula';
    const next = w.button('next', 'Next', () => ((phase = Math.min(names.length - 1, phase + 1)), draw()), { secondary: false });
    w.button('again', 'Take the step', () => (step(), draw()));
    let phase = 0, width = 0, steps = 0, net, d, names;
    const stopWatch = watchWidth(box, (px) => ((width = px), draw()));

    // The unrolled net: h_t = tanh(x_t Wx + h_(t-1) Wh + b), y = h_T w + c, L = (y - x_1)^2.
    function build() {
      net?.opt.dispose();
      net?.g.dispose();
      const s = w.state, T = s.steps, g = engine.graph(s.seed);
      const probe = (name, shape, batched = true) => {
        const p = g.input(name, shape, { batched });
        g.setFlags(p, FLAGS.requiresGrad);
        return p;
      };
      const x = g.input('x', [T, 1]), target = g.input('target', [1]), h0 = g.input('h0', [H]);
      const Wx = g.param('Wx', [1, H], { init: 'xavier_uniform' }), Wh = g.param('Wh', [H, H], { init: 'orthogonal' });
      const b = g.param('b', [H], { init: 'zeros' });
      const wOut = g.param('w', [H, 1], { init: 'xavier_uniform' }), c = g.param('c', [1], { init: 'zeros' });
      const at = [];
      let h = h0;
      for (let t = 1; t <= T; t++) {
        const xt = g.op('select', [x], { ints: [1, t - 1] });
        const share = probe(`Wh at step ${t}`, [H, H], false);
        const z = g.op('add', [g.op('dense', [xt, Wx, b]), g.op('dense', [h, g.op('add', [Wh, share])])]);
        const dz = probe(`z${t} probe`, [H]), a = g.op('tanh', [g.op('add', [z, dz])]), dh = probe(`h${t} probe`, [H]);
        h = g.op('add', [a, dh]);
        at.push({ z, a, dz, dh, share });
      }
      const y = g.op('dense', [h, wOut, c]), loss = g.op('mse', [y, target]);
      g.plan(1).setBatch(1);
      g.setValue(Wh, Array.from(g.value(Wh), (v) => v * s.scale)); // an orthogonal Wh times the scale: every direction stretched alike
      // x_1 is the learner's; the later inputs are the seed's, in ±spread
      const rand = mulberry32(s.seed);
      const xs = [s.x1, ...range(T - 1).map(() => s.spread * (2 * rand() - 1))];
      net = { g, x, target, h0, Wx, Wh, b, w: wOut, c, at, y, loss, xs, opt: g.optimizer('sgd') };
      names = phaseNames(T);
      steps = 0;
      snapshot();
    }

    // one forward and backward pass at the current weights, and the weights one SGD step later
    function snapshot() {
      const { g, at, xs } = net, zero = (n) => new Array(n).fill(0), P = ['Wx', 'Wh', 'b', 'w', 'c'];
      g.setValue(net.x, xs).setValue(net.target, [xs[0]]).setValue(net.h0, zero(H));
      for (const st of at) g.setValue(st.share, zero(H * H)).setValue(st.dz, zero(H)).setValue(st.dh, zero(H));
      g.forward(net.loss);
      const read = (id) => [...g.value(id)], grad = (id) => [...g.grad(id)];
      const fwd = { z: at.map((st) => read(st.z)), h: at.map((st) => read(st.a)), y: read(net.y)[0], loss: read(net.loss)[0] };
      const weights = Object.fromEntries(P.map((k) => [k, read(net[k])]));
      g.backward(net.loss);
      const dh = at.map((st) => grad(st.dh)), norms = dh.map((v) => Math.hypot(...v));
      const back = { dh, norms, ratio: norms[0] / norms.at(-1), delta: at.map((st) => grad(st.dz)), share: at.map((st) => grad(st.share)) };
      const gradient = Object.fromEntries(P.map((k) => [k, grad(net[k])]));
      try {
        net.opt.step(w.state.lr);
        w.status('');
      } catch (e) { // (a non-finite gradient: the engine refuses the step and changes nothing)
        w.status(`The step was refused: ${e.message}`, true);
      }
      const after = Object.fromEntries(P.map((k) => [k, read(net[k])]));
      for (const k of P) g.setValue(net[k], weights[k]); // (the step is taken by "Take the step")
      d = { T: xs.length, xs: [...xs], target: xs[0], ...weights, ...fwd, ...back, grad: gradient, after };
      phase = 0;
    }

    function step() {
      for (const k of ['Wx', 'Wh', 'b', 'w', 'c']) net.g.setValue(net[k], d.after[k]);
      steps++;
      snapshot();
    }

    // which step the phase is at: forward t (1..T), the loss, backward t (T..1), or the update
    const where = () => {
      const T = d.T;
      if (phase === 0) return { kind: 'start' };
      if (phase <= T) return { kind: 'forward', t: phase };
      if (phase === T + 1) return { kind: 'loss' };
      if (phase <= 2 * T + 1) return { kind: 'backward', t: 2 * T + 2 - phase };
      return { kind: 'update' };
    };

    function draw() {
      if (!d) return;
      math.textContent = explain();
      next.disabled = phase === names.length - 1;
      const T = d.T, ratio = d.ratio;
      w.summary(`Step ${steps + 1}, phase ${phase + 1} of ${names.length} (${names[phase]}). T = ${T}, recurrent weight scale ${w.state.scale}: output y = ${d.y.toFixed(4)} for target ${d.target}, loss ${d.loss.toFixed(4)}. ` +
        `‖∂L/∂h₁‖ / ‖∂L/∂h${sub(T)}‖ = ${sig(d.norms[0])} / ${sig(d.norms[T - 1])} = ${sig(ratio)}: the gradient ${verdict(ratio)} on its way back through time.`);
      const seen = where(), known = (t) => seen.kind === 'update' || (seen.kind === 'backward' && t >= seen.t);
      canvas.setAttribute('aria-label', `The net unrolled over ${T} steps, phase: ${names[phase]}. ` +
        (range(T).some(known) ? `Gradient sizes ‖∂L/∂hₜ‖ found so far: ${range(T).filter(known).map((t) => `step ${t}: ${sig(d.norms[t - 1])}`).join(', ')}.` : 'No gradients yet.'));
      if (width) paint(seen, known);
    }

    function paint(seen, known) {
      const T = d.T, h = 300, ctx = fitCanvas(canvas, width, h);
      ctx.clearRect(0, 0, width, h);
      const left = 8, colW = (width - left - 8) / (T + 2), cx = (t) => left + colW * (t + 0.5);
      const bw = Math.min(colW - 12, 78), roomy = bw >= 44, wideCols = colW >= 64, hy = 96, bh = roomy ? 50 : 30;
      const reached = (t) => (seen.kind === 'forward' ? t <= seen.t : seen.kind !== 'start') || t === 0;
      const font = (px, bold = false) => (ctx.font = `${bold ? '600 ' : ''}${px}px system-ui, sans-serif`);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const arrow = (x0, y0, x1, y1, color, lw = 1.5) => {
        ctx.strokeStyle = ctx.fillStyle = color;
        ctx.lineWidth = lw;
        ctx.beginPath();
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        ctx.stroke();
        const a = Math.atan2(y1 - y0, x1 - x0), k = 5 + 2 * lw;
        ctx.beginPath();
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - k * Math.cos(a - 0.45), y1 - k * Math.sin(a - 0.45));
        ctx.lineTo(x1 - k * Math.cos(a + 0.45), y1 - k * Math.sin(a + 0.45));
        ctx.fill();
      };
      const boxAt = (x, y, lines, { lit, now, back }) => {
        ctx.fillStyle = lit ? '#eef3fc' : '#f4f5f8';
        ctx.fillRect(x - bw / 2, y - bh / 2, bw, bh);
        ctx.strokeStyle = back ? BACK : now ? NOW : MUTED;
        ctx.lineWidth = back || now ? 2.5 : 1;
        ctx.strokeRect(x - bw / 2, y - bh / 2, bw, bh);
        ctx.fillStyle = INK;
        const shown = roomy ? lines : lines.slice(0, 1);
        shown.forEach((text, i) => (font(i ? 11 : 12, !i), ctx.fillText(text, x, y + (i - (shown.length - 1) / 2) * 14)));
      };

      // forward: inputs, states, output
      for (let t = 1; t <= T; t++) {
        const on = reached(t);
        font(wideCols ? 12 : 11);
        ctx.fillStyle = INK;
        ctx.fillText(wideCols ? `x${sub(t)} = ${d.xs[t - 1].toFixed(2)}` : `x${sub(t)}`, cx(t), 18);
        arrow(cx(t), 28, cx(t), hy - bh / 2 - 2, on ? INK : FADED);
        arrow(cx(t - 1) + bw / 2, hy, cx(t) - bw / 2 - 1, hy, on ? INK : FADED, 1 + Math.min(3, Math.hypot(...d.Wh) / Math.SQRT2)); // (as thick as Wh is strong: its scale, while it is a scaled orthogonal matrix)
        if (colW - bw >= 26 && t === 1) (font(11), (ctx.fillStyle = MUTED), ctx.fillText('Wh', (cx(0) + cx(1)) / 2, hy - 12));
      }
      for (let t = 0; t <= T; t++) {
        const v = t ? d.h[t - 1] : [0, 0], on = reached(t) && t > 0;
        boxAt(cx(t), hy, [`h${sub(t)}`, ...(t === 0 || on ? v.map((u) => u.toFixed(3)) : ['?', '?'])],
          { lit: on, now: seen.kind === 'forward' && seen.t === t, back: seen.kind === 'backward' && seen.t === t });
      }
      const out = seen.kind !== 'start' && seen.kind !== 'forward';
      arrow(cx(T) + bw / 2, hy, cx(T + 1) - bw / 2 - 1, hy, out ? INK : FADED);
      boxAt(cx(T + 1), hy, ['y', out ? d.y.toFixed(3) : '?'], { lit: out, now: seen.kind === 'loss' });
      // backward: the gradient's path so far, right to left, under the boxes
      const by = hy + bh / 2 + 12;
      if (out) {
        font(12);
        ctx.fillStyle = INK;
        ctx.textAlign = 'right';
        ctx.fillText(`L = ${d.loss.toFixed(4)}`, width - 4, by + 16);
        ctx.textAlign = 'center';
      }
      if (seen.kind === 'backward' || seen.kind === 'update') {
        const from = seen.kind === 'update' ? 1 : seen.t;
        arrow(cx(T + 1) - bw / 2 + 4, by, cx(T) + bw / 2 - 4, by, BACK, 2);
        for (let t = T; t > from; t--) arrow(cx(t) - bw / 2 + 4, by, cx(t - 1) + bw / 2 - 4, by, BACK, 2);
      }

      // the size of dL/dh_t at each step, on one scale for the whole pass
      const top = 170, base = h - 24, most = Math.max(...d.norms), barW = Math.min(colW * 0.5, 36);
      font(12, true);
      ctx.fillStyle = INK;
      ctx.textAlign = 'left';
      ctx.fillText('‖∂L/∂hₜ‖', left, top - 14);
      ctx.textAlign = 'center';
      ctx.strokeStyle = MUTED;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(cx(1) - colW / 2, base);
      ctx.lineTo(cx(T) + colW / 2, base);
      ctx.stroke();
      if (!range(T).some(known)) {
        font(12);
        ctx.fillStyle = MUTED;
        ctx.fillText('filled in on the way back', (cx(1) + cx(T)) / 2, (top + base) / 2);
      }
      for (let t = 1; t <= T; t++) {
        font(11);
        ctx.fillStyle = MUTED;
        ctx.fillText(colW >= 48 ? `step ${t}` : String(t), cx(t), base + 12);
        if (!known(t)) continue;
        const n = d.norms[t - 1], bar = Number.isFinite(n) && most > 0 ? ((base - top - 16) * n) / most : 0;
        ctx.fillStyle = BACK;
        ctx.fillRect(cx(t) - barW / 2, base - bar, barW, bar);
        font(colW >= 44 ? 11 : 9);
        ctx.fillStyle = INK;
        ctx.fillText(sig(n), cx(t), base - bar - 8);
      }
    }

    // the phase's arithmetic, with the engine's numbers
    function explain() {
      const f = (v) => v.toFixed(3), vec = (v) => `(${v.map(f).join(', ')})`, mat = (m) => `[[${f(m[0])}, ${f(m[1])}], [${f(m[2])}, ${f(m[3])}]]`;
      const T = d.T, s = w.state, at = where(), hPrev = (t) => (t > 1 ? d.h[t - 2] : [0, 0]);
      switch (at.kind) {
        case 'start':
          return `The sequence x = ${vec(d.xs)}: the net reads it one number per step and must output x₁ = ${f(d.target)} after step ${T}.\n` +
            `Its weights, the same at every step: Wx = ${vec(d.Wx)}, Wh = ${mat(d.Wh)} (${steps ? `after ${steps} step${steps > 1 ? 's' : ''} from` : ''} an orthogonal matrix times ${s.scale}), b = ${vec(d.b)}; output w = ${vec(d.w)}, c = ${f(d.c[0])}. h₀ = (0, 0).`;
        case 'forward': {
          const t = at.t, hp = hPrev(t);
          return `h${sub(t)} = tanh(x${sub(t)} Wx + h${sub(t - 1)} Wh + b)\n` + [0, 1].map((j) =>
            `unit ${j + 1}: tanh(${f(d.xs[t - 1])}·${f(d.Wx[j])} + ${f(hp[0])}·${f(d.Wh[j])} + ${f(hp[1])}·${f(d.Wh[2 + j])} + ${f(d.b[j])}) = tanh(${f(d.z[t - 1][j])}) = ${f(d.h[t - 1][j])}`).join('\n');
        }
        case 'loss':
          return `y = h${sub(T)} w + c = ${f(d.h[T - 1][0])}·${f(d.w[0])} + ${f(d.h[T - 1][1])}·${f(d.w[1])} + ${f(d.c[0])} = ${f(d.y)}\n` +
            `L = (y − x₁)² = (${f(d.y)} − ${f(d.target)})² = ${d.loss.toFixed(4)}`;
        case 'backward': {
          const t = at.t, g = d.dh[t - 1], tn = sub(t), tp = sub(t + 1);
          const into = t === T
            ? `∂L/∂y = 2(y − x₁) = ${f(d.grad.c[0])}\n∂L/∂h${tn} = ∂L/∂y · wᵀ = ${vec(g)}`
            : `∂L/∂h${tn} = (∂L/∂h${tp} ⊙ (1 − h${tp}²)) Whᵀ = δ${tp} Whᵀ = ${vec(d.delta[t])} Whᵀ = ${vec(g)}`;
          const size = `‖∂L/∂h${tn}‖ = ${sig(d.norms[t - 1])}` + (t < T ? ` (${sig(d.norms[t - 1] / d.norms[t])} times ‖∂L/∂h${tp}‖)` : '');
          const delta = `δ${tn} = ∂L/∂h${tn} ⊙ (1 − h${tn}²) = ${vec(g)} ⊙ ${vec(d.h[t - 1].map((v) => 1 - v * v))} = ${vec(d.delta[t - 1])}`;
          const sum = d.share.slice(t - 1).reduce((acc, m) => acc.map((v, i) => v + m[i]), [0, 0, 0, 0]);
          const share = t === 1
            ? `step 1's share of ∂L/∂Wh: h₀ᵀ δ₁ = 0, since h₀ = 0\n∂L/∂Wh = the sum of all ${T} shares = ${mat(d.grad.Wh)}`
            : `step ${t}'s share of ∂L/∂Wh: h${sub(t - 1)}ᵀ δ${tn} = ${mat(d.share[t - 1])}; sum of steps ${T}…${t}: ${mat(sum)}`;
          return [into, size, delta, share].join('\n');
        }
        default:
          return `Every weight moves against its gradient, summed over the steps: w ← w − ${s.lr} · ∂L/∂w.\n` +
            `Wh ← ${mat(d.Wh)} − ${s.lr} · ${mat(d.grad.Wh)} = ${mat(d.after.Wh)}\n` +
            `∂L/∂Wx = ${vec(d.grad.Wx)}, ∂L/∂b = ${vec(d.grad.b)}, ∂L/∂w = ${vec(d.grad.w)}, ∂L/∂c = ${f(d.grad.c[0])}\n` +
            '"Take the step" takes it and starts again from the new weights.';
      }
    }

    build();
    draw();
    return {
      update(name) {
        if (name === 'lr') snapshot(); // the same weights, another step size
        else build();
        draw();
      },
      results: () => ({ phase, phases: names.length, steps, scale: w.state.scale, ...structuredClone(d) }),
      destroy: () => (stopWatch(), net?.opt.dispose(), net?.g.dispose()),
    };
  },
};

// three significant digits, however small the number gets
function sig(v) {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toPrecision(3) : v.toExponential(2);
}
