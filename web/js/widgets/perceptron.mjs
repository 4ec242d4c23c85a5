// perceptron.mjs: the perceptron learning rule, one sample at a time. The unit is the engine's
// dense op on two inputs; its loss is the engine's perceptron criterion, max(0, -t s) with t = ±1,
// so one SGD step on one sample is the rule itself: nothing changes when the sample is on the
// right side, and w += lr t x, b += lr t when it is not. On data a line separates, an epoch
// without a mistake comes; on XOR it never does.
import { createPlot } from '../components/plot.mjs';
import { makeToySet } from '../datasets2d.mjs';

const COLORS = ['#e8590c', '#1c64d1']; // class 0 (t = -1), class 1 (t = +1)

export default {
  kind: 'perceptron',
  title: 'The perceptron learning rule',
  lede: 'Step through the samples: a sample on the wrong side of the line moves the weights by lr · t · x (t = ±1); one on the right side changes nothing.',
  topic: 'Perceptron and MLP',
  params: [
    { name: 'data', type: 'enum', values: ['blobs', 'xor'], default: 'blobs', label: 'Data', control: 'select', labels: { blobs: 'two clusters (a line separates them)', xor: 'XOR (no line separates it)' } },
    { name: 'points', type: 'int', min: 4, max: 200, default: 40, label: 'Points', control: 'number' },
    { name: 'lr', type: 'number', min: 0.001, max: 2, default: 0.1, label: 'Learning rate', control: 'number' },
    { name: 'speed', type: 'int', min: 1, max: 60, default: 10, label: 'Samples per second', control: 'range' },
  ],
  parts: ['plot', 'step', 'run', 'reset'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const plot = createPlot(w.figure('plot', 'Points (orange: t = −1, blue: t = +1), the line w·x + b = 0, and the sample being shown (ringed)'), { square: true, xLabel: 'x₁', yLabel: 'x₂', label: 'perceptron' });
    const stepButton = w.button('step', 'Step', () => (loop.stop(), step(), draw()), { secondary: false });
    const runButton = w.button('run', 'Run', () => (loop.on ? loop.stop() : loop.start(), draw()));
    w.button('reset', 'Reset', () => (loop.stop(), reset()));
    let g, x, t, W, b, loss, opt, data, i, epoch, mistakes, cleanEpoch, lastEvent, wait = 0;
    const loop = w.loop((dt) => {
      wait += dt;
      let moved = false;
      while (wait >= 1000 / w.state.speed) (wait -= 1000 / w.state.speed), step(), (moved = true);
      if (moved) draw();
      if (cleanEpoch) return false;
    }, { onStop: () => draw() });

    function build() {
      g?.dispose();
      g = engine.graph(w.state.seed);
      x = g.input('x', [2]);
      t = g.input('t', [1]);
      W = g.param('w', [2, 1], { init: 'normal', a: 0, b: 0.5 });
      b = g.param('b', [1]);
      loss = g.op('perceptron', [g.op('dense', [x, W, b]), t]);
      g.plan(1);
      opt = g.optimizer('sgd');
    }

    function reset() {
      build();
      const set = makeToySet(w.state.data, { n: w.state.points, noise: 0.05, ratio: 1, seed: w.state.seed });
      data = set.train.map((p) => ({ x: p.x / 3, y: p.y / 3, t: p.label ? 1 : -1 })); // (inputs near unit size)
      i = 0;
      epoch = 0;
      mistakes = 0;
      cleanEpoch = false;
      lastEvent = null;
      draw();
    }

    // one sample through the engine: forward, the criterion's gradient, one SGD step
    function step() {
      if (cleanEpoch) return;
      const p = data[i];
      g.setValue(x, [p.x, p.y]).setValue(t, [p.t]);
      const before = { w: g.value(W), b: g.value(b)[0] };
      const s = before.w[0] * p.x + before.w[1] * p.y + before.b;
      g.trainStep(loss, opt, w.state.lr);
      const wrong = !(p.t * s > 0);
      if (wrong) mistakes++;
      lastEvent = { index: i, p, s, wrong, before, after: { w: g.value(W), b: g.value(b)[0] } };
      i++;
      if (i === data.length) {
        epoch++;
        cleanEpoch = mistakes === 0;
        lastEvent.epochMistakes = mistakes;
        i = 0;
        mistakes = 0;
      }
    }

    function draw() {
      const wv = g.value(W), bv = g.value(b)[0], r = 2.2;
      // the line w1 x + w2 y + b = 0, across the view
      const lines = [];
      if (Math.abs(wv[1]) > 1e-6) lines.push({ xs: [-r, r], ys: [-r, r].map((u) => -(wv[0] * u + bv) / wv[1]), color: '#1d2330' });
      else if (Math.abs(wv[0]) > 1e-6) lines.push({ xs: [-bv / wv[0], -bv / wv[0]], ys: [-r, r], color: '#1d2330' });
      const points = data.map((p) => ({ x: p.x, y: p.y, color: COLORS[p.t > 0 ? 1 : 0], r: 4 }));
      if (lastEvent) points.push({ x: lastEvent.p.x, y: lastEvent.p.y, color: 'rgba(0,0,0,0)', r: 9, label: lastEvent.wrong ? 'wrong: moves the line' : 'right: no change' });
      plot.update({ x: [-r, r], y: [-r, r], lines, points });
      runButton.textContent = loop.on ? 'Pause' : 'Run';
      stepButton.disabled = cleanEpoch;
      const f = (v) => v.toFixed(3), e = lastEvent;
      const where = `Epoch ${epoch + 1}, sample ${i + 1} of ${data.length}. w = (${f(wv[0])}, ${f(wv[1])}), b = ${f(bv)}.`;
      const what = !e ? 'Press Step to show the first sample.'
        : `Last sample: x = (${f(e.p.x)}, ${f(e.p.y)}), t = ${e.p.t > 0 ? '+1' : '−1'}, s = w·x + b = ${f(e.s)}: ${e.wrong ? `wrong side, so w += ${w.state.lr} · (${e.p.t > 0 ? '+1' : '−1'}) · x` : 'right side, nothing changes'}.`;
      const done = cleanEpoch ? ` Converged: epoch ${epoch} had no mistakes.` : e?.epochMistakes != null ? ` Epoch ${epoch}: ${e.epochMistakes} mistakes.` : '';
      w.summary(`${where} ${what}${done}`);
    }

    reset();
    return {
      update: (name) => (name === 'speed' || name === 'lr' ? draw() : (loop.stop(), reset())),
      start: () => (loop.start(), draw()),
      stop: () => (loop.stop(), draw()),
      results: () => ({ epoch, sample: i, converged: cleanEpoch, w: [...g.value(W)], b: g.value(b)[0], last: lastEvent && { wrong: lastEvent.wrong, before: lastEvent.before, after: lastEvent.after, x: [lastEvent.p.x, lastEvent.p.y], t: lastEvent.p.t } }),
      destroy: () => (g?.dispose(), plot.destroy()),
    };
  },
};
