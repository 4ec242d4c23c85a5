// metrics.mjs: judging a binary classifier. The engine trains a small model on two overlapping
// clusters (positives can be made rare); its probabilities for the test points are then cut at a
// threshold the learner moves. Everything downstream is counting: the confusion matrix,
// precision, recall, F1, and the ROC and precision-recall curves over every threshold, with the
// area under the ROC curve and average precision.
import { createPlot } from '../components/plot.mjs';
import { mulberry32, gaussian } from '../../dlplay/random.mjs';
import { toArrays } from '../datasets2d.mjs';

const COLORS = ['#e8590c', '#1c64d1'];

// two Gaussian clusters, `share` of the points positive, `overlap` their spread
function makeData(n, share, overlap, seed) {
  const next = mulberry32(seed * 7907 + 11), pts = [];
  for (let i = 0; i < n; i++) {
    const label = next() < share ? 1 : 0, s = 0.4 + overlap;
    pts.push({ x: (label ? 0.8 : -0.8) + s * gaussian(next), y: (label ? 0.5 : -0.5) + s * gaussian(next), label });
  }
  return pts;
}

/** Counts and rates at threshold t: predicted positive when p >= t. */
export function confusion(probs, labels, t) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  probs.forEach((p, i) => (p >= t ? (labels[i] ? tp++ : fp++) : labels[i] ? fn++ : tn++));
  const precision = tp + fp ? tp / (tp + fp) : 1, recall = tp + fn ? tp / (tp + fn) : 0;
  return { tp, fp, fn, tn, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, accuracy: (tp + tn) / probs.length, fpr: fp + tn ? fp / (fp + tn) : 0 };
}

/** ROC and PR points over every threshold (each distinct score), the ROC's area and average precision. */
export function curves(probs, labels) {
  const order = [...probs.keys()].sort((a, b) => probs[b] - probs[a]);
  const P = labels.reduce((a, l) => a + l, 0), N = labels.length - P;
  const roc = [[0, 0]], pr = [];
  let tp = 0, fp = 0, auc = 0, ap = 0, lastRecall = 0;
  for (let i = 0; i < order.length; i++) {
    labels[order[i]] ? tp++ : fp++;
    if (i + 1 < order.length && probs[order[i + 1]] === probs[order[i]]) continue; // (ties: one point)
    const tpr = P ? tp / P : 0, fpr = N ? fp / N : 0, [px, py] = roc.at(-1);
    auc += ((fpr - px) * (tpr + py)) / 2; // trapezoids
    roc.push([fpr, tpr]);
    const precision = tp / (tp + fp);
    pr.push([tpr, precision]);
    ap += (tpr - lastRecall) * precision; // step-wise, as scikit-learn's average precision
    lastRecall = tpr;
  }
  return { roc, pr, auc, ap, positives: P, negatives: N };
}

