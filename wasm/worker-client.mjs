// worker-client.mjs: the page's side of worker.mjs, whose header documents the protocol. Each
// call is a message with an id and returns a promise; long calls (loading data, training) also
// deliver events. A worker holds any number of models: engine.create(spec) returns a
// RemoteModel, a handle whose methods mirror Model's (train, fit, run, evaluate, save, ...).
// Errors come back as DlError with the core's message and code.
//
//   const engine = await connect();
//   const gan = await engine.create(spec);
//   await gan.setProgram(program);
//   await gan.train({ x }, { epochs: 20, batchSize: 64, onStep: (s) => draw(s) });
//   const fake = await gan.run('fake', { z });
import { DlError } from './bindings.mjs';

/**
 * Ask a worker that was just started to load the engine and stream data sets at once, before
 * anything else is ready (a page's inline bootstrap). These requests carry no id, so they can
 * never collide with a client's; the client's own requests for the same things later join them.
 * @param {{postMessage(msg: object): void}} worker
 * @param {{simd?: boolean, datasets?: Record<string, string>}} [options] datasets: name -> absolute URL
 */
export function prefetch(worker, { simd, datasets = {} } = {}) {
  for (const [name, url] of Object.entries(datasets)) worker.postMessage({ type: 'loadDataset', name, url });
  worker.postMessage({ type: 'init', simd });
  return worker;
}

/**
 * Start the engine in a module Web Worker and wait until it runs.
 * @param {{workerUrl?: string|URL, worker?: Worker, simd?: boolean}} [options]
 *   worker: one the page already started (e.g. from an inline script, to stream data sooner)
 * @returns {Promise<RemoteEngine>}
 */
export async function connect(options = {}) {
  const remote = attach(options);
  await remote.ready;
  return remote;
}

/**
 * Like connect, without waiting: requests that need no engine (loading data) go at once, and
 * `remote.ready` resolves with {version, simd} when the engine runs.
 * @returns {RemoteEngine}
 */
export function attach(options = {}) {
  const worker = options.worker ?? new Worker(options.workerUrl ?? new URL('./worker.mjs', import.meta.url), { type: 'module' });
  const remote = new RemoteEngine(worker);
  remote.ready = remote.call('init', { simd: options.simd }).then((info) => (remote.info = info));
  return remote;
}

// Typed arrays inside a value, as a transfer list (for calls that hand their arrays over).
function buffers(value, out = new Set()) {
  if (ArrayBuffer.isView(value)) out.add(value.buffer);
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => buffers(v, out));
  return [...out];
}

// Requests that run for long on purpose; every other one should be answered at once.
const RUNS = new Set(['fit', 'train', 'loadDataset']);
const BUSY_MS = 200;

