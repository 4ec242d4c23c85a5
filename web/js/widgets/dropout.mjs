// dropout.mjs: dropout on and off. Two copies of a 2-16-16-K ReLU network, built as engine graphs
// from the same seed (so they start with the same weights), train side by side on a small noisy
// toy set; one drops hidden units at random. The drawing shows one training forward pass of that
// network, read from the engine after forward and before backward (which reuses the memory of
// values it no longer needs): the engine's inverted dropout leaves a dropped unit exactly 0 and
// multiplies a kept one by 1/(1 − p); in evaluation mode it passes values through unchanged.
import { createPlot } from '../components/plot.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { mulberry32, shuffle } from '../../dlplay/random.mjs';
import { CLASSES_2D } from '../datasets2d.mjs';
import { toySplit } from './toy-net.mjs';

const NOISE = { xor: 0.4, spiral: 0.3, gaussians: 0.5 }; // noisy enough that 60 points can be memorised
const TRAIN = 60, TEST = 400, WIDTH = 16, BATCH = 16, LR = 0.01, PER_FRAME = 30, EVERY = 50;
const COLORS = { dropout: '#c2410c', plain: '#2f6fde' };
const sets = {};

/** A small toy set: 60 training and 400 test points (toy-net's), labels also as floats for the graph. */
export function dropoutData(name) {
  return (sets[name] ??= (() => {
    const { train, test } = toySplit(name, { train: TRAIN, test: TEST, noise: NOISE[name] });
    const withT = (d) => ({ ...d, t: Float32Array.from(d.y) });
    return { train: withT(train), test: withT(test) };
  })());
}

// x → dense → ReLU → × mask → dense → ReLU → × mask → dense → softmax cross-entropy, where a
// mask is the engine's dropout op applied to ones: 0 where a unit is dropped, 1/(1 − p) where it
// is kept, 1 everywhere in evaluation mode. h × dropout(ones) is dropout(h) exactly (the same
// draws, the same product, the same gradient), and it keeps both factors readable after forward:
// the plan keeps values a later backward reads (mul's reads both), while dropout(h)'s backward
// reads only its mask, so h's memory would be reused before the pass ends.
function buildNet(engine, classes, p, seed) {
  const g = engine.graph(seed), x = g.input('x', [2]), t = g.input('t', [1]), ones = g.input('ones', [WIDTH]);
  const act = [], mask = [], out = [];
  let h = x, fanIn = 2;
  for (let l = 1; l <= 2; l++) {
    const W = g.param(`W${l}`, [fanIn, WIDTH], { init: 'he_normal', decay: true }), b = g.param(`b${l}`, [WIDTH]);
    const a = g.op('relu', [g.op('dense', [h, W, b])]);
    if (p > 0) {
      const m = g.op('dropout', [ones], { floats: [p] });
      h = g.op('mul', [a, m]);
      mask.push(m);
    } else h = a;
    act.push(a), out.push(h);
    fanIn = WIDTH;
  }
  const W = g.param('W3', [WIDTH, classes], { init: 'xavier_normal', decay: true }), b = g.param('b3', [classes]);
  const loss = g.op('softmax_ce', [g.op('reshape', [g.op('dense', [h, W, b])], { ints: [2, 1, classes] }), t]);
  g.plan(Math.max(TRAIN, TEST));
  return { g, x, t, ones, act, mask, out, loss, p, opt: g.optimizer('adam') };
}

// a batch into a network, in training or evaluation mode (the ones the masks are drawn on, too)
const allOnes = new Float32Array(Math.max(TRAIN, TEST) * WIDTH).fill(1);
function feed(n, x, t, training) {
  const count = t.length;
  return n.g.setTraining(training).setBatch(count).setValue(n.x, x).setValue(n.t, t).setValue(n.ones, allOnes.subarray(0, count * WIDTH));
}

