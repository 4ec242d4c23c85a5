// worker.mjs: the engine in a Web Worker, so training never blocks a page. It holds data sets by
// name and any number of models by id, and answers messages from worker-client.mjs. Everything
// heavy (training, evaluation, feature maps, decision boundaries) happens here; the page only
// draws what comes back.
//
// Protocol. A request is {type, id, ...fields}; `id` is a number the client picks, echoed in
// every reply to that request:
//   {type: 'result', id, result}
//   {type: 'error', id, message, code}      the core's message; code: arg, shape, oom, state, numeric, format
//   {type: 'event', id, kind, ...}          while a long request runs (progress, steps, batches, epoch)
// A request without an id is a start-up request: it runs and nothing is posted back. A page uses
// it (prefetch() in worker-client.mjs) to start the engine and a data stream before its modules
// have loaded; the page's own request for the same thing later joins the one under way.
// Typed arrays in results are moved to the page (transferred), never shared.
//
// Engine     init {simd} -> {version, simd}        (every other request waits for the engine)
//            catalog -> engine.catalog (every layer, activation, loss, optimizer, schedule, initializer)
//            validate {spec} -> {ok, layers, params, output} or {ok: false, error, code}: no model is kept
//            scheduleCurve {kind, lr, options, steps} -> Float32Array of the rate at each step
//            stats -> {models: [ids], heapBytes, memoryBytes}  (heap in use: what a leak changes)
// Data sets  loadDataset {name, url} -> {n, count, shape, classes, labels}; events 'progress' {count, n}
//            setDataset {name, arrays: {x, y, ...}, n?, shape?, classes?, labels?} -> {n}
//            sample {name, index} -> {image, label, shape};  deleteDataset {name}
//   Data given to a model call is either arrays by name ({x: Float32Array, y: Uint8Array}), sent
//   with the call, or {dataset: name, from?, count?}: the samples of a held set that have arrived,
//   with only the arrays the model reads (its inputs and its program's data).
// Models     create {spec} -> summary;  load {bytes, expect?} -> summary (a new model; summary.model is its id)
//            timeStep {spec, batchSize, options} -> {stepMs, predictMs}: what a training step and one
//              prediction cost, timed on a throwaway copy trained on made-up samples (2 and 6 batches)
//            dispose {model};  setProgram {model, program} -> summary
//            train {model, data, options, paused} -> history; events 'steps' {steps: [record]}, 'epoch' {epoch}
//            fit {model, train, val, options, paused} -> history; events 'batches' {batches}, 'epoch' {epoch}
//            pause, resume, stop {model};  step {model, n}
//            run {model, tensor, inputs} -> Float32Array, or {name: Float32Array} for a list of names
//            evaluate {model, data, misclassified} -> metrics and up to `misclassified` wrong predictions
//            evaluateLoss {model, loss, data} -> {loss, terms}
//            getWeights {model} -> [{name, shape, values}];  setWeights {model, weights}
//            save {model, optimizer} -> {bytes}
//            for language models (one input of token ids; see decode.mjs), each in one message however long:
//            generate {model, prompt, length, temperature, topK, topP, seed} -> {tokens, probabilities}:
//              a sample, and the distribution each token was drawn from (length x vocabulary)
//            beam {model, prompt, length, width} -> {tokens, logp, tree}
//            nextScores {model, prompt} -> Float32Array: the next token's scores after the prompt
//            inspect {model, prompt, nodes: [{name, scratch}]} -> [Float32Array [prompt length x size]], one per node:
//              what each position left in those step-graph nodes (gates, states, attention weights)
//            for classifiers: predict {model, x} -> {probabilities}; featureMaps {model, x};
//            filters {model} (first conv kernels, or a first dense layer's units as images); explain {model, x, label, eps}; boundary {model, gridSize, extent};
//            network {model, x?}: the layers as a drawing of the network needs them (see layerList)
//            cell {model, x, layer, channel, row, col}: how one feature-map value was computed
//   A summary is {model, tensors, networks, layers, params, input, output, optimizers, program, spec, text}.
//   Step events are bunched: at most one message every 50 ms however fast the steps run; a
//   pause reply comes after the events of every step run before it.
//   One run per model: a second train or fit while one runs is refused ('state'), and so are
//   setProgram and setWeights; everything that only reads the model (run, evaluate,
//   evaluateLoss, explain, save, predict, featureMaps, filters, boundary, network, getWeights) answers
//   between chunks, leaving the run as it was. Runs of different models interleave between chunks. A failed create, load or setProgram changes
//   nothing, and the other models keep working.
//
// Every engine module is named here, not only dlplay.mjs: the browser then fetches them all in
// one round instead of discovering model.mjs and bindings.mjs a level later.
import { fetchDataset } from './datasets.mjs';
import { simdSupported } from './loader.mjs';
import { load } from './dlplay.mjs';
import './model.mjs';
import './bindings.mjs';
import './random.mjs';
import { sample as sampleTokens, beamSearch } from './decode.mjs';

