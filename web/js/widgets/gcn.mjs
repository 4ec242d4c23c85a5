// gcn.mjs: a graph convolutional network learns the two clubs of Zachary's karate club from one
// labelled member of each (semi-supervised node classification). Every node starts as a one-hot
// vector (it knows only who it is); each GCN layer mixes a node's vector with its friends' (the
// engine's graph_conv, Â h) and transforms it (dense per node). The loss counts only the labelled
// nodes; the graph carries their labels to the rest. Beside the club: each node's 2-D embedding
// (the second layer's output) as training moves it. Below: message passing one hop at a time, a
// signal at one node after k untrained graph convolutions. The net and the club drawing are
// exported for the GAT widget, which trains this same GCN beside an attention layer.
import { createPlot } from '../components/plot.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { NODES, EDGES, FACTION, FACTION_NAMES, LAYOUT, DEGREE, adjacency, labelledNodes, hopsFrom } from './karate.mjs';

export const COLORS = ['#1c64d1', '#c2410c']; // Mr. Hi's club, the Officer's club (white text on both reads at 4.5:1)
const NORMS = { sym: 0, mean: 1, sum: 2 };
const NORM_LABELS = { sym: 'D⁻½ Ã D⁻½ (GCN)', mean: 'D⁻¹ Ã (mean)', sum: 'Ã (sum)' };

/** The identity as node features: node i's vector is 1 at i, 0 elsewhere. */
const identity = () => Float32Array.from({ length: NODES * NODES }, (_, k) => (k % (NODES + 1) === 0 ? 1 : 0));

/**
 * A two-layer graph network for the club, one sample (the whole graph), as an engine graph:
 * h = tanh(layer₁(X)), z = tanh(layer₂(h)) (2-D: the embedding drawn), logits = z W + b.
 * A 'gcn' layer is Â h W + b (graph_conv, then dense per node); a 'gat' layer is one attention
 * head over h W + b (dense per node, then graph_attention). The loss is the cross-entropy over
 * the labelled nodes only (weight 1 on them, 0 elsewhere).
 */
export function createNet(engine, { kind, seed, hidden, labelled }) {
  const N = NODES, g = engine.graph(seed);
  const x = g.input('x', [N, N]), adj = g.input('adj', [N, N], { batched: false });
  const y = g.input('y', [N]), weight = g.input('weight', [N]);
  const attention = [], convs = [];
  const layer = (h, fin, fout, k) => {
    const W = g.param(`W${k}`, [fin, fout], { init: 'xavier_uniform' }), b = g.param(`b${k}`, [fout]);
    if (kind === 'gcn') {
      const m = g.op('graph_conv', [h, adj], { ints: [NORMS.sym] });
      convs.push(m);
      return g.op('dense', [m, W, b], { ints: [0, 1] });
    }
    const hW = g.op('dense', [h, W, b], { ints: [0, 1] });
    const aSelf = g.param(`a_self${k}`, [fout], { init: 'normal', a: 0, b: 0.3 }), aNbr = g.param(`a_nbr${k}`, [fout], { init: 'normal', a: 0, b: 0.3 });
    const out = g.op('graph_attention', [hW, adj, aSelf, aNbr]);
    attention.push({ h: hW, out, aSelf, aNbr });
    return out;
  };
  const h = g.op('tanh', [layer(x, N, hidden, 1)]);
  const z = g.op('tanh', [layer(h, hidden, 2, 2)]);
  const Wc = g.param('Wc', [2, 2], { init: 'xavier_uniform' }), bc = g.param('bc', [2]);
  const logits = g.op('dense', [z, Wc, bc], { ints: [0, 1] });
  const loss = g.op('softmax_ce', [logits, y, weight]);
  g.plan(1).setBatch(1);
  const mask = new Float32Array(N);
  for (const i of labelled) mask[i] = 1;
  g.setValue(x, identity()).setValue(adj, adjacency()).setValue(y, Float32Array.from(FACTION)).setValue(weight, mask);
  const opt = g.optimizer('adam');

  // what the figures need, read after forward and before backward (which reuses the memory)
  function look() {
    const lg = g.value(logits), predicted = [];
    let right = 0, unlabelled = 0;
    for (let i = 0; i < N; i++) {
      predicted.push(lg[2 * i + 1] > lg[2 * i] ? 1 : 0);
      if (!mask[i]) (unlabelled++, predicted[i] === FACTION[i] && right++);
    }
    return {
      loss: g.value(loss)[0], logits: lg, predicted, accuracy: right / unlabelled, z: g.value(z),
      // GCN: Â from the first graph_conv's scratch; GAT: each head's α (scratch), its input h and vectors a
      Ahat: convs.length ? g.scratch(convs[0]).slice(0, N * N) : null,
      attention: attention.map((a) => ({ alpha: g.scratch(a.out).slice(0, N * N), h: g.value(a.h), aSelf: g.value(a.aSelf), aNbr: g.value(a.aNbr) })),
    };
  }
  return {
    labelled,
    /** One forward pass: the net as it is now. */
    look() {
      g.forward(loss);
      return look();
    },
    /** One Adam step on the labelled nodes' loss; returns the net as it was before the step. */
    step(lr) {
      g.forward(loss);
      const seen = look();
      g.backward(loss);
      opt.step(lr);
      return seen;
    },
    dispose: () => (opt.dispose(), g.dispose()),
  };
}

