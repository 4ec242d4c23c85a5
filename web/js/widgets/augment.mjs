// augment.mjs: data augmentation. One test image (MNIST or Fashion-MNIST) and a grid of copies
// made by the engine's augment(), the same random changes fit() applies to every training image
// when given the augment option. The sliders are the engine's catalog of augmentations, with its
// ranges; a new draw takes the next seed. The copies are measured against the original here (how
// much each pixel moved), and a small experiment trains one tiny CNN with the chosen changes and
// one without, on the same 500 images, and tests both on 1,000 others.
import { sharedEngine, letGo, settle } from './frame.mjs';
import { SPEC, drawImage } from './mnist-net.mjs';
import { records, image, SIDE, PIXELS } from './image-sets.mjs';
import { MNIST_LABELS, FASHION_LABELS } from '../../dlplay/datasets.mjs';
import { createPlot } from '../components/plot.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';

// The options and their ranges are the engine's (one shared engine: the frame's), so a slider
// can never ask for what the engine refuses, and a new option shows up here by itself.
const OPTIONS = (await sharedEngine()).catalog.augment;
const START = { shift: 2, rotate: 15, scale: 0.1 }; // (a mild mix, so the copies differ at first sight)
const TRAIN = 500, TEST = 1000, EPOCHS = 20, BATCH = 32, LR = 0.003;
const finished = (exp) => exp.failed || exp.aug.acc.length >= EPOCHS;
const SETS = { mnist: { file: 'mnist-test', names: MNIST_LABELS }, fashion: { file: 'fashion-test', names: FASHION_LABELS } };
const PLAIN_INK = '#5b6475', AUG_INK = '#1c64d1';