let dl = null;
let starting = null; // the engine's load, shared by every request that arrives meanwhile
const models = new Map(); // id -> {model, run: {controller, flush} while a train or fit runs}
const disposed = new Set(); // ids of disposed models, for a clear message
let lastId = 0;
const datasets = new Map(); // name -> {arrays, n, count, shape, classes, labels, url}: count may grow while streaming
const loading = new Map(); // name -> {url, promise, listeners}: streams in flight, shared by requests
const NO_ENGINE = new Set(['loadDataset', 'setDataset', 'sample', 'deleteDataset']);

const post = (msg, transfer = []) => self.postMessage(msg, transfer);
const fail = (message, code = 'arg') => Object.assign(new Error(message), { code });
const product = (shape) => shape.reduce((a, d) => a * d, 1);

// ---- data sets --------------------------------------------------------------------------------

function held(name) {
  const d = datasets.get(name);
  if (!d) throw fail(`no data set '${name}' in this worker`);
  return d;
}

// A streamed DLDS set fills x and y in place; its entry reads the count as it grows.
function fromStream(set, url) {
  return {
    arrays: { x: set.x, y: set.y }, n: set.n, shape: set.shape, classes: set.classes, labels: set.labels, url,
    get count() {
      return set.count;
    },
  };
}

function describe(d) {
  return { n: d.n, count: d.count, shape: d.shape, classes: d.classes, labels: d.labels };
}

// {dataset, from, count} -> the arrays' views over the samples that have arrived
function slice({ dataset: name, from = 0, count }) {
  const d = held(name), end = Math.min(d.count, count == null ? d.count : from + count);
  if (!(end > from)) throw fail(`data set '${name}' has no samples in [${from}, ${end})`);
  const arrays = {};
  for (const [k, a] of Object.entries(d.arrays)) {
    const per = a.length / d.n;
    arrays[k] = a.subarray(from * per, end * per);
  }
  return { arrays, n: end - from };
}

// The names a model reads from data: its data inputs (noise may be given too) and its program's data.
function reads(m) {
  const names = new Set(m.tensors.filter((t) => t.kind !== 'computed').map((t) => t.name));
  for (const terms of Object.values(m.program?.losses ?? {}))
    for (const t of [terms].flat()) for (const d of [t.target?.data, t.mask?.data]) if (d) names.add(d);
  return names;
}

// Data for a model call: arrays sent with it, or the arrays of a held set the model reads.
function namedData(data, m) {
  if (data?.dataset == null) return data ?? {};
  const names = reads(m);
  return Object.fromEntries(Object.entries(slice(data).arrays).filter(([k]) => names.has(k)));
}

// A classifier's {x, y}: sent with the call, or from a held set.
function xy(data) {
  if (data?.dataset == null) return data;
  const { arrays } = slice(data);
  return { x: arrays.x, y: arrays.y };
}

// ---- models -----------------------------------------------------------------------------------

function entry(id) {
  const e = models.get(id);
  if (e) return e;
  if (disposed.has(id)) throw fail(`model ${id} was disposed`, 'state');
  throw fail(`no model ${id} in this worker`);
}

function idle(id, what) {
  const e = entry(id);
  if (e.run) throw fail(`model ${id} is training: ${what} has to wait until that run ends (stop it, or await its train call)`, 'state');
  return e;
}

function add(m) {
  const id = ++lastId;
  models.set(id, { model: m, run: null });
  return summary(id);
}