export default {
  kind: 'dropout',
  title: 'Dropout: training with units switched off at random',
  lede: 'While training, each hidden unit is dropped (set to 0) with probability p and the kept ones are multiplied by 1/(1 − p), so the next layer gets the same input on average; at evaluation nothing is dropped. Two copies of one network train on the same 60 noisy points, one with dropout and one without: compare their test loss.',
  topic: 'Regularization',
  params: [
    { name: 'rate', type: 'number', min: 0, max: 0.8, step: 0.05, default: 0.4, label: 'Drop rate p', control: 'range' },
    { name: 'pass', type: 'enum', values: ['training', 'evaluation'], default: 'training', label: 'Pass shown', control: 'select', labels: { training: 'a training pass (dropout on)', evaluation: 'an evaluation pass (dropout off)' } },
    { name: 'data', type: 'enum', values: Object.keys(NOISE), default: 'xor', label: 'Toy set (60 training points)', control: 'select', labels: { xor: 'XOR quadrants, noisy', spiral: 'two-arm spiral, noisy', gaussians: 'three overlapping clusters' } },
    { name: 'steps', type: 'int', min: 100, max: 20000, default: 3000, label: 'Training steps (batches of 16, Adam)', control: 'number' },
  ],
  parts: ['network', 'loss', 'train', 'resample'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box: netBox, canvas } = w.canvasFigure('network', 'One forward pass of the network with dropout, for the first sample of its batch: dropped units are grey and crossed, and send nothing on; silent units are ones the ReLU already set to 0; the shade of a kept unit is its output', { wide: true });
    const legend = document.createElement('ul');
    legend.className = 'dl-legend';
    netBox.after(legend);
    legend.replaceChildren(...[['kept (darker: larger output)', COLORS.dropout], ['dropped', '#d6d9df'], ['silent (ReLU output 0)', '#ffffff']].map(([t, c]) => item(t, c)));
    const lossBox = w.figure('loss', 'Loss in evaluation mode (nothing dropped) on the 400 test points (solid) and the 60 training points (dashed), with dropout (orange) and without (blue)', { wide: true });
    const lossPlot = createPlot(lossBox, { height: 190, xLabel: 'step', label: 'training and test loss with and without dropout' });
    const trainButton = w.button('train', 'Train', () => toggle(), { secondary: false });
    const resampleButton = w.button('resample', 'Resample the mask', () => ((pass = show()), draw()));
    let nets = null, batch = null, pass = null, step = 0, order = null, curves = null, width = 0, resamples = 0;
    const stopWatch = watchWidth(netBox, (px) => ((width = px), draw()));

    const loop = w.loop(() => {
      const s = w.state, { train } = dropoutData(s.data);
      try {
        for (let k = 0; k < PER_FRAME && step < s.steps; k++) {
          nextBatch(train);
          const last = k === PER_FRAME - 1 || step === s.steps - 1;
          for (const n of Object.values(nets)) trainStep(n, last && n === nets.dropout);
          if (++step % EVERY === 0 || step === s.steps) record();
        }
      } catch (e) {
        w.status(`Training stopped at step ${step + 1}: ${e.message}`, true);
        return false;
      }
      draw();
      if (step >= s.steps) {
        w.tally('trained');
        return false;
      }
    }, { onStop: () => draw() });

    // the training set in an order shuffled each epoch (from the seed), in batches of 16
    function nextBatch(train) {
      const per = Math.floor(train.n / BATCH), e = Math.floor(step / per), k = step % per;
      if (k === 0) order = shuffle(Int32Array.from({ length: train.n }, (_, i) => i), mulberry32(w.state.seed * 1000 + e));
      const idx = order.subarray(k * BATCH, (k + 1) * BATCH);
      batch = { x: new Float32Array(2 * BATCH), t: new Float32Array(BATCH) };
      idx.forEach((j, i) => ((batch.x[2 * i] = train.x[2 * j]), (batch.x[2 * i + 1] = train.x[2 * j + 1]), (batch.t[i] = train.t[j])));
    }

    // One training step. For the step whose pass is drawn: forward, read the hidden values, then
    // backward and the update (the same as trainStep, taken apart so the values can be read).
    function trainStep(n, capture) {
      // each step's masks come from the seed and the step alone, so the masks a learner resamples
      // in between (drawn from the same graph) do not change the run: a seed replays
      n.g.seed(w.state.seed * 100003 + step);
      feed(n, batch.x, batch.t, true);
      if (!capture) return n.g.trainStep(n.loss, n.opt, LR);
      n.g.forward(n.loss);
      if (w.state.pass === 'training') pass = read(n, 'training');
      n.g.backward(n.loss);
      n.opt.step(LR);
      if (w.state.pass !== 'training') pass = show();
    }

    // a forward pass of the dropout network on the current batch in the chosen mode: each hidden
    // layer's ReLU output h and what the dropout op made of it, d
    function show() {
      const n = nets.dropout, training = w.state.pass === 'training';
      n.g.seed(w.state.seed * 100003 + step + 2 ** 40 + ++resamples);
      feed(n, batch.x, batch.t, training).forward(n.loss);
      return read(n, w.state.pass);
    }
    function read(n, mode) {
      const h = n.act.map((a) => [...n.g.value(a)]);
      return { mode, p: n.p, h, mask: n.p > 0 ? n.mask.map((m) => [...n.g.value(m)]) : h.map((v) => v.map(() => 1)), d: n.out.map((o) => [...n.g.value(o)]) };
    }

    // both networks in evaluation mode on the whole training and test sets
    function record() {
      const { train, test } = dropoutData(w.state.data);
      const loss = (n, set) => feed(n, set.x, set.t, false).forward(n.loss).value(n.loss)[0];
      curves.steps.push(step);
      for (const k of ['dropout', 'plain']) curves[k].train.push(loss(nets[k], train)), curves[k].test.push(loss(nets[k], test));
    }

    function reset() {
      loop.stop();
      free();
      const s = w.state, classes = CLASSES_2D[s.data];
      nets = { dropout: buildNet(engine, classes, s.rate, s.seed), plain: buildNet(engine, classes, 0, s.seed) };
      step = 0;
      curves = { steps: [], dropout: { train: [], test: [] }, plain: { train: [], test: [] } };
      record();
      nextBatch(dropoutData(s.data).train);
      pass = show();
      draw();
    }
    function free() {
      if (nets) for (const n of Object.values(nets)) n.opt.dispose(), n.g.dispose();
      nets = null;
    }

    function toggle() {
      if (loop.on) return loop.stop();
      if (step >= w.state.steps) reset();
      loop.start();
      draw();
    }

    // the mask of sample i: per hidden layer and unit, 'dropped', 'silent' (kept, but the ReLU gave 0) or 'kept'
    function units(i) {
      return pass.h.map((h, l) => Array.from({ length: WIDTH }, (_, j) => {
        const a = h[i * WIDTH + j], m = pass.mask[l][i * WIDTH + j];
        return { a, m, state: m === 0 ? 'dropped' : a === 0 ? 'silent' : 'kept' };
      }));
    }
    // over the whole batch: hidden units, and how many of them the masks dropped
    function counts() {
      const all = pass.mask.flat();
      return { units: all.length, dropped: all.filter((m) => m === 0).length };
    }

    function draw() {
      if (!pass) return;
      trainButton.textContent = loop.on ? 'Pause' : step >= w.state.steps ? 'Train again' : step ? 'Resume' : 'Train';
      resampleButton.disabled = w.state.pass !== 'training' || !(w.state.rate > 0);
      const xs = Float32Array.from(curves.steps), top = Math.max(0.8, ...['dropout', 'plain'].flatMap((k) => [...curves[k].train, ...curves[k].test]).filter(Number.isFinite));
      lossPlot.update({
        x: [0, w.state.steps * 1.04], y: [0, Math.min(top * 1.05, 4)], // (room for the last tick's label)
        lines: ['plain', 'dropout'].flatMap((k) => [{ xs, ys: Float32Array.from(curves[k].test), color: COLORS[k] }, { xs, ys: Float32Array.from(curves[k].train), color: COLORS[k], dashed: true, width: 1.5 }]),
      });
      const u = units(0);
      describe(u);
      if (width) drawNet(u);
    }

    function describe(u) {
      const s = w.state, c = counts(), last = (k, what) => fmt(curves[k][what].at(-1));
      const perLayer = u.map((l, i) => `layer ${i + 1} drops ${l.filter((x) => x.state === 'dropped').length} of ${WIDTH} (${l.filter((x) => x.state === 'silent').length} silent)`).join(', ');
      const passText = pass.mode === 'training' && pass.p > 0
        ? `This training pass (p = ${pass.p}, batch of ${BATCH}): ${c.dropped} of ${c.units} hidden units dropped (${((100 * c.dropped) / c.units).toFixed(1)}%), the kept ones multiplied by ${fmt(1 / (1 - pass.p))}; first sample: ${perLayer}.`
        : `This ${pass.mode} pass drops nothing: ${pass.p > 0 ? 'in evaluation mode dropout passes each value through unchanged' : 'the drop rate is 0'}.`;
      w.summary(`Step ${step} of ${s.steps}. ${passText} Evaluation-mode loss with dropout: training ${last('dropout', 'train')}, test ${last('dropout', 'test')}; without: training ${last('plain', 'train')}, test ${last('plain', 'test')}.`);
    }

    function drawNet(u) {
      const K = CLASSES_2D[w.state.data], h = 330, ctx = fitCanvas(canvas, width, h);
      const top = 14, bottom = h - 40, colX = [0.1, 0.37, 0.63, 0.9].map((f) => f * width);
      const ys = (count) => Array.from({ length: count }, (_, j) => top + ((j + 0.5) * (bottom - top)) / count);
      const r = Math.max(4, Math.min(8, (bottom - top) / WIDTH / 2 - 1.5));
      const layers = [ys(2).map((y) => ({ y, state: 'input' })), ...u.map((l) => l.map((x, j) => ({ ...x, y: ys(WIDTH)[j] }))), ys(K).map((y) => ({ y, state: 'output' }))];
      const peak = Math.max(1e-6, ...u.flat().map((x) => x.a));
      ctx.clearRect(0, 0, width, h);
      // connections from every unit that sends something on
      ctx.strokeStyle = '#c9ced8';
      ctx.lineWidth = 0.6;
      for (let l = 0; l + 1 < layers.length; l++)
        for (const a of layers[l]) {
          if (a.state === 'dropped' || a.state === 'silent') continue;
          for (const b of layers[l + 1]) {
            ctx.beginPath();
            ctx.moveTo(colX[l] + r, a.y);
            ctx.lineTo(colX[l + 1] - r, b.y);
            ctx.stroke();
          }
        }
      ctx.font = '12px system-ui, sans-serif';
      layers.forEach((layer, l) => layer.forEach((x, j) => {
        ctx.beginPath();
        ctx.arc(colX[l], x.y, r, 0, 2 * Math.PI);
        ctx.fillStyle = x.state === 'kept' ? shade(x.a / peak) : x.state === 'dropped' ? '#d6d9df' : x.state === 'silent' ? '#ffffff' : '#eef1f6';
        ctx.fill();
        ctx.strokeStyle = x.state === 'dropped' || x.state === 'silent' ? '#6b7280' : '#1d2330';
        ctx.lineWidth = 1;
        ctx.stroke();
        if (x.state === 'dropped') {
          ctx.beginPath();
          ctx.moveTo(colX[l] - r * 0.6, x.y - r * 0.6);
          ctx.lineTo(colX[l] + r * 0.6, x.y + r * 0.6);
          ctx.moveTo(colX[l] + r * 0.6, x.y - r * 0.6);
          ctx.lineTo(colX[l] - r * 0.6, x.y + r * 0.6);
          ctx.strokeStyle = '#374151';
          ctx.stroke();
        }
        ctx.fillStyle = '#1d2330';
        ctx.textBaseline = 'middle';
        if (l === 0) ((ctx.textAlign = 'right'), ctx.fillText(`x${j === 0 ? '₁' : '₂'}`, colX[0] - r - 4, x.y));
        if (l === 3) ((ctx.textAlign = 'left'), ctx.fillText(width > 480 ? `class ${j}` : String(j), colX[3] + r + 4, x.y));
      }));
      ctx.fillStyle = '#5b6475';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      const note = pass.mode === 'training' && pass.p > 0 ? `kept × ${fmt(1 / (1 - pass.p))}` : 'nothing dropped';
      u.forEach((l, i) => ctx.fillText(`${l.filter((x) => x.state === 'dropped').length} dropped`, colX[i + 1], bottom + 6, width * 0.25));
      ctx.fillText(note, width / 2, bottom + 22);
      canvas.setAttribute('aria-label', `The network 2-${WIDTH}-${WIDTH}-${K}, one ${pass.mode} pass for the first sample of the batch: ${u.map((l, i) => `layer ${i + 1}: ${l.filter((x) => x.state === 'dropped').length} dropped, ${l.filter((x) => x.state === 'silent').length} silent, ${l.filter((x) => x.state === 'kept').length} kept`).join('; ')}; ${note}.`);
    }

    reset();
    return {
      update(name) {
        if (name === 'pass') return (batch && ((pass = show()), draw()));
        reset();
      },
      start: () => toggle(),
      stop: () => loop.stop(),
      results: () => ({ step, rate: w.state.rate, pass, ...counts(), mask: units(0).map((l) => l.map((x) => x.state)), curves }),
      destroy() {
        loop.stop();
        stopWatch();
        free();
        lossPlot.destroy();
      },
    };
  },
};

// kept units: from a light to a dark orange as the output grows
function shade(f) {
  const a = [253, 186, 140], b = [154, 52, 18], t = Math.max(0, Math.min(1, f));
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * t)).join(',')})`;
}
function item(text, color) {
  const li = document.createElement('li');
  li.innerHTML = `<span class="dl-swatch" style="background:${color}"></span>`;
  li.append(text);
  return li;
}
const fmt = (v) => (v === undefined ? '—' : String(+v.toPrecision(3)));
