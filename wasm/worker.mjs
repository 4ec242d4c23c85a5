// worker.mjs: the engine in a Web Worker, so training never blocks a page. It holds the data
// sets (streamed from the server or sent by the page) and one model, and answers messages from
// worker-client.mjs: {type, id, ...} in, {type: 'result' | 'error' | 'event', id, ...} out.
// Everything heavy (training, evaluation, feature maps, decision boundaries) happens here; the
// page only draws what comes back.
// Every engine module is named here, not only dlplay.mjs: the browser then fetches them all in
// one round instead of discovering model.mjs and bindings.mjs a level later.
import { fetchDataset } from './datasets.mjs';
import { simdSupported } from './loader.mjs';
import { load } from './dlplay.mjs';
import './model.mjs';
import './bindings.mjs';
import './random.mjs';

let dl = null;
let starting = null; // the engine's load, shared by every request that arrives meanwhile
let model = null;
let fitting = null; // {controller} while a fit runs
const datasets = new Map(); // name -> {x, y, n, count, shape, classes, labels}
const loading = new Map(); // name -> {url, promise, listeners}: streams in flight, shared by requests
const NO_ENGINE = new Set(['loadDataset', 'setDataset', 'sample']);

const post = (msg, transfer = []) => self.postMessage(msg, transfer);

function softmaxRows(out, K) {
  const p = new Float32Array(out.length);
  for (let r = 0; r < out.length / K; r++) {
    let m = -Infinity, s = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, out[r * K + k]);
    for (let k = 0; k < K; k++) s += p[r * K + k] = Math.exp(out[r * K + k] - m);
    for (let k = 0; k < K; k++) p[r * K + k] /= s;
  }
  return p;
}

// Outputs as probabilities, whether the model ends in logits or in a softmax already (rows of
// non-negative values summing to 1 are left alone).
function probabilities(x) {
  const out = model.predict(x), K = model.outputSize;
  for (let r = 0; r < out.length / K; r++) {
    let s = 0;
    for (let k = 0; k < K; k++) {
      if (out[r * K + k] < 0) return softmaxRows(out, K);
      s += out[r * K + k];
    }
    if (Math.abs(s - 1) > 1e-4) return softmaxRows(out, K);
  }
  return out;
}

function need(what) {
  if (what === 'model' && !model) throw Object.assign(new Error('no model yet: build one first'), { code: 'state' });
}

function dataset(name) {
  const d = datasets.get(name);
  if (!d) throw Object.assign(new Error(`no data set '${name}'`), { code: 'arg' });
  return d;
}

// {name, from, count} -> {x, y} views of the samples that have arrived
function slice({ name, from = 0, count }) {
  const d = dataset(name), D = d.x.length / d.n, end = Math.min(d.count, count == null ? d.count : from + count);
  if (end <= from) throw Object.assign(new Error(`data set '${name}' has no samples in [${from}, ${end})`), { code: 'arg' });
  return { x: d.x.subarray(from * D, end * D), y: d.y.subarray(from, end) };
}

function summary() {
  return { layers: model.layers, params: model.paramCount, input: model.inputShape, output: model.outputShape, text: model.summary(), spec: model.spec };
}

