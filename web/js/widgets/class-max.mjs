// class-max.mjs: activation maximization. Instead of changing the weights, gradient descent
// changes the input: starting from a grey (or noisy) image, each step moves the pixels down the
// engine's gradient of the cross-entropy toward the chosen class (up log p(class)), scaled so its
// largest entry is 1, with an L2 pull toward 0 (blank paper), then mixes in a little 3x3 blur and
// clips to [0, 1]. Left alone the gradient paints speckle the network likes; decay and blur keep
// only what survives smoothing, closer to what the class means to the network.
import { createPlot } from '../components/plot.mjs';
import { createProgress } from '../components/progress.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { mulberry32, gaussian } from '../../dlplay/random.mjs';
import { mnistNet, mnistData, trainingFrame, softmax, waitingText, drawNote, drawImage, SIDE, PIXELS } from './mnist-net.mjs';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const CLASSES = DIGITS.map(Number);
const STEPS_PER_FRAME = 4;

/** Mix a share b of a [1 2 1]x[1 2 1] blur into each 28x28 image (the kernel renormalized at the edges). */
export function blur(x, b) {
  if (!b) return x;
  const out = new Float32Array(x.length);
  for (let n = 0; n < x.length / PIXELS; n++)
    for (let i = 0; i < SIDE; i++)
      for (let j = 0; j < SIDE; j++) {
        let sum = 0, weight = 0;
        for (let di = -1; di <= 1; di++)
          for (let dj = -1; dj <= 1; dj++) {
            const r = i + di, c = j + dj;
            if (r < 0 || c < 0 || r >= SIDE || c >= SIDE) continue;
            const k = (2 - Math.abs(di)) * (2 - Math.abs(dj));
            sum += k * x[n * PIXELS + r * SIDE + c];
            weight += k;
          }
        const o = n * PIXELS + i * SIDE + j;
        out[o] = (1 - b) * x[o] + (b * sum) / weight;
      }
  return out;
}

/**
 * One step for a batch of images: x − α(g / max|g| + λx), blurred by a share b, clipped to [0, 1];
 * g = ∂CE/∂x of each image, scaled so its largest entry is 1 (the cross-entropy's gradient fades as
 * p nears 1, and a step of a steady size lets the decay and the blur find a balance with it).
 */
export function ascentStep(x, g, { rate, decay, blur: b }) {
  const moved = new Float32Array(x.length);
  for (let n = 0; n < x.length / PIXELS; n++) {
    let top = 0;
    for (let i = n * PIXELS; i < (n + 1) * PIXELS; i++) top = Math.max(top, Math.abs(g[i]));
    for (let i = n * PIXELS; i < (n + 1) * PIXELS; i++) moved[i] = x[i] - rate * ((top ? g[i] / top : 0) + decay * x[i]);
  }
  return blur(moved, b).map((v) => Math.min(1, Math.max(0, v)));
}

