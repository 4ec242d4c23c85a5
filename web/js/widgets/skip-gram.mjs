// skip-gram.mjs: word embeddings learnt by predicting a word's neighbours (word2vec's skip-gram,
// with a full softmax). The corpus is tinyshakespeare in lower-case words; the V most frequent
// are kept and every other word becomes unknown (it keeps its place, so distances in the text
// stay true, but makes no pairs). Each (centre, context) pair within the window is one sample:
// the engine looks up the centre word's row of the embedding matrix E, scores it against every
// word's output vector (a dense layer, V scores) and takes the softmax cross-entropy of the
// context word. The views read E from the engine: nearest neighbours by cosine, the cosine and
// the distance between two words, and a 2-D projection (PCA, done here: it is a view, not the
// model) of the most frequent words.
import { createPlot } from '../components/plot.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { diverging } from '../components/colormap.mjs';
import { mulberry32, shuffle } from '../../dlplay/random.mjs';
import { smoothed } from './toy-net.mjs';

const CORPUS = new URL('../../text/tinyshakespeare.txt', import.meta.url);
const BATCH = 128, LR = 0.01, NEIGHBOURS = 8, MAPPED = 100, FRAME_MS = 12;
const HIGHLIGHT = '#c2410c', DOTS = '#5b6475';
let words = null; // (the corpus's words, read once per page)
let lists = 0; // (ids for the suggestion lists of several widgets on a page)

/** The text's words, lower-case; an apostrophe inside a word keeps it whole (we'll, know't). */
export const tokenize = (text) => text.toLowerCase().match(/[a-z]+(?:'[a-z]+)*/g) ?? [];

/** The V most frequent words (ties in alphabetical order) and each word's id (its rank). */
export function vocabulary(tokens, V) {
  const counts = new Map();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const list = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, V).map(([t]) => t);
  return { list, id: new Map(list.map((t, i) => [t, i])) };
}

/** Every (centre, context) pair within `window` words of each other, both in the vocabulary. */
export function skipPairs(tokens, id, window) {
  const ids = Int32Array.from(tokens, (t) => id.get(t) ?? -1), centre = [], context = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0) continue;
    for (let j = Math.max(0, i - window); j <= Math.min(ids.length - 1, i + window); j++)
      if (j !== i && ids[j] >= 0) centre.push(ids[i]), context.push(ids[j]);
  }
  return { centre: Int32Array.from(centre), context: Int32Array.from(context) };
}

/** H = −Σ p(c) ln p(c) over the context words: the loss of the best guess that ignores the centre word. */
export function unigramEntropy(context, V) {
  const n = new Float64Array(V);
  for (const c of context) n[c]++;
  let h = 0;
  for (const k of n) if (k) h -= (k / context.length) * Math.log(k / context.length);
  return h;
}

/** cos(a, b) = a·b / (|a| |b|) for rows a and b of E (D columns). */
export function cosine(E, D, a, b) {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < D; k++) (ab += E[a * D + k] * E[b * D + k]), (aa += E[a * D + k] ** 2), (bb += E[b * D + k] ** 2);
  return ab / Math.sqrt(aa * bb);
}

const distance = (E, D, a, b) => Math.hypot(...Array.from({ length: D }, (_, k) => E[a * D + k] - E[b * D + k]));

/** The k words most similar to word q by cosine, most similar first. */
export function nearest(E, D, q, k) {
  const V = E.length / D, all = [];
  for (let i = 0; i < V; i++) if (i !== q) all.push({ id: i, cosine: cosine(E, D, q, i) });
  return all.sort((a, b) => b.cosine - a.cosine).slice(0, k);
}