function summary(id) {
  const m = entry(id).model;
  return {
    model: id, tensors: m.tensors, networks: m.networks, layers: m.layers, params: m.paramCount,
    input: m.inputShape, output: m.outputShape, optimizers: m.optimizers, program: m.program, spec: m.spec, text: m.summary(),
  };
}

// Items pushed while a run goes are posted in bunches: at once after a quiet spell of 50 ms,
// when asked (`now`: the run is paused, an epoch ended), else by a timer at most 50 ms later.
function buncher(id, kind, key) {
  let pending = null, last = 0, timer = 0;
  const flush = () => {
    clearTimeout(timer);
    timer = 0;
    if (pending) post({ type: 'event', id, kind, [key]: pending });
    pending = null;
    last = performance.now();
  };
  return {
    push(item, now) {
      (pending ??= []).push(item);
      const wait = 50 - (performance.now() - last);
      if (now || wait <= 0) flush();
      else timer ||= setTimeout(flush, wait);
    },
    flush,
  };
}

// Start a run on a model: refused while one goes. Returns the AbortController that stops it.
function begin(id, paused) {
  const e = entry(id);
  if (e.run) throw fail(`model ${id} is already training: stop that run or wait for it to end before starting another`, 'state');
  e.run = { controller: new AbortController() };
  if (paused) e.model.pause();
  return e;
}

// Model's loop yields to the event loop after a chunk of batches, but not when a chunk ends an
// epoch: with a data set of fewer batches than a chunk (a 2-D toy set) a whole run would go by
// without this worker reading a message (pause, stop, another model's run, a boundary to draw).
// A chunk of at most half an epoch yields at least once per epoch; chunks change no result.
function chunked(options, n) {
  const batches = Math.ceil(n / Math.min(options.batchSize ?? 32, n));
  return n > 0 ? { ...options, chunk: Math.max(1, Math.min(options.chunk ?? 16, Math.ceil(batches / 2))) } : options;
}

// The samples in named data, by the first of the model's data inputs it holds.
function samples(m, named) {
  const t = m.tensors.find((x) => x.kind === 'data' && named[x.name]?.length);
  return t ? named[t.name].length / (t.classes ? 1 : product(t.shape)) : 0;
}

// A run has ended (done, stopped or failed): the next one starts unpaused unless asked.
function end(e) {
  e.run = null;
  e.model.resume();
}

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

