// worker-client.mjs: the page's side of worker.mjs. Each call is a message with an id and
// returns a promise; long calls (loading data, training) also deliver events to a callback.
// Errors come back as DlError with the core's message.
import { DlError } from './bindings.mjs';

/**
 * Start the engine in a module Web Worker.
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
 * Like connect, without waiting: requests that need no engine (loading data) can go at once,
 * and `remote.ready` resolves with {version, simd} when the engine runs.
 * @returns {RemoteEngine}
 */
export function attach(options = {}) {
  const worker = options.worker ?? new Worker(options.workerUrl ?? new URL('./worker.mjs', import.meta.url), { type: 'module' });
  const remote = new RemoteEngine(worker);
  remote.ready = remote.call('init', { simd: options.simd }).then((info) => (remote.info = info));
  return remote;
}

export class RemoteEngine {
  constructor(worker) {
    this.worker = worker;
    this.pending = new Map();
    this.nextId = 1000; // ids below are free for messages sent before connecting (prefetches)
    worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.type === 'event') return p.onEvent?.(data);
      this.pending.delete(data.id);
      if (data.type === 'result') p.resolve(data.result);
      else p.reject(new DlError(data.message, data.code));
    };
    worker.onerror = (e) => {
      for (const p of this.pending.values()) p.reject(new Error(`worker failed: ${e.message}`));
      this.pending.clear();
    };
  }

  /** Send a request; `onEvent` receives progress, batch and epoch events. */
  call(type, payload = {}, { onEvent, transfer = [] } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onEvent });
      this.worker.postMessage({ type, id, ...payload }, transfer);
    });
  }

  loadDataset(name, url, onProgress) {
    return this.call('loadDataset', { name, url }, { onEvent: (e) => onProgress?.(e.count, e.n) });
  }
  setDataset(name, data) {
    return this.call('setDataset', { name, ...data });
  }
  build(spec) {
    return this.call('build', { spec });
  }
  validate(spec) {
    return this.call('validate', { spec });
  }
  /**
   * Train the current model. train/val: {name, from?, count?}. Events: onBatches([batch infos]),
   * onEpoch(epoch info). Resolves with the history.
   */
  fit({ train, val, options, paused = false }, { onBatches, onEpoch } = {}) {
    return this.call('fit', { train, val, options, paused }, {
      onEvent: (e) => (e.kind === 'batches' ? onBatches?.(e.batches) : e.kind === 'epoch' ? onEpoch?.(e.epoch) : null),
    });
  }
  pause() {
    return this.call('pause');
  }
  resume() {
    return this.call('resume');
  }
  step() {
    return this.call('step');
  }
  stop() {
    return this.call('stop');
  }
  evaluate(data, misclassified = 0) {
    return this.call('evaluate', { data, misclassified });
  }
  sample(name, index) {
    return this.call('sample', { name, index });
  }
  predict(x) {
    return this.call('predict', { x });
  }
  featureMaps(x) {
    return this.call('featureMaps', { x });
  }
  filters() {
    return this.call('filters');
  }
  explain(x, label, eps) {
    return this.call('explain', { x, label, eps });
  }
  boundary(gridSize, extent) {
    return this.call('boundary', { gridSize, extent });
  }
  scheduleCurve(kind, lr, options, steps) {
    return this.call('scheduleCurve', { kind, lr, options, steps });
  }
  save() {
    return this.call('save');
  }
  /** expect: {input, output} shapes the model must have, or it is refused (the current one stays). */
  load(bytes, expect) {
    return this.call('load', { bytes, expect });
  }
  terminate() {
    this.worker.terminate();
  }
}