// The two leading principal directions of the unit-length rows `rows` of E (power iteration
// with deflation), their share of the variance, and a projection for any row.
function principalPlane(E, D, rows) {
  const unit = (i) => {
    const v = Array.from({ length: D }, (_, k) => E[i * D + k]), n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const X = rows.map(unit), mean = Array.from({ length: D }, (_, k) => X.reduce((s, x) => s + x[k], 0) / X.length);
  const Xc = X.map((x) => x.map((v, k) => v - mean[k]));
  const C = Array.from({ length: D }, (_, a) => Array.from({ length: D }, (_, b) => Xc.reduce((s, x) => s + x[a] * x[b], 0) / Xc.length));
  const trace = C.reduce((s, r, k) => s + r[k], 0), axes = [], shares = [];
  for (let p = 0; p < 2; p++) {
    let v = Array.from({ length: D }, (_, k) => 1 + k / D), lambda = 0;
    for (let it = 0; it < 100; it++) {
      const u = C.map((r) => r.reduce((s, c, k) => s + c * v[k], 0)), n = Math.hypot(...u) || 1;
      lambda = n;
      v = u.map((x) => x / n);
    }
    if (v[v.reduce((m, x, k) => (Math.abs(x) > Math.abs(v[m]) ? k : m), 0)] < 0) v = v.map((x) => -x); // (a fixed sign: the map does not flip)
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) C[a][b] -= lambda * v[a] * v[b];
    axes.push(v);
    shares.push(trace ? lambda / trace : 0);
  }
  const project = (i) => {
    const x = unit(i).map((v, k) => v - mean[k]);
    return axes.map((a) => a.reduce((s, c, k) => s + c * x[k], 0));
  };
  return { project, shares };
}