// A classifier's outputs as probabilities, whether it ends in logits or in a softmax already
// (rows of non-negative values summing to 1 are left alone). Model.predict refuses while the
// model trains, but a layer's activations may be read between chunks, and the playground draws
// its boundary and predictions every epoch: so a running model answers from its last layer
// (for a single-stack model, that is its output).
function probabilities(e, x) {
  const m = e.model, out = e.run ? m.activations(x, m.layers.at(-1).name).data : m.predict(x), K = m.outputSize;
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

// ---- requests ---------------------------------------------------------------------------------

const handlers = {
  async init({ simd }) {
    if (!starting) {
      const useSimd = simd ?? simdSupported();
      // in a page, fetch the module's bytes while the engine's JS is still being imported; in
      // Node (tests under worker_threads) the loader reads the file itself
      starting = import.meta.url.startsWith('file:')
        ? load({ simd: useSimd })
        : fetch(new URL(useSimd ? './dlplay.wasm' : './dlplay-nosimd.wasm', import.meta.url))
            .then((r) => {
              if (!r.ok) throw new Error(`cannot load the engine: HTTP ${r.status}`);
              return r.arrayBuffer();
            })
            .then((bytes) => load({ simd: useSimd, bytes }));
    }
    dl = await starting;
    if (simd != null && dl.simd !== simd) throw fail(`the engine already runs the ${dl.simd ? 'SIMD' : 'plain'} build`, 'state');
    return { version: dl.version, simd: dl.simd };
  },

  catalog() {
    return dl.catalog;
  },

  stats() {
    return { models: [...models.keys()], heapBytes: dl.heapBytes(), memoryBytes: dl.memoryBytes() };
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
          if (datasets.get(name)?.url !== url) datasets.set(name, fromStream(s, url));
          const now = performance.now();
          if (now - job.last > 100 || s.count === s.n || s.count < 2 * 64) {
            job.last = now;
            job.latest = s;
            for (const listener of job.listeners) listener(s);
          }
        },
      }).finally(() => loading.get(name) === job && loading.delete(name));
    }
    const listener = (s) => id != null && post({ type: 'event', id, kind: 'progress', count: s.count, n: s.n });
    job.listeners.add(listener);
    if (job.latest) listener(job.latest);
    try {
      const set = fromStream(await job.promise, url);
      const newer = loading.get(name); // our job is done; a job still there streams another file
      if (!newer || newer.url === url) datasets.set(name, set);
      return describe(set);
    } finally {
      job.listeners.delete(listener);
    }
  },

  // A data set made by the page (2-D toy sets, points the user placed, a program's data).
  setDataset({ name, arrays, n, shape, classes, labels }) {
    if (!arrays || typeof arrays !== 'object' || !Object.keys(arrays).length) throw fail('setDataset: expected arrays by name');
    for (const [k, a] of Object.entries(arrays)) if (!ArrayBuffer.isView(a)) throw fail(`setDataset: '${k}' is not a typed array`);
    n ??= shape && arrays.x ? arrays.x.length / product(shape) : arrays.y?.length;
    if (!(Number.isInteger(n) && n > 0)) throw fail(`setDataset '${name}': give n, or x with a shape, or labels y`);
    for (const [k, a] of Object.entries(arrays))
      if (a.length % n !== 0) throw fail(`setDataset '${name}': '${k}' has ${a.length} values, not a whole number per sample for ${n} samples`, 'shape');
    datasets.set(name, { arrays, n, count: n, shape, classes, labels });
    return { n };
  },

  deleteDataset({ name }) {
    return datasets.delete(name);
  },

  sample({ name, index }) {
    const d = held(name), x = d.arrays.x, D = x.length / d.n;
    if (!(index >= 0 && index < d.count)) throw fail(`sample ${index} is not in '${name}'`);
    return { image: x.slice(index * D, (index + 1) * D), label: d.arrays.y?.[index], shape: d.shape };
  },

  // Check a spec without keeping a model: shapes, parameter counts or the error.
  validate({ spec }) {
    try {
      const m = dl.model(spec);
      const r = { ok: true, layers: m.layers, params: m.paramCount, output: m.outputShape, tensors: m.tensors };
      m.dispose();
      return r;
    } catch (e) {
      return { ok: false, error: e.message, code: e.code };
    }
  },

  scheduleCurve({ kind, lr, options, steps }) {
    const s = dl.schedule(kind, lr, options), n = Math.min(steps, 4000), values = new Float32Array(n);
    try {
      for (let i = 0; i < n; i++) values[i] = s.lr(Math.floor((i * steps) / n));
    } finally {
      s.dispose();
    }
    return values;
  },

  create({ spec }) {
    return add(dl.model(spec));
  },

  // What a training step and a test prediction of a classifier built from `spec` cost on this
  // machine: a throwaway copy trains a few batches of made-up samples (after one batch that
  // warms it up), so the page can say how long an epoch will take before Start.
  // (Each cost is the difference between a short and a longer call, so what a call costs once,
  // setting up the optimizer or planning memory, does not count: a real epoch has one of those
  // for a thousand steps.)
  async timeStep({ spec, batchSize, options = {} }) {
    const m = dl.model(spec), D = m.inputSize, K = m.outputSize, most = 64 * batchSize;
    try {
      const x = Float32Array.from({ length: most * D }, (_, i) => ((i * 2654435761) % 1000) / 1000), y = Uint8Array.from({ length: most }, (_, i) => i % K);
      const first = (k) => ({ x: x.subarray(0, k * D), y: y.subarray(0, k) });
      const fitOptions = { ...options, epochs: 1, batchSize, validationData: undefined, earlyStopping: undefined, minEpochMs: 0, schedule: undefined };
      const timed = async (f) => { const t = performance.now(); await f(); return performance.now() - t; };
      await m.fit(first(batchSize), fitOptions); // (warm-up)
      const short = await timed(() => m.fit(first(2 * batchSize), fitOptions));
      // more batches for a small network, until the difference stands out of the timer's noise
      let batches = 6, long = await timed(() => m.fit(first(batches * batchSize), fitOptions));
      while (long - short < 60 && batches < 64) (batches *= 2), (long = await timed(() => m.fit(first(Math.min(batches, 64) * batchSize), fitOptions)));
      batches = Math.min(batches, 64);
      const n = batches * batchSize, few = await timed(() => m.evaluate(first(2 * batchSize))), all = await timed(() => m.evaluate(first(n)));
      return { stepMs: Math.max(0, long - short) / (batches - 2), predictMs: Math.max(0, all - few) / (n - 2 * batchSize) };
    } finally {
      m.dispose();
    }
  },

  // A model file; a bad file, or one whose input and output do not fit the data (`expect`:
  // {input, output} shapes), throws and no model is added.
  load({ bytes, expect }) {
    const m = dl.loadModel(bytes);
    const same = (a, b) => a.length === b.length && a.every((d, i) => d === b[i]);
    if (expect && (!same(m.inputShape, expect.input) || !same(m.outputShape, expect.output))) {
      const msg = `this model takes [${m.inputShape}] inputs and gives [${m.outputShape}] outputs; the current data set has [${expect.input}] inputs and [${expect.output}] classes`;
      m.dispose();
      throw fail(msg, 'shape');
    }
    return add(m);
  },

  dispose({ model: id }) {
    const e = entry(id);
    e.run?.controller.abort(); // a run stops at its next chunk with history.stopped = 'aborted'
    e.model.dispose();
    models.delete(id);
    disposed.add(id);
    return true;
  },

  setProgram({ model: id, program }) {
    idle(id, 'setProgram').model.setProgram(program);
    return summary(id);
  },

  async train({ id, model: mid, data, options = {}, paused }) {
    const e = begin(mid, paused), m = e.model, steps = buncher(id, 'steps', 'steps');
    e.run.flush = steps.flush;
    try {
      const named = namedData(data, m);
      return await m.train(named, {
        ...chunked(options, samples(m, named)),
        signal: e.run.controller.signal,
        onStep: (record) => steps.push(record, m.paused),
        onEpoch: (epoch) => {
          steps.flush();
          post({ type: 'event', id, kind: 'epoch', epoch });
        },
      });
    } finally {
      steps.flush();
      end(e);
    }
  },

  // A classifier's fit: train and val are {x, y} or {dataset, from, count}.
  async fit({ id, model: mid, train, val, options = {}, paused }) {
    const e = begin(mid, paused), m = e.model, batches = buncher(id, 'batches', 'batches');
    e.run.flush = batches.flush;
    try {
      const d = xy(train);
      return await m.fit(d, {
        ...chunked(options, d?.x ? d.x.length / m.inputSize : 0),
        validationData: val ? xy(val) : undefined,
        signal: e.run.controller.signal,
        // batches are sent in bunches at most every 50 ms: a fast MLP does hundreds per second
        onBatch: (b) => batches.push(b, m.paused),
        onEpoch: (epoch) => {
          batches.flush();
          post({ type: 'event', id, kind: 'epoch', epoch });
        },
      });
    } finally {
      batches.flush();
      end(e);
    }
  },

  pause({ model: id }) {
    const e = entry(id);
    e.model.pause();
    e.run?.flush(); // the events of steps already run go before this reply
    return true;
  },
  resume({ model: id }) {
    entry(id).model.resume();
    return true;
  },
  step({ model: id, n = 1 }) {
    entry(id).model.step(n);
    return true;
  },
  stop({ model: id }) {
    const e = entry(id);
    e.run?.controller.abort();
    e.model.resume();
    return true;
  },

  run({ model: id, tensor, inputs }) {
    const m = entry(id).model, named = namedData(inputs, m);
    if (Array.isArray(tensor)) return Object.fromEntries(tensor.map((t) => [t, m.run(t, named)]));
    return m.run(tensor, named);
  },

  generate({ model: id, prompt, length, temperature, topK, topP, seed }) {
    const m = entry(id).model, rows = [];
    const tokens = sampleTokens(m, prompt, length, { temperature, topK, topP, seed, onToken: (_, p) => rows.push(p) });
    const V = rows[0]?.length ?? 0, probabilities = new Float32Array(rows.length * V);
    rows.forEach((p, i) => probabilities.set(p, i * V));
    return { tokens, probabilities };
  },
  beam({ model: id, prompt, length, width }) {
    return beamSearch(entry(id).model, prompt, length, width);
  },
  nextScores({ model: id, prompt }) {
    const gen = entry(id).model.generator(1);
    if (!prompt?.length) throw fail('nextScores: the prompt needs at least one token');
    if (gen.window && prompt.length > gen.window) prompt = prompt.slice(-gen.window);
    let logits;
    for (const t of prompt) logits = gen.step([t]);
    return logits;
  },
  inspect({ model: id, prompt, nodes }) {
    const gen = entry(id).model.generator(1);
    if (gen.window && prompt.length > gen.window) throw fail(`inspect: ${prompt.length} tokens exceed the model's window of ${gen.window}`);
    const rows = nodes.map(() => []); // (one node may be asked for twice: its value and its scratch)
    for (const t of prompt) {
      gen.step([t]);
      nodes.forEach((n, k) => rows[k].push(gen.read(n.name, { scratch: n.scratch })));
    }
    return rows.map((list) => {
      const size = list[0]?.length ?? 0, a = new Float32Array(list.length * size);
      list.forEach((r, i) => a.set(r, i * size));
      return a;
    });
  },

  evaluateLoss({ model: id, loss, data }) {
    const m = entry(id).model;
    return m.evaluateLoss(loss, namedData(data, m));
  },

  // Metrics on labelled data, plus up to `misclassified` wrong predictions with their images.
  evaluate({ model: id, data, misclassified = 0 }) {
    const m = entry(id).model, d = xy(data), r = m.evaluate(d);
    const D = m.inputSize, wrong = [];
    if (r.predictions)
      for (let i = 0; i < r.predictions.length && wrong.length < misclassified; i++)
        if (r.predictions[i] !== d.y[i]) wrong.push({ index: (data.from ?? 0) + i, label: d.y[i], predicted: r.predictions[i], image: d.x.slice(i * D, (i + 1) * D) });
    delete r.predictions;
    return { ...r, misclassified: wrong };
  },

  getWeights({ model: id }) {
    return entry(id).model.getWeights();
  },
  setWeights({ model: id, weights }) {
    idle(id, 'setWeights').model.setWeights(weights);
    return true;
  },

  save({ model: id, optimizer = false }) {
    return { bytes: entry(id).model.save({ optimizer }) };
  },

  predict({ model: id, x }) {
    return { probabilities: probabilities(entry(id), x) };
  },

  // Feature maps of every conv (and pooling) layer for one image.
  featureMaps({ model: id, x }) {
    const m = entry(id).model;
    return m.layers.filter(isFeatureMap).map((l) => ({ name: l.name, type: l.type, ...m.activations(x, l.name) }));
  },

  // The first convolution's kernels as [filters][channels][kh][kw]; for a network whose first
  // weights are a dense layer on the whole image, each unit's weights as an image ([units][C][H][W],
  // templates: true): what pattern the unit looks for.
  filters({ model: id }) {
    const m = entry(id).model, first = m.layers.find((l) => l.type === 'conv2d' || l.type === 'dense');
    if (!first) return null;
    const w = m.getWeights().find((p) => p.name === `${first.name}/kernel`);
    if (!w) return null;
    if (first.type === 'conv2d') return { layer: first.name, shape: w.shape, values: w.values };
    const [D, units] = w.shape, input = m.inputShape;
    if (input.length !== 3 || D !== product(input)) return null; // not the image itself
    const values = new Float32Array(D * units);
    for (let u = 0; u < units; u++) for (let d = 0; d < D; d++) values[u * D + d] = w.values[d * units + u];
    return { layer: first.name, shape: [units, ...input], values, templates: true };
  },

  // Saliency (|d loss / d pixel|) and an FGSM image at epsilon, with the model's new beliefs.
  explain({ model: id, x, label, eps }) {
    const e = entry(id), g = e.model.inputGradient(x, [label]);
    const adversarial = Float32Array.from(x, (v, i) => Math.min(1, Math.max(0, v + eps * Math.sign(g[i]))));
    return { saliency: g.map(Math.abs), adversarial, before: probabilities(e, x), after: probabilities(e, adversarial) };
  },

  // For 2-D inputs: class probabilities over a grid, and every hidden unit's output there.
  boundary({ model: id, gridSize, extent }) {
    const e = entry(id), m = e.model;
    if (m.inputSize !== 2) throw fail('the decision boundary needs a 2-D input');
    const [lo, hi] = extent, xs = new Float32Array(gridSize * gridSize * 2);
    for (let r = 0; r < gridSize; r++)
      for (let c = 0; c < gridSize; c++) {
        xs[2 * (r * gridSize + c)] = lo + ((hi - lo) * (c + 0.5)) / gridSize;
        xs[2 * (r * gridSize + c) + 1] = hi - ((hi - lo) * (r + 0.5)) / gridSize; // row 0 is the top
      }
    const grid = probabilities(e, xs);
    const hidden = [];
    for (const l of m.layers.slice(0, -1)) {
      if (l.shape.length !== 1 || l.shape[0] > 32) continue; // wider layers would be a wall of tiles
      const { data } = m.activations(xs, l.name), U = l.shape[0];
      const units = Array.from({ length: U }, (_, u) => Float32Array.from({ length: gridSize * gridSize }, (_, i) => data[i * U + u]));
      hidden.push({ name: l.name, units });
    }
    return { grid, gridSize, classes: m.outputSize, hidden, layers: layerList(m) };
  },

  // How one value of a feature map was computed, as CNN Explainer shows it: for a convolution
  // the input under the kernel (zeros where the window hangs over the padding), the kernel and
  // the bias; for pooling the window; for a residual block the two terms of its sum. Each with
  // the layer's value there (`out`), so the page shows the sum and the value the map holds.
  cell({ model: id, x, layer, channel, row, col }) {
    const m = entry(id).model, weights = weightMap(m), list = layerList(m, null, weights), i = list.findIndex((l) => l.name === layer);
    if (i < 0) throw fail(`no layer named '${layer}'`);
    const l = list[i], o = l.options, [C, OH, OW] = l.shape;
    if (l.shape.length !== 3 || ![channel, row, col].every(Number.isInteger) || channel < 0 || channel >= C || row < 0 || row >= OH || col < 0 || col >= OW)
      throw fail(`${layer} has no value at channel ${channel}, row ${row}, column ${col} (its shape is ${l.shape.join('×')})`);
    const output = (k) => (k < 0 ? { shape: m.inputShape, data: x } : { shape: list[k].shape, data: m.activations(x, list[k].name).data });
    const input = output(inputOf(list, i)), [IC, H, W] = input.shape, at = (c, y, xx) => input.data[(c * H + y) * W + xx];
    const out = m.activations(x, layer).data[(channel * OH + row) * OW + col], act = o.activation ?? 'linear';
    const pair = (v, d) => (Array.isArray(v) ? v : [v ?? d, v ?? d]);
    // (K: the span the window covers, a dilated kernel's d (k - 1) + 1)
    const windowAt = (K, S, padding) => {
      const pads = [0, 1].map((a) => {
        if (Array.isArray(padding)) return padding[a];
        if (typeof padding === 'number') return padding;
        if (padding !== 'same') return 0;
        const n = [H, W][a], outN = Math.ceil(n / S[a]);
        return Math.floor(Math.max(0, (outN - 1) * S[a] + K[a] - n) / 2); // TensorFlow's rule, as the core
      });
      return { top: row * S[0] - pads[0], left: col * S[1] - pads[1] };
    };
    // the input under a K window at (top, left), channel by channel, taps D apart (dilation);
    // cells in the padding are 0 and flagged
    const patch = (chans, K, { top, left }, D = [1, 1]) => {
      const values = new Float32Array(chans.length * K[0] * K[1]), padded = new Uint8Array(values.length);
      chans.forEach((c, ci) => {
        for (let ky = 0; ky < K[0]; ky++)
          for (let kx = 0; kx < K[1]; kx++) {
            const y = top + ky * D[0], xx = left + kx * D[1], j = (ci * K[0] + ky) * K[1] + kx;
            if (y < 0 || y >= H || xx < 0 || xx >= W) padded[j] = 1;
            else values[j] = at(c, y, xx);
          }
      });
      return { values, padded };
    };
    const base = { layer, type: l.type, channel, row, col, out, activation: act };
    if (l.type === 'conv2d') {
      const K = pair(o.kernel, 1), S = pair(o.stride, 1), D = pair(o.dilation, 1), k = weights.get(`${layer}/kernel`).values, size = IC * K[0] * K[1];
      const p = patch([...Array(IC).keys()], K, windowAt(K.map((kk, a) => D[a] * (kk - 1) + 1), S, o.padding ?? 'valid'), D);
      return { ...base, kernelSize: K, inputChannels: IC, input: p.values, padded: p.padded, kernel: k.slice(channel * size, (channel + 1) * size), bias: weights.get(`${layer}/bias`)?.values[channel] ?? 0 };
    }
    if (l.type === 'maxPool2d' || l.type === 'avgPool2d') {
      const K = pair(o.size, 2), S = pair(o.stride ?? o.size, 2), p = patch([channel], K, windowAt(K, S, o.padding ?? 'valid'));
      return { ...base, kernelSize: K, inputChannels: 1, input: p.values, padded: p.padded };
    }
    if (l.type === 'residual') { // act(block output + shortcut): the shortcut is the block's input, through a 1x1 projection when channels change
      // (the block reads what its residual layer reads: `input`)
      const inner = output(list.findLastIndex((b) => b.block === layer)), proj = weights.get(`${layer}/proj`);
      const shortcut = proj ? Array.from({ length: IC }, (_, c) => proj.values[channel * IC + c] * at(c, row, col)).reduce((a, b) => a + b, 0) : at(channel, row, col);
      return { ...base, terms: [inner.data[(channel * OH + row) * OW + col], shortcut], projected: Boolean(proj) };
    }
    return base;
  },

  // The network as a drawing shows it (layerList), with every layer's output for one sample x.
  network({ model: id, x }) {
    const m = entry(id).model;
    return { input: m.inputShape, layers: layerList(m, x) };
  },
};