export default {
  kind: 'class-max',
  title: 'Activation maximization: the image a class likes best',
  lede: 'Gradient descent on the picture instead of the weights. From a grey image, each step changes the pixels so the trained network grows more sure of the chosen digit. Without regularization it invents speckle; a pull toward blank paper (L2 decay) and a little blur between steps keep smoother strokes.',
  topic: 'Interpreting and attacking a classifier',
  params: [
    { name: 'class', type: 'enum', values: DIGITS, default: '3', label: 'Class', control: 'select' },
    { name: 'start', type: 'enum', values: ['grey', 'noise'], default: 'grey', label: 'Start from', control: 'select', labels: { grey: 'grey (every pixel 0.5)', noise: 'grey with seeded noise' } },
    { name: 'rate', type: 'number', min: 0.005, max: 0.5, step: 0.005, default: 0.05, label: 'Step size α (largest change of a pixel)', control: 'range' },
    { name: 'decay', type: 'number', min: 0, max: 1, step: 0.01, default: 0.1, label: 'L2 decay λ (pull toward 0, blank paper)', control: 'range' },
    { name: 'blur', type: 'number', min: 0, max: 1, step: 0.05, default: 0.3, label: 'Blur mixed in after each step', control: 'range' },
    { name: 'steps', type: 'int', min: 1, max: 500, default: 150, label: 'Steps', control: 'range' },
    { name: 'grid', type: 'bool', default: true, label: 'Show all ten classes', control: 'check' },
  ],
  parts: ['image', 'probability', 'grid', 'model', 'run'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box, canvas } = w.canvasFigure('image', 'The image so far, for the chosen class');
    const plot = createPlot(w.figure('probability', 'p(class) of the image, step by step'), { height: 170, xLabel: 'step', yLabel: 'p', label: 'probability of the chosen class per step' });
    const grid = w.canvasFigure('grid', 'All ten classes, each grown the same way, with its probability', { wide: true });
    const bar = createProgress(w.figure('model', 'The classifier, trained in this page'));
    w.button('run', 'Start again', () => restart(), { secondary: false });
    let net = mnistNet(engine, w.state.seed), digits = null, run = null, width = 0, gridWidth = 0;
    let said = '';
    const say = (text) => text !== said && w.summary((said = text)); // (the summary is read aloud: only when it changes)
    mnistData().then((d) => (digits = d), () => {});
    const stops = [watchWidth(box, (px) => ((width = px), draw())), watchWidth(grid.box, (px) => ((gridWidth = px), draw()))];


    // own-class probability of each of the ten images
    function own(x) {
      const p = softmax(engine, net.model.predict(x));
      return CLASSES.map((c) => p[c * 10 + c]);
    }

    function begin() {
      const s = w.state, next = mulberry32(s.seed * 7919 + 3), x = new Float32Array(10 * PIXELS);
      for (let i = 0; i < x.length; i++) x[i] = s.start === 'noise' ? Math.min(1, Math.max(0, 0.5 + 0.15 * gaussian(next))) : 0.5;
      const p = own(x);
      run = { x, step: 0, p, first: p, trace: CLASSES.map((c) => [p[c]]), last: null };
    }

    // all ten images in one batch, each toward its own class (the rows do not interact)
    function stepOnce() {
      const s = w.state, c = Number(s.class), g = net.model.inputGradient(run.x, CLASSES);
      const to = ascentStep(run.x, g, s);
      run.last = { step: run.step, class: c, from: run.x.slice(c * PIXELS, (c + 1) * PIXELS), to: to.slice(c * PIXELS, (c + 1) * PIXELS) };
      run.x = to;
      run.step++;
      run.p = own(run.x);
      CLASSES.forEach((k) => run.trace[k].push(run.p[k]));
    }

    const loop = w.loop(() => {
      const training = trainingFrame(w, net, bar, () => digits, draw);
      if (training !== null) return training;
      if (!run) begin();
      for (let k = 0; k < STEPS_PER_FRAME && run.step < w.state.steps; k++) stepOnce();
      draw();
      return run.step < w.state.steps;
    });

    const image = (c) => run.x.subarray(c * PIXELS, (c + 1) * PIXELS);
    const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;

    function draw() {
      grid.box.parentElement.hidden = !w.state.grid;
      if (!run) {
        say(waitingText(net));
        if (width) drawNote(canvas, width, 'The image appears once the classifier is trained.');
        if (gridWidth) drawNote(grid.canvas, gridWidth, 'The ten images appear once the classifier is trained.');
        plot.update({ x: [0, Math.max(1, w.state.steps)], y: [0, 1], lines: [] });
        return;
      }
      const s = w.state, c = Number(s.class), p = run.p[c];
      const all = s.grid ? ` All ten, each toward its own class: ${CLASSES.map((k) => `${k}: ${run.p[k].toFixed(2)}`).join(', ')}.` : '';
      say(`Class ${c}: p(${c}) went from ${run.first[c].toFixed(3)} to ${p.toFixed(3)} in ${run.step} of ${s.steps} steps (α ${s.rate}, λ ${s.decay}, blur ${s.blur}); mean pixel ${mean(image(c)).toFixed(3)}.${all}`);
      canvas.setAttribute('aria-label', `Image grown for class ${c} after ${run.step} steps: p(${c}) = ${p.toFixed(3)}`);
      const trace = run.trace[c];
      plot.update({ x: [0, Math.max(1, s.steps)], y: [0, 1], lines: [{ xs: Float32Array.from(trace, (_, i) => i), ys: Float32Array.from(trace), color: '#2f6fde', width: 2 }], hline: [0.5] });
      if (width) {
        const scale = Math.max(3, Math.min(8, Math.floor(width / SIDE))), size = SIDE * scale, ctx = fitCanvas(canvas, size + 2, size + 24);
        ctx.clearRect(0, 0, size + 2, size + 24);
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillStyle = '#1d2330';
        ctx.textBaseline = 'top';
        ctx.fillText(`class ${c}: p = ${p.toFixed(3)}, step ${run.step}`, 1, 2, size);
        drawImage(ctx, image(c), 1, 22, scale);
      }
      if (s.grid && gridWidth) drawGrid();
    }

    function drawGrid() {
      const cols = gridWidth >= 10 * (SIDE * 2 + 10) ? 10 : 5, scale = Math.max(2, Math.min(4, Math.floor((gridWidth - (cols - 1) * 10) / (cols * SIDE))));
      const cell = SIDE * scale, rowH = cell + 22, h = (10 / cols) * rowH, ctx = fitCanvas(grid.canvas, gridWidth, h);
      ctx.clearRect(0, 0, gridWidth, h);
      ctx.font = '12px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      for (const k of CLASSES) {
        const x = (k % cols) * (cell + 10), y = Math.floor(k / cols) * rowH;
        ctx.fillStyle = '#1d2330';
        ctx.fillText(`${k}: ${run.p[k].toFixed(2)}`, x, y + 2, cell + 8);
        drawImage(ctx, image(k), x + 1, y + 18, scale);
      }
      grid.canvas.setAttribute('aria-label', `Ten images, one per class, after ${run.step} steps; each one's probability of its class: ${CLASSES.map((k) => `${k}: ${run.p[k].toFixed(2)}`).join(', ')}`);
    }

    function restart() {
      run = null;
      w.status('');
      loop.start();
    }

    function update(name) {
      if (name === 'seed') {
        net.release();
        net = mnistNet(engine, w.state.seed);
      }
      // (another class or view only redraws: every class grows in the same batch)
      if ((name === 'class' || name === 'grid') && run) return draw();
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
        if (!run) return base;
        const c = Number(w.state.class);
        return { ...base, class: c, decay: w.state.decay, blur: w.state.blur, step: run.step, done: run.step >= w.state.steps, p: [...run.p], first: [...run.first], pClass: run.p[c], image: [...image(c)], trace: run.trace[c], last: run.last && { step: run.last.step, class: run.last.class, from: [...run.last.from], to: [...run.last.to] } };
      },
      destroy: () => (loop.stop(), stops.forEach((f) => f()), plot.destroy(), bar.destroy(), net.release()),
    };
  },
};
