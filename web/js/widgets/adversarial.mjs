// adversarial.mjs: a targeted attack on a small digit classifier trained in the page. Starting
// from a test digit x0, each step moves every pixel by α against the sign of the engine's
// gradient of the loss toward the target class, then clips back into the ε-box around x0 and
// into [0, 1] (projected gradient descent in the L∞ ball; one step with α = ε is FGSM). With the
// target "none" the step climbs the loss of the true label instead: an untargeted attack. The
// figures: the digit, the perturbation scaled so ±ε is full colour, the adversarial image, the
// saliency |∂L/∂x| of the original, and the class probabilities before and after.
import { createBarChart } from '../components/bar-chart.mjs';
import { createProgress } from '../components/progress.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { mnistNet, mnistData, trainingFrame, testDigit, softmax, argmax, waitingText, drawNote, drawImage, TEST_N, SIDE } from './mnist-net.mjs';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const STEPS_PER_FRAME = 2, GAP = 14, TEXT = 34;

/** One step of the attack: x − s·α·sign(g), kept within ε of x0 and in [0, 1] (s = 1 toward a target, −1 away from the label). */
export function attackStep(x, x0, g, { alpha, epsilon, toward }) {
  const s = toward ? 1 : -1;
  return Float32Array.from(x, (v, i) => Math.min(1, Math.max(0, Math.min(x0[i] + epsilon, Math.max(x0[i] - epsilon, v - s * alpha * Math.sign(g[i]))))));
}