export default {
  kind: 'skip-gram',
  title: 'Word embeddings from skip-gram',
  lede: 'Each word gets a vector, a row of the embedding matrix. Skip-gram trains them by asking every word to predict the words around it in Shakespeare\'s plays; words used in similar places end up pointing the same way. Train, then look up a word\'s nearest neighbours by cosine similarity.',
  topic: 'Word embeddings',
  params: [
    { name: 'vocab', type: 'int', min: 300, max: 2000, step: 100, default: 1000, label: 'Vocabulary: most frequent words kept', control: 'range' },
    { name: 'window', type: 'int', min: 1, max: 5, default: 2, label: 'Window: context words on each side', control: 'range' },
    { name: 'dim', type: 'int', min: 8, max: 64, step: 8, default: 32, label: 'Embedding dimension D', control: 'range' },
    { name: 'steps', type: 'int', min: 50, max: 5000, default: 600, label: `Training steps (batches of ${BATCH} pairs)`, control: 'number' },
    { name: 'word', type: 'text', max: 24, default: 'lord', label: 'Query word', control: 'text' },
    { name: 'first', type: 'text', max: 24, default: 'he', label: 'Compare: first word', control: 'text' },
    { name: 'second', type: 'text', max: 24, default: 'she', label: 'Compare: second word', control: 'text' },
  ],
  parts: ['loss', 'neighbours', 'pair', 'map', 'train', 'reset'],
  seedControl: true,

  async create(w) {
    const { engine } = w;
    const lossBox = w.figure('loss', 'Training loss per step (grey) and its moving average (dark). Dashed: ln V, a uniform guess (grey), and the unigram baseline H (orange), the best guess that ignores the centre word', { wide: true });
    const lossPlot = createPlot(lossBox, { height: 170, xLabel: 'step', yLabel: 'loss (nats)', label: 'training loss' });
    const nearBox = w.figure('neighbours', `Nearest neighbours of the query word by cosine similarity of their rows of E (the ${NEIGHBOURS} most similar of the vocabulary)`);
    const { box: pairBox, canvas: pairCanvas } = w.canvasFigure('pair', 'The two words\' rows of E, one cell per dimension (red positive, blue negative), their cosine similarity and their Euclidean distance');
    const pairText = document.createElement('p');
    pairText.className = 'dl-formula';
    pairBox.prepend(pairText);
    const mapBox = w.figure('map', `The ${MAPPED} most frequent words' embeddings (as unit vectors) projected on their two principal directions; the query and its neighbours in orange`, { wide: true });
    const map = createPlot(mapBox, { square: true, xLabel: 'PC 1', yLabel: 'PC 2', label: 'embedding map' });
    const trainButton = w.button('train', 'Train', () => (loop.on ? loop.stop() : train()), { secondary: false });
    w.button('reset', 'Reset', () => (loop.stop(), reset()));
    const loop = w.loop(() => frame(), { onStop: () => ((trainButton.textContent = 'Train'), show()) });
    let data = null, net = null, E = null, losses = [], target = 0, frames = 0, pairWidth = 0, view = null;
    const stopWatch = watchWidth(pairBox, (px) => ((pairWidth = px), drawPair()));

    // suggestions for the word fields: the vocabulary, most frequent first
    const list = Object.assign(document.createElement('datalist'), { id: `skip-gram-words-${++lists}` });
    w.root.append(list);
    for (const name of ['word', 'first', 'second']) w.root.querySelector(`[data-part="${name}"]`)?.setAttribute('list', list.id);

    words ??= tokenize(await (await fetch(CORPUS)).text());

    // the data for this vocabulary and window: the pairs in a seeded order, and the baseline
    function prepare() {
      const s = w.state, vocab = vocabulary(words, s.vocab), pairs = skipPairs(words, vocab.id, s.window);
      const order = shuffle(Int32Array.from({ length: pairs.centre.length }, (_, i) => i), mulberry32(s.seed));
      list.replaceChildren(...vocab.list.map((t) => new Option(t)));
      data = { vocab, pairs, order, baseline: unigramEntropy(pairs.context, s.vocab) };
    }

    // the model: centre id → row of E → V scores (output vectors and a bias) → softmax cross-entropy of the context id
    function build() {
      net?.opt.dispose();
      net?.g.dispose();
      const s = w.state, V = s.vocab, D = s.dim, g = engine.graph(s.seed);
      const centre = g.input('centre', [1]), context = g.input('context', [1]);
      const Emb = g.param('E', [V, D], { init: 'normal', a: 0, b: 0.1 });
      const Out = g.param('W_out', [D, V], { init: 'normal', a: 0, b: 0.1 }), bias = g.param('b_out', [V]);
      const e = g.op('embedding', [centre, Emb]);
      const scores = g.op('reshape', [g.op('dense', [e, Out, bias])], { ints: [2, 1, V] }); // (one position of V scores)
      const loss = g.op('softmax_ce', [scores, context]);
      g.plan(BATCH).setBatch(BATCH);
      net = { g, centre, context, Emb, loss, opt: g.optimizer('adam'), step: 0, xb: new Float32Array(BATCH), tb: new Float32Array(BATCH) };
    }

    function reset() {
      try {
        prepare();
        build();
        losses = [];
        target = 0;
        E = net.g.value(net.Emb);
        w.status('');
      } catch (e) {
        net = null;
        w.status(`The engine refuses this model: ${e.message}`, true);
      }
      show();
    }

    // one Adam step on the next batch of pairs, in the seeded order (so a run replays exactly)
    function step() {
      const { g, centre, context, loss, opt, xb, tb } = net, { pairs, order } = data;
      for (let i = 0; i < BATCH; i++) {
        const k = order[(net.step * BATCH + i) % order.length];
        (xb[i] = pairs.centre[k]), (tb[i] = pairs.context[k]);
      }
      g.setValue(centre, xb).setValue(context, tb);
      losses.push(g.trainStep(loss, opt, LR));
      net.step++;
    }

    function train() {
      if (!net) return;
      target = net.step + w.state.steps;
      trainButton.textContent = 'Pause';
      loop.start();
    }

    // a few steps per frame, as many as fit in about 12 ms (at least one)
    function frame() {
      const t0 = performance.now();
      try {
        do step();
        while (net.step < target && performance.now() - t0 < FRAME_MS);
      } catch (e) {
        w.status(`Training stopped at step ${net.step + 1}: ${e.message}`, true);
        return false;
      }
      E = net.g.value(net.Emb);
      if (++frames % 4 === 0 || net.step >= target) draw();
      if (frames % 30 === 0) describe(); // (the text now and then: a screen reader is not flooded)
      if (net.step < target) return true;
      w.tally('trained');
      return false;
    }

    const wordOf = (name) => w.state[name].trim().toLowerCase();
    const known = (t) => data.vocab.id.get(t);

    // everything the views show, from the engine's E
    function measure() {
      const s = w.state, D = s.dim, q = known(wordOf('word')), a = known(wordOf('first')), b = known(wordOf('second'));
      const near = q === undefined ? null : nearest(E, D, q, NEIGHBOURS).map((n) => ({ word: data.vocab.list[n.id], cosine: n.cosine, id: n.id }));
      const pair = a === undefined || b === undefined ? null : { cosine: cosine(E, D, a, b), distance: distance(E, D, a, b), rows: [a, b] };
      const plane = principalPlane(E, D, Array.from({ length: Math.min(MAPPED, s.vocab) }, (_, i) => i));
      return { q, near, pair, plane };
    }

    function draw() {
      if (!data || !E) return;
      view = measure();
      drawLoss();
      drawNeighbours();
      drawPair();
      drawMap();
    }

    function show() {
      draw();
      describe();
    }

    function drawLoss() {
      const s = w.state, n = losses.length, uniform = Math.log(s.vocab), xs = Float32Array.from(losses, (_, i) => i + 1);
      const low = Math.min(data.baseline, ...losses.slice(-200)) - 0.3, end = Math.max(target, n, s.steps) * 1.04; // (room for the last tick's label)
      lossPlot.update({
        x: [0, end], y: [Math.max(0, low), uniform + 0.2],
        lines: [
          { xs: [0, end], ys: [uniform, uniform], color: '#5b6475', dashed: true, width: 1 },
          { xs: [0, end], ys: [data.baseline, data.baseline], color: HIGHLIGHT, dashed: true, width: 1.5 },
          ...(n ? [{ xs, ys: Float32Array.from(losses), color: '#b8bfcc', width: 1 }, { xs, ys: Float32Array.from(smoothed(losses)), color: '#1d2330', width: 2 }] : []),
        ],
      });
      lossBox.querySelector('canvas').setAttribute('aria-label', `training loss: ${n ? `${losses[0].toFixed(2)} at step 1, ${losses.at(-1).toFixed(2)} at step ${n}` : 'not trained yet'}; uniform guess ln V = ${uniform.toFixed(2)}, unigram baseline H = ${data.baseline.toFixed(2)} nats`);
    }

    function drawNeighbours() {
      const t = wordOf('word');
      if (!view.near) {
        nearBox.innerHTML = '';
        nearBox.append(Object.assign(document.createElement('p'), { textContent: `“${t}” is not among the ${w.state.vocab} words kept; try another (the field suggests them).` }));
        return;
      }
      const table = document.createElement('table');
      table.className = 'dl-table';
      table.style.width = '100%';
      table.innerHTML = '<caption></caption><thead><tr><th scope="col">word</th><th scope="col">cosine similarity</th></tr></thead><tbody></tbody>';
      table.caption.textContent = `nearest to “${t}”`;
      for (const n of view.near) {
        const row = table.tBodies[0].insertRow(), line = document.createElement('div'), bar = document.createElement('span');
        row.insertCell().textContent = n.word;
        // the number, and a bar as long as |cos| (1 fills the column)
        Object.assign(line.style, { display: 'flex', alignItems: 'center', gap: '0.5rem' });
        line.append(Object.assign(document.createElement('span'), { textContent: n.cosine.toFixed(3) }), bar);
        bar.setAttribute('aria-hidden', 'true');
        Object.assign(bar.style, { flex: `0 0 calc(${Math.abs(n.cosine)} * (100% - 4rem))`, height: '0.8rem', background: n.cosine < 0 ? 'var(--bad)' : 'var(--accent)', borderRadius: '2px' });
        row.insertCell().append(line);
      }
      nearBox.replaceChildren(table);
    }

    // the two rows of E as strips of D cells: a cosine near 1 is two strips alike in pattern, whatever their scale
    function drawPair() {
      if (!view) return;
      const a = wordOf('first'), b = wordOf('second'), p = view.pair;
      pairText.textContent = p ? `cos(${a}, ${b}) = ${p.cosine.toFixed(3)}\n‖${a} − ${b}‖ = ${p.distance.toFixed(3)}` : `“${known(a) === undefined ? a : b}” is not among the ${w.state.vocab} words kept.`;
      if (!pairWidth) return;
      const D = w.state.dim, h = p ? 64 : 1, ctx = fitCanvas(pairCanvas, pairWidth, h);
      ctx.clearRect(0, 0, pairWidth, h);
      if (!p) return pairCanvas.setAttribute('aria-label', 'no rows to compare');
      const left = Math.min(90, pairWidth / 4), cell = (pairWidth - left) / D, scale = Math.max(...p.rows.flatMap((r) => Array.from({ length: D }, (_, k) => Math.abs(E[r * D + k])))) || 1;
      const px = new Uint8ClampedArray(4);
      ctx.font = '12px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      p.rows.forEach((r, i) => {
        ctx.fillStyle = '#1d2330';
        ctx.fillText([a, b][i], 0, 14 + i * 32, left - 6);
        for (let k = 0; k < D; k++) {
          diverging(E[r * D + k] / scale, px, 0);
          ctx.fillStyle = `rgb(${px[0]}, ${px[1]}, ${px[2]})`;
          ctx.fillRect(left + k * cell, 2 + i * 32, Math.max(1, cell - 1), 24);
        }
      });
      pairCanvas.setAttribute('aria-label', `rows of E for ${a} and ${b}, ${D} values each: cosine ${p.cosine.toFixed(3)}, distance ${p.distance.toFixed(3)}`);
    }

    function drawMap() {
      const { plane, near, q } = view, V = w.state.vocab, frequent = Math.min(MAPPED, V);
      const marked = new Set(near ? [q, ...near.map((n) => n.id)] : []);
      const pts = [];
      const named = mapBox.clientWidth > 420 ? 25 : 10; // (the most frequent words named, fewer on a phone)
      for (let i = 0; i < frequent; i++) if (!marked.has(i)) pts.push({ i, color: DOTS, r: 2.5, label: i < named ? data.vocab.list[i] : '' });
      for (const i of marked) pts.push({ i, color: HIGHLIGHT, r: i === q ? 5 : 4, label: data.vocab.list[i] });
      for (const p of pts) [p.x, p.y] = plane.project(p.i);
      const span = (k) => {
        const v = pts.map((p) => p[k]), lo = Math.min(...v), hi = Math.max(...v), m = (hi - lo) * 0.08 || 0.1;
        return [lo - m, hi + (k === 'x' ? 2.5 : 1) * m]; // (labels go right of their dots)
      };
      map.update({ x: span('x'), y: span('y'), points: pts });
      mapBox.querySelector('canvas').setAttribute('aria-label', `map of the ${frequent} most frequent words on two principal directions holding ${pct(plane.shares[0])} and ${pct(plane.shares[1])} of their variance${near ? `; ${data.vocab.list[q]} and its neighbours marked` : ''}`);
    }

    function describe() {
      if (!data) return;
      const s = w.state, n = losses.length, recent = losses.slice(-50), mean = recent.reduce((a, b) => a + b, 0) / (recent.length || 1);
      const state = n ? `After ${n} steps (${(n * BATCH).toLocaleString('en')} pairs seen of ${data.pairs.centre.length.toLocaleString('en')}), loss ${mean.toFixed(3)} nats (mean of the last ${recent.length} steps)` : `Untrained (${data.pairs.centre.length.toLocaleString('en')} pairs; loss ln V = ${Math.log(s.vocab).toFixed(3)} for a uniform guess)`;
      const near = view?.near ? ` Nearest to “${wordOf('word')}”: ${view.near.map((x) => `${x.word} ${x.cosine.toFixed(3)}`).join(', ')}.` : '';
      const pair = view?.pair ? ` cos(${wordOf('first')}, ${wordOf('second')}) = ${view.pair.cosine.toFixed(3)}, distance ${view.pair.distance.toFixed(3)}.` : '';
      w.summary(`${state}; unigram baseline H = ${data.baseline.toFixed(3)} nats. ${s.vocab} words, window ${s.window}, D = ${s.dim}.${near}${pair}`);
    }

    reset();
    return {
      update(name) {
        if (['word', 'first', 'second', 'steps'].includes(name)) return show(); // (steps: how many the next Train takes)
        loop.stop();
        reset();
      },
      start: () => loop.on || train(),
      stop: () => loop.stop(),
      results: () => ({
        vocab: data?.vocab.list, dim: w.state.dim, window: w.state.window, steps: losses.length, losses: [...losses], baseline: data?.baseline, pairs: data?.pairs.centre.length,
        embeddings: E ? Array.from(E) : null,
        query: wordOf('word'), neighbours: view?.near?.map(({ word, cosine }) => ({ word, cosine })) ?? null,
        pair: view?.pair ? { first: wordOf('first'), second: wordOf('second'), cosine: view.pair.cosine, distance: view.pair.distance } : null,
        map: view ? { shares: view.plane.shares } : null,
      }),
      destroy: () => (stopWatch(), lossPlot.destroy(), map.destroy(), net?.opt.dispose(), net?.g.dispose()),
    };
  },
};

const pct = (v) => `${(100 * v).toFixed(0)}%`;