export default {
  kind: 'metrics',
  title: 'Threshold, confusion matrix, precision, recall, ROC and PR',
  lede: 'A model gives each test point a probability of being positive (blue). Move the threshold: the points above it are called positive, and every count and rate below follows. The curves show all thresholds at once.',
  topic: 'Metrics',
  params: [
    { name: 'threshold', type: 'number', min: 0, max: 1, step: 0.01, default: 0.5, label: 'Threshold', control: 'range' },
    { name: 'positives', type: 'number', min: 0.02, max: 0.5, step: 0.01, default: 0.3, label: 'Share of positives', control: 'range' },
    { name: 'overlap', type: 'number', min: 0, max: 1.5, step: 0.05, default: 0.5, label: 'Overlap of the classes', control: 'range' },
    { name: 'model', type: 'enum', values: ['logistic', 'mlp'], default: 'logistic', label: 'Model', control: 'select', labels: { logistic: 'logistic regression (a line)', mlp: 'a small MLP (curves)' } },
  ],
  parts: ['points', 'matrix', 'roc', 'pr'],
  seedControl: true,

  async create(w) {
    const { engine } = w;
    const points = createPlot(w.figure('points', 'Test points (blue: truly positive), on the region called positive at this threshold (blue) and negative (red)'), { square: true, label: 'test points' });
    const matrixBox = w.figure('matrix', 'Confusion matrix and the rates at this threshold');
    const roc = createPlot(w.figure('roc', 'ROC: true-positive rate against false-positive rate; the dot is this threshold'), { square: true, xLabel: 'FPR', yLabel: 'TPR', label: 'ROC curve' });
    const pr = createPlot(w.figure('pr', 'Precision against recall; the dot is this threshold'), { square: true, xLabel: 'recall', yLabel: 'precision', label: 'precision-recall curve' });
    let data = null, probs = null, field = null, all = null, last = null, token = 0;

    // train on 300 points, score 300 test points and a 60 x 60 grid, all with the engine
    async function train() {
      const s = w.state, mine = ++token;
      const pts = makeData(600, s.positives, s.overlap, s.seed), train = pts.slice(0, 300), test = pts.slice(300);
      const layers = s.model === 'mlp' ? [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 2 }] : [{ type: 'dense', units: 2 }];
      const m = engine.model({ input: [2], layers, seed: s.seed });
      try {
        await m.fit(toArrays(train), { epochs: 60, batchSize: 32, optimizer: 'adam', lr: 0.02, seed: s.seed });
        if (mine !== token) return; // (a newer setting has started another)
        const positive = (x) => {
          const z = m.predict(x), out = new Float32Array(z.length / 2);
          for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(z[2 * i] - z[2 * i + 1])); // softmax of two logits
          return out;
        };
        data = test;
        probs = [...positive(toArrays(test).x)];
        const n = 60, grid = new Float32Array(2 * n * n);
        for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) (grid[2 * (r * n + c)] = -3 + (6 * (c + 0.5)) / n), (grid[2 * (r * n + c) + 1] = 3 - (6 * (r + 0.5)) / n);
        field = { cols: n, rows: n, values: positive(grid), signed: false };
        all = curves(probs, data.map((p) => p.label));
      } finally {
        m.dispose();
      }
      draw();
      w.tally('trained');
    }

    function draw() {
      if (!probs) return;
      const t = w.state.threshold, labels = data.map((p) => p.label), c = confusion(probs, labels, t);
      // the field as signed, faint: blue where p >= threshold (called positive), red below
      points.update({
        x: [-3, 3], y: [-3, 3],
        field: { ...field, values: field.values.map((p) => t - p), signed: true, alpha: 0.45 },
        points: data.map((p) => ({ x: p.x, y: p.y, color: COLORS[p.label], r: 3 })),
      });
      matrixBox.innerHTML = `<table class="dl-table confusion-table"><caption>predicted (columns) against true (rows)</caption>
        <thead><tr><th scope="col"></th><th scope="col">predicted +</th><th scope="col">predicted −</th></tr></thead>
        <tbody><tr><th scope="row">true +</th><td>TP ${c.tp}</td><td>FN ${c.fn}</td></tr>
        <tr><th scope="row">true −</th><td>FP ${c.fp}</td><td>TN ${c.tn}</td></tr></tbody></table>
        <dl class="facts"><dt>precision TP / (TP + FP)</dt><dd>${c.precision.toFixed(3)}</dd><dt>recall TP / (TP + FN)</dt><dd>${c.recall.toFixed(3)}</dd>
        <dt>F1</dt><dd>${c.f1.toFixed(3)}</dd><dt>accuracy</dt><dd>${c.accuracy.toFixed(3)}</dd><dt>false-positive rate</dt><dd>${c.fpr.toFixed(3)}</dd></dl>`;
      roc.update({ x: [0, 1], y: [0, 1], lines: [{ xs: all.roc.map((p) => p[0]), ys: all.roc.map((p) => p[1]), color: '#2f6fde' }, { xs: [0, 1], ys: [0, 1], color: '#b8bfcc', dashed: true, width: 1 }], points: [{ x: c.fpr, y: c.recall, color: '#c2410c', r: 5 }] });
      pr.update({ x: [0, 1], y: [0, 1], lines: [{ xs: all.pr.map((p) => p[0]), ys: all.pr.map((p) => p[1]), color: '#2f6fde' }], hline: [all.positives / probs.length], points: [{ x: c.recall, y: c.precision, color: '#c2410c', r: 5 }] });
      last = { threshold: t, ...c, auc: all.auc, ap: all.ap, positives: all.positives, negatives: all.negatives, probabilities: probs, labels };
      w.summary(`Threshold ${t}: TP ${c.tp}, FP ${c.fp}, FN ${c.fn}, TN ${c.tn}; precision ${c.precision.toFixed(3)}, recall ${c.recall.toFixed(3)}, F1 ${c.f1.toFixed(3)}, accuracy ${c.accuracy.toFixed(3)}. Over all thresholds: ROC AUC ${all.auc.toFixed(3)}, average precision ${all.ap.toFixed(3)} (${all.positives} positives of ${probs.length}).`);
    }

    await train(); // (ready once the first model has been scored)
    return { update: (name) => (name === 'threshold' ? draw() : train()), results: () => last, destroy: () => (points.destroy(), roc.destroy(), pr.destroy()) };
  },
};
