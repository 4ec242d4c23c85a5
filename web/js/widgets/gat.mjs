// gat.mjs: graph attention against graph convolution on the karate club, same task, same seed.
// A GCN weighs each friend j of node i by a fixed number from the degrees, 1/√(d̃_i d̃_j) (d̃
// counts the self-loop); a GAT head learns its weights: α_ij = softmax over i's neighbourhood of
// LeakyReLU(a_self·h_i + a_nbr·h_j). Both nets (gcn.mjs's createNet) train side by side; the figures
// show their accuracy on the unlabelled members, and for a chosen member the weights each gives
// its friends: on the club's edges and as a table. The α are the engine's (graph_attention keeps
// them in its scratch), the GCN's weights the engine's Â (graph_conv's scratch).
import { createPlot } from '../components/plot.mjs';
import { watchWidth } from '../components/hidpi.mjs';
import { NODES, FACTION, FACTION_NAMES, NEIGHBOURS, DEGREE, labelledNodes } from './karate.mjs';
import { createNet, drawClub, predictionRing, COLORS, pct } from './gcn.mjs';

const MODELS = ['gcn', 'gat'];
const LINE = { gcn: '#5b6475', gat: '#7c3aed' };
const CLUB = ['Mr. Hi', 'Officer'];

export default {
  kind: 'gat',
  title: 'Graph attention: learned weights for each friend',
  lede: 'The same karate club, the same two labelled members. A GCN mixes each member\'s friends with fixed weights set by how many friends each has; a graph attention network (GAT) learns how much each friend counts. Train both and compare their accuracy and the weights they give one member\'s friends.',
  topic: 'Graph neural networks',
  params: [
    { name: 'node', type: 'int', min: 0, max: NODES - 1, default: 2, label: 'Member whose weights are shown', control: 'range' },
    { name: 'layer', type: 'enum', values: ['1', '2'], default: '1', label: 'Attention layer shown', control: 'select', labels: { 1: 'first layer (34 → hidden)', 2: 'second layer (hidden → 2-D)' } },
    { name: 'labelled', type: 'int', min: 1, max: 4, default: 1, label: 'Labelled members per club', control: 'range' },
    { name: 'hidden', type: 'int', min: 4, max: 16, default: 8, label: 'Units in the first layer', control: 'range' },
    { name: 'lr', type: 'number', min: 0.001, max: 0.2, default: 0.02, step: 0.001, label: 'Learning rate (Adam, both nets)', control: 'number' },
    { name: 'epochs', type: 'int', min: 20, max: 1000, default: 200, label: 'Training steps', control: 'number' },
  ],
  parts: ['gat', 'gcn', 'weights', 'accuracy', 'train'],
  seedControl: true,

  create(w) {
    const { engine } = w;
    const figs = {
      gat: w.canvasFigure('gat', 'GAT: coloured by its prediction; the edges of the chosen member (purple ring) as thick as its attention α on each friend'),
      gcn: w.canvasFigure('gcn', 'GCN: coloured by its prediction; the edges of the chosen member as thick as its fixed weight 1/√(d̃ᵢ d̃ⱼ); black rings: labelled; dashed red: wrong'),
    };
    const table = w.figure('weights', 'The weights the chosen member gives each friend and itself: the GAT\'s learned α and the GCN\'s fixed ones', { wide: true });
    const curves = createPlot(w.figure('accuracy', 'Accuracy on the unlabelled members per step: GCN (grey, dashed) and GAT (purple)', { wide: true }), { height: 150, xLabel: 'step', label: 'accuracy of the GCN and the GAT per step' });
    const trainButton = w.button('train', 'Train both', () => train(), { secondary: false });
    const widths = { gat: 0, gcn: 0 };
    let nets = null, seen = null, history = null;
    const loop = w.loop(frame, { onStop: () => (trainButton.disabled = false) });
    const stopWatch = MODELS.map((m) => watchWidth(figs[m].box, (px) => ((widths[m] = px), drawClubs())));

    function reset() {
      loop.stop();
      for (const m of MODELS) nets?.[m].dispose();
      const s = w.state, labelled = labelledNodes(s.labelled, s.seed);
      nets = Object.fromEntries(MODELS.map((kind) => [kind, createNet(engine, { kind, seed: s.seed, hidden: s.hidden, labelled })]));
      seen = Object.fromEntries(MODELS.map((m) => [m, nets[m].look()]));
      history = { steps: 0, gcn: [], gat: [] };
      draw();
    }

    function train() {
      reset();
      trainButton.disabled = true;
      loop.start();
    }

    function frame() {
      const s = w.state, per = Math.max(1, Math.ceil(s.epochs / 60));
      try {
        for (let k = 0; k < per && history.steps < s.epochs; k++) {
          for (const m of MODELS) history[m].push(nets[m].step(s.lr).accuracy);
          history.steps++;
        }
        for (const m of MODELS) seen[m] = nets[m].look();
      } catch (e) {
        w.status(`Training stopped: ${e.message}`, true);
        return false;
      }
      draw();
      if (history.steps < s.epochs) return true;
      w.tally('trained');
      return false;
    }

    // node i's weight on each j: row i of the GAT's α (the layer shown) and of the GCN's Â
    function weights() {
      const i = w.state.node, att = seen.gat.attention[Number(w.state.layer) - 1];
      const row = (M) => Array.from({ length: NODES }, (_, j) => M[i * NODES + j]);
      return { i, alpha: row(att.alpha), fixed: row(seen.gcn.Ahat), att };
    }

    function draw() {
      drawClubs();
      const { i, alpha, fixed } = weights(), others = [...NEIGHBOURS[i], i];
      const bar = (v, color) => `<span aria-hidden="true" style="display:inline-block;vertical-align:middle;height:0.6rem;width:${(v * 3).toFixed(2)}rem;background:${color};margin-right:0.4rem"></span>`;
      const rows = others.map((j) => `<tr><th scope="row">${j === i ? `${j} (self)` : j}</th><td>${CLUB[FACTION[j]]}</td><td>${DEGREE[j] + 1}</td>`
        + `<td style="white-space: nowrap">${bar(alpha[j], LINE.gat)}${alpha[j].toFixed(3)}</td><td style="white-space: nowrap">${bar(fixed[j], LINE.gcn)}${fixed[j].toFixed(3)}</td></tr>`).join('');
      const sum = (r) => others.reduce((a, j) => a + r[j], 0);
      table.innerHTML = `<style>.gnn-weights th, .gnn-weights td { padding: 0.1rem 0.35rem; }</style><table class="dl-table gnn-weights" style="font-size: 0.88rem"><caption style="text-align: left">member ${i} (${FACTION_NAMES[FACTION[i]]}, d̃ = ${DEGREE[i] + 1} counting the self-loop): the GAT's α<sub>${i}j</sub> (attention layer ${w.state.layer}) and the GCN's 1/√(d̃<sub>${i}</sub> d̃<sub>j</sub>)</caption>
        <thead><tr><th scope="col">friend j</th><th scope="col">club</th><th scope="col">d̃<sub>j</sub></th><th scope="col">GAT</th><th scope="col">GCN</th></tr></thead>
        <tbody>${rows}</tbody><tfoot><tr><th scope="row">sum</th><td></td><td></td><td>${sum(alpha).toFixed(3)}</td><td>${sum(fixed).toFixed(3)}</td></tr></tfoot></table>`;
      const steps = Float32Array.from(history.gcn, (_, k) => k);
      curves.update({ x: [0, w.state.epochs], y: [0, 1], lines: ['gat', 'gcn'].map((m) => ({ xs: steps, ys: Float32Array.from(history[m]), color: LINE[m], dashed: m === 'gcn', name: m })) });
      const top = others.filter((j) => j !== i).sort((a, b) => alpha[b] - alpha[a])[0];
      w.summary(`${history.steps ? `After ${history.steps} steps` : 'Untrained'}: accuracy on the ${NODES - nets.gcn.labelled.length} unlabelled members: GCN ${pct(seen.gcn.accuracy)}, GAT ${pct(seen.gat.accuracy)}. Member ${i}: the GAT's largest attention on a friend is on ${top} (α = ${alpha[top].toFixed(3)}), on itself ${alpha[i].toFixed(3)}; the GCN's fixed weights run from ${Math.min(...others.map((j) => fixed[j])).toFixed(3)} to ${Math.max(...others.map((j) => fixed[j])).toFixed(3)}.`);
    }

    function drawClubs() {
      if (!seen) return;
      const { i, alpha, fixed } = weights(), labelled = nets.gat.labelled;
      for (const m of MODELS) {
        if (!widths[m]) continue;
        const v = m === 'gat' ? alpha : fixed, base = predictionRing(labelled, seen[m].predicted);
        drawClub(figs[m].canvas, widths[m], {
          fill: (k) => COLORS[seen[m].predicted[k]],
          ring: (k) => (k === i ? { color: LINE.gat, width: 4 } : base(k)),
          edge: (a, b) => (a === i || b === i ? { color: LINE[m], width: 1 + 14 * v[a === i ? b : a] } : null),
        });
        figs[m].canvas.setAttribute('aria-label', `${m.toUpperCase()}: accuracy ${pct(seen[m].accuracy)}; member ${i}'s weights on its friends ${NEIGHBOURS[i].map((j) => `${j}: ${v[j].toFixed(2)}`).join(', ')}`);
      }
    }

    reset();
    return {
      update: (name) => (name === 'node' || name === 'layer' ? draw() : reset()),
      start: train,
      stop: () => loop.stop(),
      results() {
        const { i, alpha, fixed, att } = weights();
        return {
          steps: history.steps, node: i, layer: Number(w.state.layer), labelled: nets.gat.labelled,
          accuracy: { gcn: seen.gcn.accuracy, gat: seen.gat.accuracy }, history: { gcn: history.gcn, gat: history.gat },
          predicted: { gcn: seen.gcn.predicted, gat: seen.gat.predicted },
          alphaRow: alpha, fixedRow: fixed,
          attention: { alpha: [...att.alpha], h: [...att.h], aSelf: [...att.aSelf], aNbr: [...att.aNbr], slope: 0.2 },
        };
      },
      destroy() {
        loop.stop();
        stopWatch.forEach((f) => f());
        curves.destroy();
        for (const m of MODELS) nets?.[m].dispose();
      },
    };
  },
};