export class RemoteEngine {
  /** @param worker a Web Worker running worker.mjs, or anything with postMessage, onmessage and onerror */
  constructor(worker) {
    this.worker = worker;
    this.pending = new Map();
    this.nextId = 1;
    this.busyListeners = new Set();
    this.waiting = 0; // requests past BUSY_MS (see onBusy)
    this.ready = Promise.resolve(null);
    worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.type === 'event') return p.onEvent?.(data);
      this.pending.delete(data.id);
      this.#settled(p);
      if (data.type === 'result') p.resolve(data.result);
      else p.reject(new DlError(data.message, data.code));
    };
    worker.onerror = (e) => {
      for (const p of this.pending.values()) this.#settled(p), p.reject(new DlError(`worker failed: ${e.message}`, 'state'));
      this.pending.clear();
    };
  }

  /** Send a request; `onEvent` receives its events (progress, steps, batches, epoch). */
  call(type, payload = {}, { onEvent, transfer = [] } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p = { resolve, reject, onEvent, timer: 0, late: false };
      // a quick request (not a run or a stream) that is not answered soon waits for a busy worker
      if (!RUNS.has(type)) p.timer = setTimeout(() => ((p.late = true), this.waiting++ === 0 && this.#tell(true)), BUSY_MS);
      this.pending.set(id, p);
      this.worker.postMessage({ type, id, ...payload }, transfer);
    });
  }

  /**
   * Call `listener(true)` when a quick request (anything but a run or a data stream) has waited
   * more than 200 ms for the worker, and `listener(false)` when none waits any more: a page shows
   * a busy sign meanwhile. Returns a function that stops listening.
   */
  onBusy(listener) {
    this.busyListeners.add(listener);
    return () => this.busyListeners.delete(listener);
  }
  #tell(busy) {
    for (const l of this.busyListeners) l(busy);
  }
  #settled(p) {
    clearTimeout(p.timer);
    if (p.late && --this.waiting === 0) this.#tell(false);
  }

  /** The engine's catalog: every layer with its options, activations, losses, optimizers, schedules, initializers. */
  catalog() {
    return (this._catalog ??= this.call('catalog'));
  }
  /** {models: [ids], heapBytes, memoryBytes}: the worker's models and its engine's memory (heapBytes is what a leak changes). */
  stats() {
    return this.call('stats');
  }

  /** Stream a gzipped DLDS file into the worker under `name`; onProgress(count, n) as samples arrive. */
  loadDataset(name, url, onProgress) {
    return this.call('loadDataset', { name, url }, { onEvent: (e) => onProgress?.(e.count, e.n) });
  }
  /**
   * Hold arrays by name in the worker ({x, y} for a classifier, or a program's data). info: n
   * samples, or shape (per-sample shape of x), classes, labels. transfer: move the arrays.
   */
  setDataset(name, arrays, { transfer = false, ...info } = {}) {
    return this.call('setDataset', { name, arrays, ...info }, { transfer: transfer ? buffers(arrays) : [] });
  }
  deleteDataset(name) {
    return this.call('deleteDataset', { name });
  }
  /** One sample of a held set: {image, label, shape}. */
  sample(name, index) {
    return this.call('sample', { name, index });
  }
  /** Check a spec without keeping a model: {ok, layers, params, output} or {ok: false, error, code}. */
  validate(spec) {
    return this.call('validate', { spec });
  }
  /** {stepMs, predictMs}: a training step of a classifier built from `spec`, and one prediction, timed on a throwaway copy. */
  timeStep(spec, batchSize, options) {
    return this.call('timeStep', { spec, batchSize, options });
  }
  /** A schedule's learning rate over `steps` steps (at most 4,000 samples of it). */
  scheduleCurve(kind, lr, options, steps) {
    return this.call('scheduleCurve', { kind, lr, options, steps });
  }

  /** A new model in the worker; a bad spec rejects with the core's DlError. */
  async create(spec) {
    return new RemoteModel(this, await this.call('create', { spec }));
  }
  /** A new model from a file's bytes. expect: {input, output} shapes it must have, or it is refused. */
  async load(bytes, expect) {
    return new RemoteModel(this, await this.call('load', { bytes, expect }));
  }

  terminate() {
    this.worker.terminate();
  }
}

/**
 * A model held by a worker. `summary` holds {model (the id), tensors, networks, layers, params,
 * input, output, optimizers, program, spec, text}. Data arguments are arrays by name, sent with
 * the call (copied, or moved with {transfer: true}), or {dataset: name, from?, count?} for a set
 * the worker holds.
 */
export class RemoteModel {
  constructor(engine, summary) {
    this.engine = engine;
    this.id = summary.model;
    this.summary = summary;
  }