/**
 * Draw the club on `canvas`, `width` CSS px wide; returns the height used. Options, each per node
 * i or per edge (i, j): fill(i), ink(i) (the number's colour), ring(i) → {color, width, dash} or
 * null, edge(i, j) → {color, width} or null (the default: a thin grey line).
 */
export function drawClub(canvas, width, { fill, ink = () => '#fff', ring = () => null, edge = () => null }) {
  const side = Math.min(width, 520), r = Math.max(7, Math.min(11, side / 40)), pad = r + 4, ox = (width - side) / 2;
  const tall = Math.max(...LAYOUT.map((q) => q[1])), h = Math.round(2 * pad + (side - 2 * pad) * tall), ctx = fitCanvas(canvas, width, h);
  const at = (i) => [ox + pad + LAYOUT[i][0] * (side - 2 * pad), pad + LAYOUT[i][1] * (side - 2 * pad)];
  ctx.clearRect(0, 0, width, h);
  ctx.lineCap = 'round';
  for (const [i, j] of EDGES) {
    const e = edge(i, j) ?? { color: '#c3c8d2', width: 1 };
    const [ax, ay] = at(i), [bx, by] = at(j);
    ctx.strokeStyle = e.color;
    ctx.lineWidth = e.width;
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.stroke();
  }
  ctx.font = `${r > 9 ? 11 : 10}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < NODES; i++) {
    const [x, y] = at(i), o = ring(i);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = fill(i);
    ctx.fill();
    ctx.strokeStyle = o?.color ?? '#5b6475';
    ctx.lineWidth = o?.width ?? 1;
    ctx.setLineDash(o?.dash ?? []);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = ink(i);
    ctx.fillText(String(i), x, y + 0.5);
  }
  return h;
}

/** Rings for the club drawing: black for a labelled node, dashed dark red where the prediction is wrong. */
export const predictionRing = (labelled, predicted) => (i) =>
  labelled.includes(i) ? { color: '#1d2330', width: 3.5 } : predicted && predicted[i] !== FACTION[i] ? { color: '#9f1239', width: 3, dash: [3, 2] } : null;

export const pct = (v) => `${(100 * v).toFixed(1)}%`;

export default {
  kind: 'gcn',
  title: 'Graph convolution: who joins which club?',
  lede: 'Zachary\'s karate club split in two. A graph convolutional network (GCN) knows only the friendships and the club of one member on each side; each layer mixes every member\'s vector with its friends\'. Train it and watch the labels spread through the graph and the members\' 2-D embeddings separate. Below, see one hop of message passing at a time.',
  topic: 'Graph neural networks',
  params: [
    { name: 'labelled', type: 'int', min: 1, max: 4, default: 1, label: 'Labelled members per club', control: 'range' },
    { name: 'hidden', type: 'int', min: 4, max: 16, default: 8, label: 'Units in the first GCN layer', control: 'range' },
    { name: 'lr', type: 'number', min: 0.001, max: 0.2, default: 0.02, step: 0.001, label: 'Learning rate (Adam)', control: 'number' },
    { name: 'epochs', type: 'int', min: 20, max: 1000, default: 200, label: 'Training steps (the whole graph each)', control: 'number' },
    { name: 'node', type: 'int', min: 0, max: NODES - 1, default: 0, label: 'Message passing: start node', control: 'range' },
    { name: 'hops', type: 'int', min: 0, max: 4, default: 1, label: 'Hops k (graph convolutions applied)', control: 'range' },
    { name: 'norm', type: 'enum', values: Object.keys(NORMS), default: 'sym', label: 'Normalization of Ã', control: 'select', labels: NORM_LABELS },
  ],
  parts: ['club', 'embedding', 'progress', 'hops', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const { box: clubBox, canvas: clubCanvas } = w.canvasFigure('club', `The club, coloured by the GCN's prediction (blue: ${FACTION_NAMES[0]}, orange: ${FACTION_NAMES[1]}); black rings: the labelled members; dashed red rings: predicted wrong`);
    const embedding = createPlot(w.figure('embedding', 'Each member\'s 2-D embedding (the second layer\'s output), coloured by the club it really joined; the trails show training move them'), { square: true, xLabel: 'z₁', yLabel: 'z₂', label: '2-D node embeddings' });
    const progress = createPlot(w.figure('progress', 'Accuracy on the unlabelled members (blue) and the loss on the labelled ones (grey), per step', { wide: true }), { height: 150, xLabel: 'step', label: 'accuracy and loss per step' });
    const { box: hopsBox, canvas: hopsCanvas } = w.canvasFigure('hops', 'Message passing: a signal of 1 at the start node after k graph convolutions Âᵏx, untrained (darker: larger; ringed: within k hops)', { wide: true });
    const hopsText = document.createElement('p');
    hopsText.className = 'dl-formula';
    hopsBox.append(hopsText);
    const trainButton = w.button('train', 'Train', () => train(), { secondary: false });
    let net = null, seen = null, history = null, trails = null, clubWidth = 0, hopsWidth = 0, hopNet = null, spread = null;
    const loop = w.loop(frame, { onStop: () => (trainButton.disabled = false) });
    const stopWatch = [watchWidth(clubBox, (px) => ((clubWidth = px), drawClubFigure())), watchWidth(hopsBox, (px) => ((hopsWidth = px), drawHops()))];

    function reset() {
      loop.stop();
      net?.dispose();
      const s = w.state;
      net = createNet(engine, { kind: 'gcn', seed: s.seed, hidden: s.hidden, labelled: labelledNodes(s.labelled, s.seed) });
      seen = net.look();
      history = { steps: 0, accuracy: [], loss: [] };
      trails = Array.from({ length: NODES }, (_, i) => ({ xs: [seen.z[2 * i]], ys: [seen.z[2 * i + 1]] }));
      draw();
    }

    function train() {
      reset();
      trainButton.disabled = true;
      loop.start();
    }

    // a few steps per frame: about 60 frames (a second) for any run length
    function frame() {
      const s = w.state, per = Math.max(1, Math.ceil(s.epochs / 60));
      try {
        for (let k = 0; k < per && history.steps < s.epochs; k++) {
          const before = net.step(s.lr);
          history.accuracy.push(before.accuracy);
          history.loss.push(before.loss);
          history.steps++;
        }
        seen = net.look();
      } catch (e) {
        w.status(`Training stopped: ${e.message}`, true);
        return false;
      }
      trails.forEach((t, i) => (t.xs.push(seen.z[2 * i]), t.ys.push(seen.z[2 * i + 1])));
      draw();
      if (history.steps < s.epochs) return true;
      w.tally('trained');
      return false;
    }

    function draw() {
      drawClubFigure();
      const light = ['rgba(28, 100, 209, 0.35)', 'rgba(194, 65, 12, 0.35)'];
      embedding.update({
        x: [-1.05, 1.05], y: [-1.05, 1.05],
        lines: trails.map((t, i) => ({ xs: t.xs, ys: t.ys, color: light[FACTION[i]], width: 1 })),
        points: trails.map((t, i) => ({ x: t.xs.at(-1), y: t.ys.at(-1), color: COLORS[FACTION[i]], r: net.labelled.includes(i) ? 6 : 4, label: net.labelled.includes(i) ? String(i) : '' })),
      });
      const steps = Float32Array.from(history.accuracy, (_, i) => i);
      progress.update({
        x: [0, w.state.epochs], y: [0, Math.max(1, ...history.loss.slice(0, 3))],
        lines: [{ xs: steps, ys: Float32Array.from(history.loss), color: '#5b6475', width: 1.5 }, { xs: steps, ys: Float32Array.from(history.accuracy), color: '#2f6fde' }],
      });
      const wrong = seen.predicted.map((p, i) => (p !== FACTION[i] && !net.labelled.includes(i) ? i : -1)).filter((i) => i >= 0);
      w.summary(`${history.steps ? `After ${history.steps} steps` : 'Untrained'}: accuracy on the ${NODES - net.labelled.length} unlabelled members ${pct(seen.accuracy)}${wrong.length ? ` (wrong: ${wrong.join(', ')})` : ''}; loss on the ${net.labelled.length} labelled (${net.labelled.join(', ')}) ${seen.loss.toFixed(3)}. ${hopsSummary()}`);
    }

    function drawClubFigure() {
      if (!seen || !clubWidth) return;
      drawClub(clubCanvas, clubWidth, { fill: (i) => COLORS[seen.predicted[i]], ring: predictionRing(net.labelled, seen.predicted) });
      const count = [0, 1].map((c) => seen.predicted.filter((p) => p === c).length);
      clubCanvas.setAttribute('aria-label', `The karate club's 34 members: ${count[0]} predicted in ${FACTION_NAMES[0]}, ${count[1]} in ${FACTION_NAMES[1]}; accuracy on the unlabelled ${pct(seen.accuracy)}`);
    }

    // ---- message passing, one hop at a time: Âᵏ e_s with k graph_conv ops stacked ----
    function buildHops() {
      hopNet?.g.dispose();
      const g = engine.graph(w.state.seed), x = g.input('x', [NODES, 1]), adj = g.input('adj', [NODES, NODES], { batched: false });
      const hops = [x];
      for (let k = 1; k <= 4; k++) hops.push(g.op('graph_conv', [hops[k - 1], adj], { ints: [NORMS[w.state.norm]] }));
      g.plan(1, { inference: true }).setTraining(false).setBatch(1).setValue(adj, adjacency());
      hopNet = { g, x, hops };
    }

    function runHops() {
      const s = w.state, { g, x, hops } = hopNet, start = new Float32Array(NODES);
      start[s.node] = 1;
      g.setValue(x, start);
      if (s.hops > 0) g.forward(hops[s.hops]);
      const values = g.value(hops[s.hops]), dist = hopsFrom(s.node);
      const reached = [...values].filter((v) => v > 0).length, within = dist.filter((d) => d <= s.hops).length;
      spread = { node: s.node, k: s.hops, norm: s.norm, values: [...values], reached, within, total: values.reduce((a, v) => a + v, 0), dist };
    }

    function hopsSummary() {
      if (!spread) return '';
      const top = [...spread.values.keys()].sort((a, b) => spread.values[b] - spread.values[a]).slice(0, 3);
      return `Message passing from node ${spread.node}, k = ${spread.k} (${spread.norm}): ${spread.reached} nodes hold part of the signal, the ${spread.within} within ${spread.k} hop${spread.k === 1 ? '' : 's'}; largest at ${top.map((i) => `${i} (${fmt(spread.values[i])})`).join(', ')}; total ${fmt(spread.total)}.`;
    }

    function drawHops() {
      if (!spread) return;
      const { values, dist, k, node } = spread, top = Math.max(...values) || 1;
      hopsText.textContent = `x = e${sub(node)} (1 at node ${node}, degree ${DEGREE[node]});  after k = ${k}: ${spread.reached} of ${NODES} nodes non-zero, the ${spread.within} within ${k} hop${k === 1 ? '' : 's'};  sum of the values ${fmt(spread.total)}`;
      if (!hopsWidth) return;
      // white (0) to dark blue (the largest value); the number in white once the blue is dark
      const shade = (v) => {
        const t = Math.sqrt(v / top), a = [246, 247, 250], b = [30, 58, 138];
        return `rgb(${a.map((c, q) => Math.round(c + (b[q] - c) * t)).join(',')})`;
      };
      drawClub(hopsCanvas, hopsWidth, {
        fill: (i) => shade(values[i]),
        ink: (i) => (Math.sqrt(values[i] / top) > 0.5 ? '#fff' : '#1d2330'),
        ring: (i) => (i === node ? { color: '#c2410c', width: 3.5 } : dist[i] <= k ? { color: '#1d2330', width: 2 } : null),
        edge: (i, j) => (dist[i] <= k && dist[j] <= k && Math.abs(dist[i] - dist[j]) === 1 ? { color: '#5b6475', width: 2 } : null),
      });
      hopsCanvas.setAttribute('aria-label', `A signal starting at node ${node} after ${k} graph convolutions: ${spread.reached} of ${NODES} nodes reached`);
    }

    function updateHops(rebuild) {
      try {
        if (rebuild) buildHops();
        runHops();
        w.status('');
      } catch (e) {
        w.status(`The engine refuses this: ${e.message}`, true);
      }
      drawHops();
    }

    updateHops(true);
    reset();
    return {
      update(name) {
        if (name === 'node' || name === 'hops' || name === 'norm' || name === 'seed') updateHops(name === 'norm');
        if (name === 'node' || name === 'hops' || name === 'norm') return draw();
        reset();
      },
      start: train,
      stop: () => loop.stop(),
      results: () => ({
        steps: history.steps, labelled: net.labelled, accuracy: seen.accuracy, loss: seen.loss, predicted: seen.predicted, z: [...seen.z],
        history: { accuracy: history.accuracy, loss: history.loss }, hops: spread,
      }),
      destroy() {
        loop.stop();
        stopWatch.forEach((f) => f());
        embedding.destroy();
        progress.destroy();
        net?.dispose();
        hopNet?.g.dispose();
      },
    };
  },
};

const fmt = (v) => (v === 0 ? '0' : Math.abs(v) < 0.001 ? v.toExponential(2) : String(+v.toPrecision(3)));
const sub = (n) => String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[d]);
