// views.mjs: what a playground shows of its network: loss and accuracy curves, the headline
// figures, the decision boundary and hidden units (2-D data), and for images the drawing pad,
// confusion matrix, mistakes, filters, feature maps, saliency and an FGSM example. The
// components draw; this part asks the worker for what they draw.
import { createLineChart } from '../components/line-chart.mjs';
import { createConfusion } from '../components/confusion.mjs';
import { createImageGrid } from '../components/image-grid.mjs';
import { createBarChart } from '../components/bar-chart.mjs';
import { createDrawPad } from '../components/draw-pad.mjs';
import { createBoundary } from '../components/boundary.mjs';
import { createNetworkGraph } from '../components/network-graph.mjs';
import { showCell } from '../components/cell-math.mjs';

const EXTENT = [-6, 6];

/** The part of a playground that shows what the network learns (ctx: see index.mjs). */
export function createViewsPart(ctx) {
  const { root, q } = ctx;
  const v = {};
  let labels = [];
  let inspected = null; // {image: Float32Array(784), label}
  let boundaryBusy = false, boundaryAgain = false, predicting = false;
  let live = null, dirty = false, lastImages = 0; // the redraw loop of a run (startLive)

  function create() {
    const series = [{ name: 'training', color: '#2f6fde' }, { name: 'test', color: '#e8710a', dashed: true }];
    v.loss = createLineChart(q('loss-chart'), { title: 'Loss', yLabel: 'loss', series, log: true });
    v.acc = createLineChart(q('acc-chart'), { title: 'Accuracy', yLabel: 'accuracy', series, yMin: 0, yMax: 1 });
    v.boundary = createBoundary(q('boundary'), { size: 300, extent: EXTENT });
    v.graph2d = createNetworkGraph(q('graph-2d'), { extent: EXTENT, classNames: ['orange', 'blue', 'green'] });
    v.graphImages = createNetworkGraph(q('graph-images'));
    v.boundary.onClick((x, y, button) => ctx.parts.data.addPoint(x, y, button));
    v.gallery = createImageGrid(q('gallery'), { scale: 2 });
    v.draw = createDrawPad(q('draw'), { size: 224, onChange: (img) => predictDrawing(img) });
    v.filters = createImageGrid(q('filters'), { scale: 10 });
    v.templates = createImageGrid(q('filters'), { scale: 2 });
    v.mapRows = []; // one labelled row of feature maps per layer (see showMaps)
    v.saliency = createImageGrid(q('saliency'), { scale: 4 });
    v.fgsm = createImageGrid(q('fgsm-image'), { scale: 3 });
  }

  /** The class names of the data (and what to draw): the charts of classes are made anew. */
  function setLabels(names, drawTitle) {
    labels = names;
    for (const [k, part, make] of [['confusion', 'confusion', createConfusion], ['probs', 'draw-probs', createBarChart], ['fgsmProbs', 'fgsm-probs', createBarChart]]) {
      v[k]?.destroy();
      v[k] = make(q(part), { labels });
    }
    v.graphImages.setClasses(names);
    q('draw-title').textContent = drawTitle;
    v.draw.setSubject(/clothing/i.test(drawTitle) ? 'a piece of clothing' : 'a digit');
  }

  // a new model, data set or reset: its curves and counts start over
  function reset() {
    ctx.epochBase = ctx.lastX = 0;
    v.loss.reset();
    v.acc.reset();
    ctx.parts.training.resetProgress();
    q('test-accuracy').textContent = '–';
    q('test-loss').textContent = '–';
    q('epoch-count').textContent = '0';
    v.graph2d.clear();
    v.graphImages.clear();
  }

  // single batches are noisy: the curves show a moving average over about ten of them
  function pushBatches(batches, smooth) {
    dirty = true;
    for (const b of batches) {
      const x = (ctx.lastX = ctx.epochBase + b.epoch + (b.batch + 1) / b.batches);
      smooth.loss = smooth.loss == null ? b.loss : 0.9 * smooth.loss + 0.1 * b.loss;
      v.loss.push(0, x, smooth.loss);
      if (b.accuracy != null) {
        smooth.acc = smooth.acc == null ? b.accuracy : 0.9 * smooth.acc + 0.1 * b.accuracy;
        v.acc.push(0, x, smooth.acc);
      }
    }
  }

  function pushEpoch(e) {
    const x = ctx.epochBase + e.epoch + 1;
    v.loss.push(1, x, e.valLoss);
    if (e.valAccuracy != null) v.acc.push(1, x, e.valAccuracy);
    headline(e.valAccuracy, e.valLoss);
  }

  // (the epochs this model has trained here: fractional after a Stop inside an epoch)
  function headline(accuracy, loss) {
    q('test-accuracy').textContent = accuracy != null ? `${(100 * accuracy).toFixed(2)}%` : '–';
    q('test-loss').textContent = loss != null ? loss.toFixed(4) : '–';
    const x = Math.round(100 * ctx.lastX) / 100;
    q('epoch-count').textContent = Number.isInteger(x) ? String(x) : x.toFixed(2);
  }

  // While a run lasts (paused or stepping too) the views follow it at a steady rate: a 2-D
  // boundary about 6 times a second, image views every 3 s (an evaluation costs the run time).
  function startLive() {
    stopLive();
    live = setInterval(() => {
      if (!dirty) return;
      if (!ctx.images()) return void ((dirty = false), refreshBoundary());
      if (performance.now() - lastImages < 3000) return;
      (dirty = false), (lastImages = performance.now());
      refreshImageViews(true);
    }, 150);
  }
  function stopLive() {
    clearInterval(live);
    live = null;
  }

  // After a run, a load or a reset: everything from one evaluation of the weights as they are.
  function refreshInsight() {
    ctx.later('insight', () => (ctx.images() ? refreshImageViews() : refreshBoundary(true)), ctx.images() ? 0 : 50);
  }

  async function refreshBoundary(withHeadline = false) {
    if (!ctx.model) return;
    if (boundaryBusy) return void (boundaryAgain = true);
    boundaryBusy = true;
    try {
      const m = ctx.model, b = await m.boundary(48, EXTENT);
      v.boundary.update(b);
      v.graph2d.update({ input: [2], layers: b.layers }, { maps: Object.fromEntries(b.hidden.map((h) => [h.name, h.units])), grid: b.grid, gridSize: b.gridSize, classes: b.classes });
      root.dataset.boundary = 'drawn';
      root.dataset.boundaryDraws = String(Number(root.dataset.boundaryDraws ?? 0) + 1);
      if (withHeadline && ctx.parts.data.names()) {
        const r = await m.evaluate({ dataset: ctx.parts.data.names().test });
        headline(r.accuracy, r.loss);
      }
    } catch (e) {
      quiet(e);
    } finally {
      boundaryBusy = false;
      if (boundaryAgain) (boundaryAgain = false), refreshBoundary();
    }
  }

  // Views asked for while the model trains, or of a model just replaced, may be refused: the
  // next refresh draws them.
  const quiet = (e) => e.code === 'state' || console.warn(e.message);

  // Between the chunks of a run the model answers everything that only reads it: evaluation,
  // filters, feature maps, gradients.
  // live: during a run, on the first 500 test images (the headline then stays the epoch's);
  // otherwise the whole test set, and the headline shows the same evaluation as the matrix.
  async function refreshImageViews(live = false) {
    const m = ctx.model;
    if (!m) return;
    try {
      const r = await m.evaluate({ dataset: ctx.parts.data.names().test, ...(live ? { count: 500 } : {}) }, 24);
      v.confusion.update(r);
      q('metrics-note').textContent = live ? `During training: the first ${r.n.toLocaleString()} test images, at ${new Date().toLocaleTimeString()}.` : `All ${r.n.toLocaleString()} test images, with the weights as they are now.`;
      if (!live) headline(r.accuracy, r.loss);
      v.gallery.update(r.misclassified.map((w) => ({
        data: w.image, width: 28, height: 28, label: `${labels[w.label]} → ${labels[w.predicted]}`,
        title: `test image ${w.index}: a ${labels[w.label]} the network calls ${labels[w.predicted]}`,
        onClick: () => inspect(Float32Array.from(w.image, (x) => x / 255), w.label),
      })));
      const f = await m.filters();
      if (f && !f.templates) {
        const [F, C, KH, KW] = f.shape;
        v.filters.update(Array.from({ length: F * C }, (_, i) => ({ data: f.values.subarray(i * KH * KW, (i + 1) * KH * KW), width: KW, height: KH, diverging: true, label: `${Math.floor(i / C) + 1}` })));
      } else v.filters.update([]);
      if (f?.templates) { // an MLP: each first-layer unit's 784 weights, as the image it responds to
        const [U, , H, W] = f.shape, shown = Math.min(U, 32);
        v.templates.update(Array.from({ length: shown }, (_, u) => ({ data: f.values.subarray(u * H * W, (u + 1) * H * W), width: W, height: H, diverging: true, label: `unit ${u + 1}` })));
      } else v.templates.update([]);
      q('filters-note').textContent = !f ? 'This network has no convolution or dense layer on the image, so it has no filters to show.'
        : f.templates ? `${f.layer}: the weights of ${Math.min(f.shape[0], 32)} of its ${f.shape[0]} units, one per pixel: red pixels excite the unit, blue ones inhibit it.`
          : `${f.layer}: each ${f.shape[2]}x${f.shape[3]} kernel, blue negative, red positive`;
      if (inspected) await inspect(inspected.image, inspected.label);
    } catch (e) {
      quiet(e);
    }
  }

  function drawInspected(image) {
    const c = q('inspect-image').getContext('2d'), img = c.createImageData(28, 28);
    for (let i = 0; i < 784; i++) img.data.set([255 * image[i], 255 * image[i], 255 * image[i], 255], 4 * i);
    const tmp = new OffscreenCanvas(28, 28);
    tmp.getContext('2d').putImageData(img, 0, 0);
    c.imageSmoothingEnabled = false;
    c.drawImage(tmp, 0, 0, 112, 112);
  }

  async function inspect(image, label) {
    inspected = { image, label };
    drawInspected(image);
    const m = ctx.model;
    if (!m) return;
    // one pass gives the drawing of the network and the feature maps (the layers that are maps)
    const net = await m.network(image), maps = net.layers.filter((l) => l.featureMap);
    showMaps(maps, image);
    v.graphImages.update(net, { x: image });
    q('maps-note').textContent = maps.length ? 'One row per layer: the first 16 channels of each convolution and pooling layer for this image, bright where the channel responds. Click a point of a map to see how its value was computed.' : 'This network has no convolution layer, so it makes no feature maps.';
    const probs = (await m.predict(image)).probabilities;
    const top = probs.indexOf(Math.max(...probs));
    const target = label ?? top;
    q('inspect-info').textContent = `${label != null ? `True class: ${labels[label]}. ` : ''}The network says ${labels[top]} (${(100 * probs[top]).toFixed(1)}%).`;
    const eps = Number(q('fgsm-eps').value);
    const x = await m.explain(image, target, eps);
    v.saliency.update([{ data: overlay(image, x.saliency), width: 28, height: 28, channels: 3, label: 'saliency over the image' }]);
    const advTop = x.after.indexOf(Math.max(...x.after));
    v.fgsm.update([{ data: x.adversarial, width: 28, height: 28, label: `ε = ${eps}: ${labels[advTop]}` }]);
    v.fgsmProbs.update(x.after);
    root.dataset.fgsm = labels[advTop];
  }

  // The drawing of the network, with every layer's output for this image (the last one drawn
  // or inspected).
  async function showLayers(image) {
    const m = ctx.model;
    if (!m) return;
    v.graphImages.update(await m.network(image), { x: image });
  }

  // Feature maps, one labelled row per layer, each map at least about 56 px wide; a click on a
  // map explains the value under the pointer (from the keyboard: the map's largest value).
  function showMaps(maps, image) {
    const box = q('maps');
    while (v.mapRows.length > maps.length) v.mapRows.pop().el.remove();
    maps.forEach((fm, k) => {
      const [C, H, W] = fm.shape, scale = Math.max(2, Math.round(56 / W));
      let row = v.mapRows[k];
      if (!row || row.scale !== scale) {
        const el = document.createElement('div'), title = document.createElement('h4');
        el.className = 'map-row';
        el.append(title);
        const fresh = { el, title, scale, grid: createImageGrid(el, { scale }) };
        if (row) row.el.replaceWith(el); else box.append(el);
        v.mapRows[k] = row = fresh;
      }
      row.title.textContent = `${fm.name} · ${fm.type} · ${C} channels of ${H}×${W}${C > 16 ? ' (first 16 shown)' : ''}`;
      row.grid.update(Array.from({ length: Math.min(C, 16) }, (_, c) => {
        const data = fm.out.subarray(c * H * W, (c + 1) * H * W);
        return { data, width: W, height: H, label: `${c + 1}`, title: `${fm.name}, channel ${c + 1}: click a point to see how it was computed`,
          onClick: (p) => {
            const best = p ? 0 : data.indexOf(Math.max(...data));
            explainCell(image, fm, c, p ?? { x: best % W, y: Math.floor(best / W) });
          } };
      }));
    });
  }

  async function explainCell(image, fm, channel, { x, y }) {
    const m = ctx.model;
    if (!m) return;
    try {
      const [, H, W] = fm.shape, r = await m.cell(image, fm.name, channel, y, x);
      showCell(q('cell-math'), r, r.out, H, W);
      // a map drawn from older weights (it is redrawn every few seconds while training) catches up
      if (Math.abs(fm.out[(channel * H + y) * W + x] - r.out) > 1e-4 * Math.max(1, Math.abs(r.out)) && inspected)
        ctx.later('insight', () => inspect(inspected.image, inspected.label).catch(quiet), 0);
    } catch (e) {
      quiet(e);
    }
  }

  // Saliency drawn over the image it explains: the digit dimmed to grey, red where |d loss / d
  // pixel| is large (as bytes, planar RGB, so the grid shows it as given).
  function overlay(image, saliency) {
    const n = image.length, out = new Uint8Array(3 * n), top = Math.max(...saliency) || 1;
    for (let i = 0; i < n; i++) {
      const g = 150 * image[i], s = Math.min(1, saliency[i] / top);
      out[i] = g + (255 - g) * s;
      out[n + i] = out[2 * n + i] = g * (1 - s);
    }
    return out;
  }

  async function pickRandom() {
    try {
      const n = ctx.testSize ?? 10000;
      const s = await ctx.remote.sample(ctx.parts.data.names().test, Math.floor(Math.random() * n));
      await inspect(Float32Array.from(s.image, (x) => x / 255), s.label);
    } catch (e) {
      quiet(e);
    }
  }

  async function predictDrawing(image) {
    if (predicting || !ctx.model || !ctx.images()) return;
    predicting = true;
    try {
      const { probabilities } = await ctx.model.predict(image);
      v.probs.update(probabilities);
      await showLayers(image);
      root.dataset.drawn = String(probabilities.indexOf(Math.max(...probabilities)));
    } catch (e) {
      quiet(e);
    } finally {
      predicting = false;
    }
  }

  function wire() {
    q('random-digit').addEventListener('click', pickRandom);
    const eps = q('fgsm-eps'), out = q('fgsm-eps-out');
    eps.addEventListener('input', () => {
      out.textContent = eps.value;
      ctx.later('insight', () => inspected && inspect(inspected.image, inspected.label).catch(quiet), 60);
    });
    out.textContent = eps.value;
  }

  return {
    create, wire, setLabels, reset, pushBatches, pushEpoch, refreshInsight, startLive, stopLive,
    setPoints: (points) => v.boundary.setPoints(points),
    resetGallery: () => v.gallery.reset(),
    pickRandomIfNone: () => inspected || pickRandom(),
    previewLayers: () => inspected && showLayers(inspected.image).catch(quiet),
    forgetInspected: () => (inspected = null),
    destroy: () => Object.values(v).forEach((c) => c.destroy?.()),
  };
}