const weightMap = (m) => new Map(m.getWeights().map((w) => [w.name, w]));
// A layer whose output is a stack of maps worth showing: convolutions, pooling, residual sums, batch norm.
const isFeatureMap = (l) => l.shape.length === 3 && /conv|pool|residual|batchNorm/i.test(l.type);

// The index of the layer whose output layer i reads (-1: the model's input): the sibling before
// it in its block, or for the first layer of a block, what the block reads.
function inputOf(list, i) {
  for (let k = i - 1; k >= 0; k--) {
    if (list[k].block === list[i].block) return k;
    if (list[k].name === list[i].block) return inputOf(list, k);
  }
  return -1;
}

// Every layer in order with its options from the spec and the residual block it sits in (the
// engine lists a block before its inner layers); a dense layer's kernel [in, out] and bias when
// small enough to draw as edges (at most 2^18 weights); whether it is a feature map (featureMaps
// shows it); given one sample x, the layer's output.
function layerList(m, x, weights = weightMap(m)) {
  const spec = [];
  const walk = (list, block) => {
    for (const { layers, ...options } of list) {
      const i = spec.length;
      spec.push({ options, block });
      if (layers) walk(layers, i);
    }
  };
  walk(m.spec.layers ?? [], -1);
  return m.layers.map((l, i) => {
    const s = spec[i] ?? { options: {}, block: -1 }, out = { ...l, options: s.options, block: s.block >= 0 ? m.layers[s.block].name : null, featureMap: isFeatureMap(l) };
    const k = weights.get(`${l.name}/kernel`);
    if (l.type === 'dense' && k && k.values.length <= 1 << 18) Object.assign(out, { kernel: k.values, kernelShape: k.shape, bias: weights.get(`${l.name}/bias`)?.values ?? null });
    if (x) out.out = m.activations(x, l.name).data;
    return out;
  });
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
    if (!Object.hasOwn(handlers, type)) throw fail(`unknown request: ${type}`);
    if (type !== 'init' && !dl && !NO_ENGINE.has(type)) await handlers.init({});
    const result = await handlers[type](msg);
    if (id == null) return; // a start-up request: nobody waits for it
    // results are copies, but never hand over the data sets' own buffers
    const kept = new Set([...datasets.values()].flatMap((d) => Object.values(d.arrays).map((a) => a.buffer)));
    post({ type: 'result', id, result }, transfers(result).filter((b) => !kept.has(b)));
  } catch (e) {
    // a start-up request's failure is reported to the request that joins it or repeats it
    if (id != null) post({ type: 'error', id, message: e.message, code: e.code ?? 'arg' });
  }
};