export default {
  kind: 'adversarial',
  title: 'Adversarial examples: nudging a digit into another class',
  lede: 'A small network learns to read digits here. Then each step changes every pixel of a test digit by α, in the direction that raises the target class\'s probability the fastest (the sign of the gradient), never more than ε from the original. A change you barely see can flip the answer. One step with α = ε is the fast gradient sign method.',
  topic: 'Interpreting and attacking a classifier',
  params: [
    { name: 'digit', type: 'int', min: 0, max: TEST_N - 1, default: 0, label: 'Test digit (its index, 0 to 999)', control: 'number' },
    { name: 'target', type: 'enum', values: ['away', ...DIGITS], default: '3', label: 'Target class', control: 'select', labels: { away: 'none: away from its label' } },
    { name: 'epsilon', type: 'number', min: 0, max: 0.5, step: 0.01, default: 0.2, label: 'Budget ε (most a pixel may change)', control: 'range' },
    { name: 'alpha', type: 'number', min: 0.001, max: 0.5, step: 0.001, default: 0.01, label: 'Step size α', control: 'range' },
    { name: 'steps', type: 'int', min: 1, max: 200, default: 40, label: 'Steps', control: 'range' },
  ],
  parts: ['images', 'before', 'after', 'model', 'run'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box, canvas } = w.canvasFigure('images', 'The digit, the change (red: more ink, blue: less; ±ε at full colour), the adversarial image, and the saliency |∂L/∂x| of the original for its label', { wide: true });
    const beforeBox = w.figure('before', 'Class probabilities of the original digit'), afterBox = w.figure('after', 'Class probabilities after the attack');
    const beforeBars = createBarChart(beforeBox, { labels: DIGITS }), afterBars = createBarChart(afterBox, { labels: DIGITS });
    beforeBox.querySelector('ol').setAttribute('aria-label', 'Class probabilities before the attack');
    afterBox.querySelector('ol').setAttribute('aria-label', 'Class probabilities after the attack');
    const bar = createProgress(w.figure('model', 'The classifier, trained in this page'));
    w.button('run', 'Run the attack again', () => restart(), { secondary: false });
    let net = mnistNet(engine, w.state.seed), digits = null, a = null, width = 0;
    let said = '';
    const say = (text) => text !== said && w.summary((said = text)); // (the summary is read aloud: only when it changes)
    mnistData().then((d) => (digits = d), () => {});
    const stopWatch = watchWidth(box, (px) => ((width = px), draw()));

    const probabilities = (x) => softmax(engine, net.model.predict(x));

    // the attack from the original digit, its step 0
    function begin() {
      const s = w.state, { x, label } = testDigit(digits.test, s.digit);
      const toward = s.target !== 'away', target = toward ? Number(s.target) : label;
      const before = probabilities(x);
      const saliency = net.model.inputGradient(x, [label]).map(Math.abs);
      a = { x0: x, x, label, target, toward, step: 0, before, after: before, saliency, last: null, trace: [before[target]] };
    }

    function stepOnce() {
      const s = w.state, g = net.model.inputGradient(a.x, [a.target]);
      const to = attackStep(a.x, a.x0, g, { alpha: s.alpha, epsilon: s.epsilon, toward: a.toward });
      a.last = { step: a.step, from: a.x, to };
      a.x = to;
      a.step++;
      a.after = probabilities(a.x);
      a.trace.push(a.after[a.target]);
    }

    const loop = w.loop(() => {
      const training = trainingFrame(w, net, bar, () => digits, draw);
      if (training !== null) return training;
      if (!a) begin();
      for (let k = 0; k < STEPS_PER_FRAME && a.step < w.state.steps; k++) stepOnce();
      draw();
      return a.step < w.state.steps;
    });

    function norms() {
      let linf = 0, l2 = 0;
      for (let i = 0; i < a.x.length; i++) {
        const d = a.x[i] - a.x0[i];
        linf = Math.max(linf, Math.abs(d));
        l2 += d * d;
      }
      return { linf, l2: Math.sqrt(l2) };
    }

    function draw() {
      if (!a) {
        say(waitingText(net));
        if (width) drawNote(canvas, width, 'The images appear once the classifier is trained.');
        return;
      }
      const s = w.state, pb = argmax(a.before), pa = argmax(a.after), { linf, l2 } = norms();
      const pct = (p) => `${(100 * p).toFixed(1)}%`;
      beforeBars.update(a.before);
      afterBars.update(a.after);
      const goal = a.toward ? `toward ${a.target}` : `away from its label ${a.label}`;
      const text = `Test digit ${s.digit} (label ${a.label}): the model says ${pb} (${pct(a.before[pb])}). After ${a.step} of ${s.steps} steps ${goal} (α ${s.alpha}, ε ${s.epsilon}): it says ${pa} (${pct(a.after[pa])}); p(${a.target}) went from ${pct(a.before[a.target])} to ${pct(a.after[a.target])}. The change: largest ${linf.toFixed(3)} (L∞), length ${l2.toFixed(2)} (L2).`;
      say(text);
      canvas.setAttribute('aria-label', `Original digit read as ${pb}; change of L∞ ${linf.toFixed(3)} and L2 ${l2.toFixed(2)}; adversarial image read as ${pa}; saliency of the original.`);
      if (!width) return;
      const cols = width >= 4 * SIDE * 3 + 3 * GAP ? 4 : 2, scale = Math.max(2, Math.min(5, Math.floor((width - (cols - 1) * GAP) / (cols * SIDE))));
      const cell = SIDE * scale, rows = 4 / cols, h = rows * (TEXT + cell + 10), ctx = fitCanvas(canvas, width, h);
      ctx.clearRect(0, 0, width, h);
      const sal = [...a.saliency].sort((p, q) => p - q), top = sal[Math.floor(0.98 * sal.length)] || sal.at(-1) || 1; // (a few large pixels would wash out the rest)
      const panels = [
        ['original', `reads ${pb}, ${pct(a.before[pb])}`, a.x0, {}],
        ['change x − x0', `±${s.epsilon} at full colour`, a.x.map((v, i) => v - a.x0[i]), { signed: true, range: s.epsilon || 1 }],
        ['adversarial', `reads ${pa}, ${pct(a.after[pa])}`, a.x, {}],
        ['saliency', `|∂L/∂x| for label ${a.label}`, a.saliency, { range: top }],
      ];
      ctx.font = '12px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      panels.forEach(([title, note, values, opts], i) => {
        const x = (i % cols) * (cell + GAP), y = Math.floor(i / cols) * (TEXT + cell + 10);
        ctx.fillStyle = '#1d2330';
        ctx.font = 'bold 12px system-ui, sans-serif';
        ctx.fillText(title, x, y, cell + GAP - 4);
        ctx.fillStyle = '#4a5263';
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillText(note, x, y + 15, cell + GAP - 4);
        drawImage(ctx, values, x, y + TEXT, scale, opts);
      });
    }

    function restart() {
      a = null;
      w.status('');
      loop.start();
    }

    function update(name) {
      if (name === 'seed') {
        net.release();
        net = mnistNet(engine, w.state.seed);
      }
      restart();
    }

    loop.start();
    draw();
    return {
      update,
      start: restart,
      stop: () => loop.stop(),
      results: () => {
        const base = { trained: net.trained, accuracy: net.progress.accuracy };
        if (!a) return base;
        const { linf, l2 } = norms();
        return {
          ...base, digit: w.state.digit, epsilon: w.state.epsilon, alpha: w.state.alpha, label: a.label, target: a.target, targeted: a.toward, step: a.step, done: a.step >= w.state.steps,
          predictedBefore: argmax(a.before), predictedAfter: argmax(a.after), before: [...a.before], after: [...a.after], pTarget: a.after[a.target],
          linf, l2, x0: [...a.x0], adversarial: [...a.x], last: a.last && { step: a.last.step, from: [...a.last.from], to: [...a.last.to] }, trace: a.trace,
        };
      },
      destroy: () => (loop.stop(), stopWatch(), beforeBars.destroy(), afterBars.destroy(), bar.destroy(), net.release()),
    };
  },
};