/** A slider's step: a round number near a 40th of its range (1, 2 or 5 times a power of ten), whole pixels and degrees. */
export function sliderStep(max) {
  if (max >= 8) return 1;
  const raw = max / 40, p = 10 ** Math.floor(Math.log10(raw)), m = raw / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

const title = (s) => s[0].toUpperCase() + s.slice(1);

export default {
  kind: 'augment',
  title: 'Data augmentation',
  lede: 'Training can show each image a little changed every time: moved, turned, zoomed, cropped, mirrored, with a square blanked out or with noise added. Move the sliders to see what the network would be shown; New draw makes another set of random changes.',
  topic: 'Regularization',
  params: [
    { name: 'dataset', type: 'enum', values: Object.keys(SETS), default: 'mnist', label: 'Images', control: 'select', labels: { mnist: 'MNIST digits', fashion: 'Fashion-MNIST clothes' } },
    { name: 'index', type: 'int', min: 0, max: 9999, default: 0, label: 'Image (index in the test set)', control: 'number' },
    ...OPTIONS.map((o) => ({ name: o.name, type: 'number', min: 0, max: o.max, step: sliderStep(o.max), default: Math.min(o.max, START[o.name] ?? 0), label: `${title(o.name)}: ${o.doc}`, control: 'range' })),
    { name: 'count', type: 'int', min: 1, max: 64, default: 16, label: 'Copies', control: 'range' },
  ],
  parts: ['copies', 'experiment', 'draw', 'train'],
  seedControl: true,

  async create(w) {
    const { engine } = w;
    const { box, canvas } = w.canvasFigure('copies', 'The original and its augmented copies: each copy is one draw of the random changes, as fit() would make them', { wide: true });
    const expBox = w.figure('experiment', `Test accuracy per epoch of a small CNN trained on ${TRAIN} images without augmentation (grey) and with these settings (blue), tested on ${TEST.toLocaleString('en')} others`, { wide: true });
    const expPlot = createPlot(expBox, { height: 170, xLabel: 'epoch', label: 'test accuracy with and without augmentation' });
    w.button('draw', 'New draw', () => ((draw += 1), show()));
    const trainButton = w.button('train', 'Train with and without', () => (loop.on ? loop.stop() : startExperiment()), { secondary: false });
    let width = 0, draw = 0, sample = null, view = null, exp = null, asked = 0;
    const stopWatch = watchWidth(box, (px) => ((width = px), paint()));

    const options = () => Object.fromEntries(OPTIONS.map((o) => [o.name, w.state[o.name]]));
    // a draw's seed: the widget's seed, then the draws after it (below 2^53 for any seed and draw < 2^21)
    const drawSeed = () => w.state.seed + draw * 2 ** 31;

    async function loadSample() {
      const ask = ++asked, s = w.state;
      w.status(`Loading image ${s.index}…`);
      try {
        const { x, label } = await image(SETS[s.dataset].file, s.index);
        if (ask !== asked) return;
        sample = { dataset: s.dataset, index: s.index, label, x };
        w.status('');
      } catch (e) {
        if (ask === asked) w.status(`The image could not be loaded: ${e.message}`, true);
        return;
      }
      show();
    }

    // the engine's copies, measured against the original
    function show() {
      if (!sample) return;
      const s = w.state, seed = drawSeed();
      const copies = engine.augment(sample.x, [1, SIDE, SIDE], options(), { count: s.count, seed });
      const change = Array.from({ length: s.count }, (_, k) => meanAbsChange(sample.x, copies.subarray(k * PIXELS, (k + 1) * PIXELS)));
      view = { seed, draw, copies, change, same: change.filter((c) => c === 0).length };
      paint();
      describe();
    }

    function paint() {
      if (!view || !width) return;
      const n = w.state.count, narrow = width < 480, gap = 6, head = 18;
      const big = narrow ? 3 : 4, side = SIDE * big, left = narrow ? 0 : side + 24; // (on a phone the original sits above the copies)
      const fit = (scale) => Math.max(1, Math.min(n, Math.floor((width - left + gap) / (SIDE * scale + gap))));
      // copies as large as the figure allows in four rows, at least 2 screen pixels an image pixel
      const small = Math.ceil(n / fit(3)) <= 4 ? 3 : 2, cell = SIDE * small + gap, cols = fit(small), rows = Math.ceil(n / cols);
      const top = narrow ? 2 * head + side + 12 : 0;
      const h = Math.max(2 * head + side + 4, top + head + rows * cell);
      const ctx = fitCanvas(canvas, width, h);
      ctx.clearRect(0, 0, width, h);
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillStyle = '#1d2330';
      ctx.textBaseline = 'top';
      ctx.fillText('Original', 1, 0);
      drawImage(ctx, sample.x, 1, head, big);
      ctx.fillStyle = '#1d2330';
      ctx.fillText(`${sample.dataset === 'mnist' ? 'digit ' : ''}${SETS[sample.dataset].names[sample.label]}`, 1, head + side + 4, narrow ? width : side + 16);
      ctx.fillText(`${n} ${n === 1 ? 'copy' : 'copies'}, draw ${view.draw + 1}`, left + 1, top);
      for (let k = 0; k < n; k++) drawImage(ctx, view.copies.subarray(k * PIXELS, (k + 1) * PIXELS), left + 1 + (k % cols) * cell, top + head + Math.floor(k / cols) * cell, small);
      canvas.setAttribute('aria-label', `the original, ${labelName()}, and ${n} augmented copies; mean absolute change per pixel ${fmt(mean(view.change))}`);
    }

    const labelName = () => `${sample.dataset === 'mnist' ? 'a ' : ''}${SETS[sample.dataset].names[sample.label]} (test image ${sample.index})`;

    function describe() {
      if (!view) return;
      const on = OPTIONS.filter((o) => w.state[o.name] > 0).map((o) => `${o.name} ${w.state[o.name]}`);
      const c = view.change, measured = `Mean absolute change per pixel from the original: ${fmt(mean(c))} (from ${fmt(Math.min(...c))} to ${fmt(Math.max(...c))} across the copies; pixels run from 0 to 1)${view.same ? `; ${view.same} ${view.same === 1 ? 'copy is' : 'copies are'} exactly the original` : ''}.`;
      const e = exp?.plain.acc.length ? ` ${experimentText()}` : '';
      w.summary(`${labelName()[0].toUpperCase()}${labelName().slice(1)}, ${w.state.count} copies, draw ${view.draw + 1}. Settings: ${on.length ? on.join(', ') : 'all off (every copy is the original)'}. ${measured}${e}`);
    }

    // ---- the experiment: two copies of one small CNN taking turns, one epoch a frame ----
    function resetExperiment() {
      loop.stop();
      letGo(exp, free);
      exp = null;
      expPlot.update({ x: [0, EPOCHS + 3], y: [0, 1], lines: [] });
      label();
    }
    const free = (e) => (e.plain.model.dispose(), e.aug.model.dispose());

    function startExperiment() {
      if (!exp || finished(exp)) {
        resetExperiment();
        const s = w.state, net = () => ({ model: engine.model({ ...SPEC, seed: s.seed }), acc: [] });
        exp = { dataset: s.dataset, options: options(), plain: net(), aug: net(), data: null, busy: false, stale: false };
      }
      loop.start();
      label();
    }

    const loop = w.loop(() => {
      if (!exp.busy && !finished(exp)) advance(exp);
      return exp.busy || !finished(exp);
    }, { onStop: () => label() });

    async function advance(e) {
      e.busy = true;
      try {
        if (!e.data) {
          w.status('Loading the training and test images…');
          const file = SETS[e.dataset].file, [train, test] = await Promise.all([records(file, 0, TRAIN), records(file, TRAIN, TEST)]);
          e.data = { train, test };
          w.status('');
        }
        if (!e.stale) await epoch(e);
      } catch (err) {
        w.status(`Training stopped: ${err.message}`, true);
        e.failed = true; // (ends the loop; the curves keep the epochs done)
      }
      if (!settle(e, free)) return;
      plotExperiment();
      if (e.aug.acc.length >= EPOCHS) w.tally('trained');
    }

    // the next epoch of one of the two networks (they take turns, one per frame); epoch k of
    // both has the same shuffle, so only the augmentation differs
    async function epoch(e) {
      const turn = e.plain.acc.length > e.aug.acc.length ? 'aug' : 'plain', net = e[turn], k = net.acc.length;
      const h = await net.model.fit(e.data.train, {
        epochs: 1, batchSize: BATCH, optimizer: 'adam', lr: LR, seed: w.state.seed * 7919 + k, validationData: e.data.test,
        augment: turn === 'aug' ? e.options : undefined,
      });
      net.acc.push(h.valAccuracy[0]);
    }

    function plotExperiment() {
      const line = (net, color) => ({ xs: Float32Array.from(net.acc, (_, i) => i + 1), ys: Float32Array.from(net.acc), color });
      const all = [...exp.plain.acc, ...exp.aug.acc], lo = Math.max(0, Math.floor(10 * Math.min(...all, 0.9)) / 10 - 0.1);
      const tag = (net, color, label, below) => net.acc.length && { x: net.acc.length, y: net.acc.at(-1) + (below ? -0.04 : 0.04) * (1 - lo), color, r: 0, label };
      const up = (exp.aug.acc.at(-1) ?? 0) >= (exp.plain.acc.at(-1) ?? 0);
      expPlot.update({
        x: [0, EPOCHS + 3], y: [lo, 1], lines: [line(exp.plain, PLAIN_INK), line(exp.aug, AUG_INK)],
        points: [tag(exp.plain, PLAIN_INK, 'without', up), tag(exp.aug, AUG_INK, 'with', !up)].filter(Boolean),
      });
      describe();
    }

    function experimentText() {
      const p = exp.plain.acc, a = exp.aug.acc, pct = (v) => `${(100 * v).toFixed(1)}%`;
      const on = Object.entries(exp.options).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing';
      return `Experiment (${exp.dataset}, ${TRAIN} training images, augmented with ${on}): after epoch ${a.length || 1} of ${EPOCHS}, test accuracy ${pct(p.at(-1))} without augmentation${a.length ? `, ${pct(a.at(-1))} with it` : ''}.`;
    }

    function label() {
      trainButton.textContent = loop.on ? 'Pause' : exp?.plain.acc.length && !finished(exp) ? 'Resume' : 'Train with and without';
    }

    resetExperiment();
    await loadSample();
    return {
      update(name) {
        if (name === 'seed') draw = 0;
        // (the experiment is of a data set, a seed and these augmentations; the sample and count are only looked at)
        if (name === 'dataset' || name === 'seed' || OPTIONS.some((o) => o.name === name)) resetExperiment();
        if (name === 'dataset' || name === 'index') return void loadSample();
        show();
      },
      start: startExperiment,
      stop: () => loop.stop(),
      results: () => (!view ? { error: 'loading' } : {
        dataset: sample.dataset, index: sample.index, label: sample.label, shape: [1, SIDE, SIDE], options: options(), count: w.state.count,
        seed: view.seed, draw: view.draw, original: [...sample.x], copies: [...view.copies], change: view.change,
        sliders: OPTIONS.map((o) => ({ name: o.name, min: 0, max: o.max })),
        experiment: exp && { epochs: EPOCHS, train: TRAIN, test: TEST, options: exp.options, plain: [...exp.plain.acc], augmented: [...exp.aug.acc] },
      }),
      destroy() {
        loop.stop();
        letGo(exp, free);
        stopWatch();
        expPlot.destroy();
      },
    };
  },
};

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const fmt = (v) => (v === 0 ? '0' : v < 0.001 ? v.toExponential(1) : v.toFixed(3));

function meanAbsChange(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(b[i] - a[i]);
  return s / a.length;
}