  #call(type, payload = {}, options) {
    return this.engine.call(type, { model: this.id, ...payload }, options);
  }

  async setProgram(program) {
    this.summary = await this.#call('setProgram', { program });
    return this;
  }

  /**
   * Run the program (Model.train's options: epochs or iterations, batchSize, shuffle, seed,
   * chunk). onStep(record) for each step, onSteps(records) for each bunch as it arrives,
   * onEpoch(info); signal: an AbortSignal that stops the run; paused: start held (then step()).
   */
  train(data, { onStep, onSteps, onEpoch, signal, paused = false, transfer = false, ...options } = {}) {
    return this.#run('train', { data, options, paused }, transfer ? buffers(data) : [], signal, (e) => {
      if (e.kind === 'steps') {
        onSteps?.(e.steps);
        if (onStep) e.steps.forEach(onStep);
      } else if (e.kind === 'epoch') onEpoch?.(e.epoch);
    });
  }

  /**
   * Train a classifier (Model.fit's options). data and validationData: {x, y} or {dataset, from, count}.
   * onBatch(info) per batch, onBatches(infos) per bunch, onEpoch(info); signal; paused.
   */
  fit(data, { onBatch, onBatches, onEpoch, signal, paused = false, validationData, transfer = false, ...options } = {}) {
    return this.#run('fit', { train: data, val: validationData, options, paused }, transfer ? buffers([data, validationData]) : [], signal, (e) => {
      if (e.kind === 'batches') {
        onBatches?.(e.batches);
        if (onBatch) e.batches.forEach(onBatch);
      } else if (e.kind === 'epoch') onEpoch?.(e.epoch);
    });
  }

  async #run(type, payload, transfer, signal, onEvent) {
    const stop = () => this.stop().catch(() => {});
    signal?.addEventListener('abort', stop);
    try {
      return await this.#call(type, payload, { onEvent, transfer });
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  pause() {
    return this.#call('pause');
  }
  resume() {
    return this.#call('resume');
  }
  /** Run n more steps (batches for fit), then stay paused. */
  step(n = 1) {
    return this.#call('step', { n });
  }
  /** Stop a run at its next chunk: its train or fit call resolves with stopped 'aborted'. */
  stop() {
    return this.#call('stop');
  }

  /** A tensor (or layer) in evaluation mode: a Float32Array; for a list of names, {name: Float32Array}. */
  run(tensor, inputs, { transfer = false } = {}) {
    return this.#call('run', { tensor, inputs }, { transfer: transfer ? buffers(inputs) : [] });
  }
  /** Classifier metrics on {x, y} or a held set, with up to `misclassified` wrong predictions. */
  evaluate(data, misclassified = 0) {
    return this.#call('evaluate', { data, misclassified });
  }
  evaluateLoss(loss, data) {
    return this.#call('evaluateLoss', { loss, data });
  }
  /** A language model's sample: {tokens, probabilities} (see decode.mjs sample). */
  generate(prompt, length, options = {}) {
    return this.#call('generate', { prompt: [...prompt], length, ...options });
  }
  beam(prompt, length, width) {
    return this.#call('beam', { prompt: [...prompt], length, width });
  }
  nextScores(prompt) {
    return this.#call('nextScores', { prompt: [...prompt] });
  }
  inspect(prompt, nodes) {
    return this.#call('inspect', { prompt: [...prompt], nodes });
  }
  getWeights() {
    return this.#call('getWeights');
  }
  setWeights(weights) {
    return this.#call('setWeights', { weights });
  }
  /** {bytes}: the model file; optimizer: true keeps the training state. */
  save({ optimizer = false } = {}) {
    return this.#call('save', { optimizer });
  }
  dispose() {
    return this.#call('dispose');
  }

  // The playground's views of a classifier.
  /** {probabilities} for the samples in x. */
  predict(x) {
    return this.#call('predict', { x });
  }
  /** [{name, type, shape, data}] for every convolution and pooling layer, for one image. */
  featureMaps(x) {
    return this.#call('featureMaps', { x });
  }
  /** The first convolution's kernels {layer, shape, values}, or null. */
  filters() {
    return this.#call('filters');
  }
  /** {saliency, adversarial, before, after}: |d loss / d x| and an FGSM image at eps. */
  explain(x, label, eps) {
    return this.#call('explain', { x, label, eps });
  }
  /** {grid, gridSize, classes, hidden, layers}: class probabilities over a grid of the plane. */
  boundary(gridSize, extent) {
    return this.#call('boundary', { gridSize, extent });
  }
  /** How the value of `layer` at (channel, row, col) was computed for the sample x (see worker.mjs). */
  cell(x, layer, channel, row, col) {
    return this.#call('cell', { x, layer, channel, row, col });
  }
  /** {input, layers}: each layer with its options, block, small dense kernels and (given x) its output for x. */
  network(x) {
    return this.#call('network', { x });
  }
}