const handlers = {
  async init({ simd }) {
    if (!starting) {
      // fetch the module's bytes while the engine's JS is still being imported
      const useSimd = simd ?? simdSupported();
      const bytes = fetch(new URL(useSimd ? './dlplay.wasm' : './dlplay-nosimd.wasm', import.meta.url)).then((r) => {
        if (!r.ok) throw new Error(`cannot load the engine: HTTP ${r.status}`);
        return r.arrayBuffer();
      });
      starting = bytes.then((b) => load({ simd: useSimd, bytes: b }));
    }
    dl = await starting;
    if (simd != null && dl.simd !== simd) throw Object.assign(new Error(`the engine already runs the ${dl.simd ? 'SIMD' : 'plain'} build`), { code: 'state' });
    return { version: dl.version, simd: dl.simd };
  },

  // Stream a gzipped DLDS file; progress events as samples arrive (training can start on them).
  // A second request for a stream already under way (the page's early prefetch) joins it.
  async loadDataset({ id, name, url }) {
    const have = datasets.get(name);
    if (have?.url === url && have.count === have.n) return describe(have);
    let job = loading.get(name);
    if (!job || job.url !== url) {
      job = { url, listeners: new Set(), last: 0 };
      loading.set(name, job);
      job.promise = fetchDataset(url, {
        onProgress: (s) => {
          if (datasets.get(name)?.url !== url) datasets.set(name, Object.assign(s, { url }));
          const now = performance.now();
          if (now - job.last > 100 || s.count === s.n || s.count < 2 * 64) {
            job.last = now;
            job.latest = s;
            for (const listener of job.listeners) listener(s);
          }
        },
      }).finally(() => loading.get(name) === job && loading.delete(name));
    }
    const listener = (s) => post({ type: 'event', id, kind: 'progress', count: s.count, n: s.n });
    job.listeners.add(listener);
    if (job.latest) listener(job.latest);
    try {
      const set = await job.promise;
      set.url = url;
      const newer = loading.get(name); // our job is done; a job still there streams another file
      if (!newer || newer.url === url) datasets.set(name, set);
      return describe(set);
    } finally {
      job.listeners.delete(listener);
    }
  },

  // A data set made by the page (2-D toy sets, points the user placed).
  setDataset({ name, x, y, shape, classes, labels }) {
    const n = y.length;
    datasets.set(name, { x, y, n, count: n, shape, classes, labels });
    return { n };
  },

  // Build the model the page describes; an invalid spec leaves the current model in place.
  build({ spec: s }) {
    const m = dl.model(s);
    if (fitting) fitting.controller.abort();
    model?.dispose();
    model = m;
    return summary();
  },

  // Check a spec without touching the current model: shapes, parameter counts or the error.
  validate({ spec: s }) {
    try {
      const m = dl.model(s);
      const r = { ok: true, layers: m.layers, params: m.paramCount, output: m.outputShape };
      m.dispose();
      return r;
    } catch (e) {
      return { ok: false, error: e.message, code: e.code };
    }
  },

  async fit({ id, train, val, options, paused }) {
    need('model');
    if (fitting) throw Object.assign(new Error('already training'), { code: 'state' });
    const controller = new AbortController();
    fitting = { controller };
    if (paused) model.pause();
    let pending = null, lastPost = 0;
    const flush = () => {
      if (pending) post({ type: 'event', id, kind: 'batches', batches: pending });
      pending = null;
      lastPost = performance.now();
    };
    try {
      return await model.fit(slice(train), {
        ...options,
        validationData: val ? slice(val) : undefined,
        signal: controller.signal,
        // batches are sent in bunches at most every 50 ms: a fast MLP does hundreds per second
        onBatch: (b) => {
          (pending ??= []).push(b);
          if (performance.now() - lastPost > 50 || model.paused) flush();
        },
        onEpoch: (e) => {
          flush();
          post({ type: 'event', id, kind: 'epoch', epoch: e });
        },
      });
    } finally {
      flush();
      fitting = null;
    }
  },

  pause() {
    need('model');
    model.pause();
    return true;
  },
  resume() {
    need('model');
    model.resume();
    return true;
  },
  step() {
    need('model');
    model.step();
    return true;
  },
  stop() {
    if (fitting) fitting.controller.abort();
    model?.resume();
    return true;
  },

  // Metrics on a data set, plus up to `misclassified` wrong predictions with their images.
  evaluate({ data, misclassified = 0 }) {
    need('model');
    const d = slice(data), r = model.evaluate(d);
    const D = model.inputSize, wrong = [];
    if (r.predictions)
      for (let i = 0; i < r.predictions.length && wrong.length < misclassified; i++)
        if (r.predictions[i] !== d.y[i]) wrong.push({ index: (data.from ?? 0) + i, label: d.y[i], predicted: r.predictions[i], image: d.x.slice(i * D, (i + 1) * D) });
    delete r.predictions;
    return { ...r, misclassified: wrong };
  },

  sample({ name, index }) {
    const d = dataset(name), D = d.x.length / d.n;
    if (!(index >= 0 && index < d.count)) throw Object.assign(new Error(`sample ${index} is not in '${name}'`), { code: 'arg' });
    return { image: d.x.slice(index * D, (index + 1) * D), label: d.y[index], shape: d.shape };
  },

  predict({ x }) {
    need('model');
    return { probabilities: probabilities(x) };
  },

  // Feature maps of every conv (and pooling) layer for one image.
  featureMaps({ x }) {
    need('model');
    return model.layers
      .filter((l) => l.shape.length === 3 && /conv|pool|residual|batchNorm/i.test(l.type))
      .map((l) => ({ name: l.name, type: l.type, ...model.activations(x, l.name) }));
  },

  // The first convolution's kernels as [filters][channels][kh][kw].
  filters() {
    need('model');
    const first = model.layers.find((l) => l.type === 'conv2d');
    if (!first) return null;
    const w = model.getWeights().find((p) => p.name === `${first.name}/kernel`);
    return { layer: first.name, shape: w.shape, values: w.values };
  },

  // Saliency (|d loss / d pixel|) and an FGSM image at epsilon, with the model's new beliefs.
  explain({ x, label, eps }) {
    need('model');
    const g = model.inputGradient(x, [label]);
    const adversarial = Float32Array.from(x, (v, i) => Math.min(1, Math.max(0, v + eps * Math.sign(g[i]))));
    return {
      saliency: g.map(Math.abs),
      adversarial,
      before: probabilities(x),
      after: probabilities(adversarial),
    };
  },

  // For 2-D inputs: class probabilities over a grid, and every hidden unit's output there.
  boundary({ gridSize, extent }) {
    need('model');
    if (model.inputSize !== 2) throw Object.assign(new Error('the decision boundary needs a 2-D input'), { code: 'arg' });
    const [lo, hi] = extent, xs = new Float32Array(gridSize * gridSize * 2);
    for (let r = 0; r < gridSize; r++)
      for (let c = 0; c < gridSize; c++) {
        xs[2 * (r * gridSize + c)] = lo + ((hi - lo) * (c + 0.5)) / gridSize;
        xs[2 * (r * gridSize + c) + 1] = hi - ((hi - lo) * (r + 0.5)) / gridSize; // row 0 is the top
      }
    const grid = probabilities(xs);
    const hidden = [];
    for (const l of model.layers.slice(0, -1)) {
      if (l.shape.length !== 1 || l.shape[0] > 32) continue; // wider layers would be a wall of tiles
      const { data } = model.activations(xs, l.name), U = l.shape[0];
      const units = Array.from({ length: U }, (_, u) => Float32Array.from({ length: gridSize * gridSize }, (_, i) => data[i * U + u]));
      hidden.push({ name: l.name, units });
    }
    return { grid, gridSize, classes: model.outputSize, hidden };
  },

  // A schedule's learning rate at steps 0..steps-1, from the engine's own formulas.
  scheduleCurve({ kind, lr, options, steps }) {
    const s = dl.schedule(kind, lr, options), n = Math.min(steps, 4000), values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = s.lr(Math.floor((i * steps) / n));
    s.dispose();
    return values;
  },

  save() {
    need('model');
    return { bytes: model.save() };
  },

  // A model file from the user; a bad file, or one whose input and output do not fit the data
  // (`expect`), throws and the current model stays.
  load({ bytes, expect }) {
    const m = dl.loadModel(bytes);
    const same = (a, b) => a.length === b.length && a.every((d, i) => d === b[i]);
    if (expect && (!same(m.inputShape, expect.input) || !same(m.outputShape, expect.output))) {
      const msg = `this model takes [${m.inputShape}] inputs and gives [${m.outputShape}] outputs; the current data set has [${expect.input}] inputs and [${expect.output}] classes`;
      m.dispose();
      throw Object.assign(new Error(msg), { code: 'shape' });
    }
    if (fitting) fitting.controller.abort();
    model?.dispose();
    model = m;
    return summary();
  },
};

function describe(set) {
  return { n: set.n, count: set.count, shape: set.shape, classes: set.classes, labels: set.labels };
}

// The transferable buffers in a result, so large arrays move instead of being copied.
function transfers(value, out = []) {
  if (ArrayBuffer.isView(value)) out.push(value.buffer);
  else if (Array.isArray(value)) value.forEach((v) => transfers(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => transfers(v, out));
  return [...new Set(out)];
}

self.onmessage = async ({ data: msg }) => {
  const { type, id } = msg;
  try {
    if (!handlers[type]) throw Object.assign(new Error(`unknown request: ${type}`), { code: 'arg' });
    if (type !== 'init' && !dl && !NO_ENGINE.has(type)) await handlers.init({});
    const result = await handlers[type](msg);
    // results are copies, but never hand over the data sets' own buffers
    const kept = new Set([...datasets.values()].flatMap((d) => [d.x.buffer, d.y.buffer]));
    post({ type: 'result', id, result }, transfers(result).filter((b) => !kept.has(b)));
  } catch (e) {
    post({ type: 'error', id, message: e.message, code: e.code ?? 'arg' });
  }
};
