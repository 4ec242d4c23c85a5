// model.mjs: the Model API. A model is built in the core from a JSON spec (core/model.c lists
// the layers and their options); this module moves data into wasm memory once per call and asks
// the core for whole chunks of training batches, so a batch never costs a crossing per sample.
import { DlError, Graph, finalizer, augmentOptions } from './dlplay.mjs';
import { mulberry32, shuffle } from './random.mjs';

/**
 * The order that reads n samples (consecutive windows of one text) as `rows` streams side by
 * side: row i of batch k is window i * per + k, so each row goes on where it stopped in the batch
 * before (stateful layers). The last n mod rows windows are left out.
 */
function streamOrder(n, rows) {
  const per = Math.floor(n / rows), order = new Int32Array(per * rows);
  for (let k = 0; k < per; k++) for (let i = 0; i < rows; i++) order[k * rows + i] = i * per + k;
  return order;
}

// JSON for the core: anything JSON.stringify refuses (cycles, BigInt) is a DlError naming it.
function toJson(value, what) {
  try {
    return new TextEncoder().encode(JSON.stringify(value));
  } catch (e) {
    throw new DlError(`${what} cannot be written as JSON: ${e.message}`, 'arg');
  }
}

// The bytes of a file given as a Uint8Array, any other typed array or DataView (its own window
// of its buffer), or an ArrayBuffer.
function fileBytes(bytes) {
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new DlError('a model file must be a Uint8Array, another typed array, a DataView or an ArrayBuffer', 'arg');
}

// Give the event loop a turn (abort signals, pause requests, rendering) between chunks.
const yieldToLoop =
  typeof setImmediate === 'function'
    ? () => new Promise((r) => setImmediate(r))
    : () => new Promise((r) => {
        const c = new MessageChannel();
        c.port1.onmessage = () => r();
        c.port2.postMessage(0);
      });
// Finite once stored as a 32-bit float: 5e38 is a finite number, and Infinity in a Float32Array.
const finite32 = (v) => Number.isFinite(Math.fround(v));

// How long one call into wasm may run during training (it cannot be interrupted): see #loop.
const CHUNK_MS = 100;

// Wait `ms` (a paced run), waking early when the run is aborted.
const sleep = (ms, signal) => new Promise((r) => {
  const t = setTimeout(done, Math.max(0, ms));
  signal?.addEventListener('abort', done, { once: true });
  function done() {
    clearTimeout(t);
    signal?.removeEventListener('abort', done);
    r();
  }
});

const argmax = (a, off, k) => {
  let best = 0;
  for (let i = 1; i < k; i++) if (a[off + i] > a[off + best]) best = i;
  return best;
};
const product = (shape) => shape.reduce((a, d) => a * d, 1);
const isBytes = (x) => x instanceof Uint8Array || x instanceof Uint8ClampedArray;

export class Model {
  /** Use engine.model(spec). */
  static create(engine, spec) {
    if (spec === null || typeof spec !== 'object') throw new DlError('model spec must be an object', 'arg');
    const b = engine.b, bytes = toJson(spec, 'model spec');
    b.withBytes(bytes, (p) => b.check(b.exports.dl_model_create(b.out, p, bytes.length)));
    return new Model(engine, b.u32(b.out, 1)[0]);
  }

  /** Use engine.loadModel(bytes). */
  static load(engine, bytes) {
    const b = engine.b;
    const u8 = fileBytes(bytes);
    if (u8.length === 0) throw new DlError('not a dlplay model file (empty)', 'format');
    b.withBytes(u8, (p) => b.check(b.exports.dl_model_load(b.out, p, u8.length)));
    return new Model(engine, b.u32(b.out, 1)[0]);
  }

  constructor(engine, ptr) {
    this.engine = engine;
    this.b = engine.b;
    this.ptr = ptr;
    finalizer.register(this, { free: this.b.exports.dl_model_destroy, ptr }, this);
    this.graph = new Graph(engine, 0, this.b.exports.dl_model_graph(ptr));
    this.maxBatch = 64;
    this.training = false;
    this.paused = null;
    this.stepsQueued = 0;
    this.#refresh();
  }

  #live() {
    if (!this.ptr) throw new DlError('model was disposed', 'state');
    return this.ptr;
  }

  // The core's summary: tensors, networks, layers, optimizers, program.
  #refresh() {
    const b = this.b;
    b.check(b.exports.dl_model_summary(this.#live(), b.out));
    this.info = JSON.parse(b.readString(b.u32(b.out, 1)[0]));
  }

  /** The spec the model was built from (for a loaded model, the one in its file). */
  get spec() {
    return JSON.parse(this.b.readString(this.b.exports.dl_model_spec(this.#live())));
  }
  /** The training program last set (null when none). */
  get program() {
    const text = this.b.readString(this.b.exports.dl_model_program(this.#live()));
    return text ? JSON.parse(text) : null;
  }

  /** Per-sample input and output shapes (the first input, the last output). */
  get inputShape() {
    return this.info.input;
  }
  get outputShape() {
    return this.info.output;
  }
  get inputSize() {
    return product(this.info.input);
  }
  get outputSize() {
    return product(this.info.output);
  }
  /** The model's tensors: [{name, kind: 'data'|'noise'|'computed', shape, classes?, tokens?, noise?}] */
  get tensors() {
    return this.info.tensors.map(({ name, kind, shape, classes, tokens, noise }) => ({ name, kind, shape, ...(classes ? { classes } : {}), ...(tokens ? { tokens } : {}), ...(noise ? { noise } : {}) }));
  }
  /** [{name, params, layers}] */
  get networks() {
    return this.info.networks.map((n) => ({ name: n.name, params: n.params, layers: this.info.layers.slice(n.firstLayer, n.firstLayer + n.layers).map((l) => l.name) }));
  }
  /** [{name, type, shape, params}] */
  get layers() {
    return this.info.layers.map(({ name, type, shape, params }) => ({ name, type, shape, params }));
  }
  get paramCount() {
    return this.info.params;
  }
  /** The optimizers of the program: [{name, type, step, networks}]. */
  get optimizers() {
    return this.info.optimizers.map(({ name, type, step, networks }) => ({ name, type, step, networks }));
  }

  /** A Keras-like table: each layer's output shape and parameter count. */
  summary() {
    const rows = [['Layer (type)', 'Output shape', 'Params']];
    for (const t of this.info.tensors) if (t.kind !== 'computed') rows.push([`${t.name} (${t.kind === 'noise' ? `${t.noise} noise` : 'input'})`, `[${t.shape.join(', ')}]`, '0']);
    for (const l of this.info.layers) rows.push([`${l.name} (${l.type})`, `[${l.shape.join(', ')}]`, String(l.params)]);
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}`;
    const rule = '-'.repeat(w[0] + w[1] + w[2] + 4);
    return [line(rows[0]), rule, ...rows.slice(1).map(line), rule, `Total params: ${this.info.params}`].join('\n');
  }

  /** Plan memory for training at batches of up to n (keeps the weights). */
  ensureBatch(n) {
    if (n > this.maxBatch || this.inferenceOnly) {
      this.b.check(this.b.exports.dl_model_plan(this.#live(), Math.max(n, this.maxBatch)));
      this.maxBatch = Math.max(n, this.maxBatch);
      this.inferenceOnly = false;
    }
  }
  /**
   * Plan memory for evaluation only (run, predict, evaluate) at batches of up to n: no
   * gradients, and activations share memory. Training plans for training again.
   */
  planForInference(n = this.maxBatch) {
    this.#idle('planForInference');
    this.b.check(this.b.exports.dl_model_plan_inference(this.ptr, n));
    this.maxBatch = n;
    this.inferenceOnly = true;
  }
  /**
   * Zero the state carried between training batches by stateful recurrent layers; returns how
   * many state tensors were cleared (0 when no layer is stateful). train() does this at the
   * start of every pass over the data.
   */
  resetState() {
    this.#idle('resetState');
    this.b.check(this.b.exports.dl_model_reset_state(this.ptr, this.b.out));
    return this.b.i32(this.b.out, 1)[0];
  }

  /** {arenaBytes, unsharedBytes} of the current plan (see Graph.memory). */
  memory() {
    return this.graph.memory();
  }

  #idle(what) {
    this.#live();
    if (this.training) throw new DlError(`${what}: the model is already training (stop or await that run first)`, 'state');
  }

  /**
   * Set the training program: {losses, optimizers, steps} (see docs/api.md and the top of
   * core/program.c). It is checked whole before it replaces the current one; optimizers that
   * keep their name, type and networks keep their state.
   */
  setProgram(program) {
    this.#idle('setProgram');
    if (program === null || typeof program !== 'object') throw new DlError('program must be an object {losses, optimizers, steps}', 'arg');
    const b = this.b, bytes = toJson(program, 'program');
    b.withBytes(bytes, (p) => b.check(b.exports.dl_model_set_program(this.ptr, p, bytes.length)));
    this.inferenceOnly = false; // a program is planned for training
    this.#refresh();
    return this;
  }

  // The data slots (the order the core reads them in): model inputs, then program data.
  #slots(program = this.info.program) {
    const slots = this.info.tensors.filter((t) => t.kind !== 'computed').map((t) => ({ name: t.name, per: t.classes ? 1 : product(t.shape), labels: t.classes ?? 0, noise: t.kind === 'noise', shape: t.shape }));
    for (const d of program?.data ?? []) slots.push({ name: d.name, per: product(d.shape), labels: d.labels, noise: false, shape: d.shape });
    return slots;
  }

  // Validate named arrays and copy them into wasm memory: {ptrs, u8s, n, free()}. `need`
  // names the slots that must be given; noise slots are optional.
  #stage(data, what, need = null, slots = this.#slots()) {
    if (!data || typeof data !== 'object') throw new DlError(`${what}: expected an object of arrays by name`, 'arg');
    const b = this.b;
    const known = new Set(slots.map((s) => s.name));
    for (const k of Object.keys(data))
      if (data[k] != null && !known.has(k)) throw new DlError(`${what}: '${k}' is not an input of the model or data of its program (expected ${[...known].join(', ')})`, 'arg');
    let n = null;
    const arrays = slots.map((s) => {
      const a = data[s.name];
      if (a == null) {
        if (need?.has(s.name)) throw new DlError(`${what}: '${s.name}' is required`, 'arg');
        return null;
      }
      if (!(a instanceof Float32Array) && !isBytes(a) && !Array.isArray(a) && !ArrayBuffer.isView(a))
        throw new DlError(`${what}: '${s.name}' must be a Float32Array or Uint8Array`, 'arg');
      if (a.length === 0 || a.length % s.per !== 0)
        throw new DlError(`${what}: '${s.name}' has ${a.length} values, not a multiple of ${s.per} (${s.labels ? (s.per > 1 ? `${s.per} class indices` : 'one class index') : `[${s.shape.join(', ')}]`} per sample)`, 'shape');
      const count = a.length / s.per;
      if (n !== null && count !== n) throw new DlError(`${what}: '${s.name}' has ${count} samples, the other data ${n}`, 'shape');
      n = count;
      if (s.labels) {
        for (let i = 0; i < a.length; i++)
          if (!(Number.isInteger(a[i]) && a[i] >= 0 && a[i] < s.labels))
            throw new DlError(`${what}: label ${a[i]} of sample ${Math.floor(i / s.per)}${s.per > 1 ? ` at position ${i % s.per}` : ''} is not a class in [0, ${s.labels})`, 'arg');
      } else if (!isBytes(a)) {
        for (let i = 0; i < a.length; i++) if (!finite32(a[i])) throw new DlError(`${what}: '${s.name}' value ${i} is ${a[i]}, not a finite 32-bit float`, 'arg');
      }
      return isBytes(a) && !s.labels ? a : a instanceof Float32Array ? a : Float32Array.from(a);
    });
    if (n === null) n = 0;
    const ptrs = [], table = b.alloc(slots.length * 8 + 8);
    try {
      for (const a of arrays) {
        if (!a) {
          ptrs.push(0);
          continue;
        }
        const p = b.alloc(a.byteLength);
        ptrs.push(p);
        new Uint8Array(b.memory.buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      }
    } catch (e) {
      for (const p of ptrs) if (p) b.exports.dl_free(p);
      b.exports.dl_free(table);
      throw e;
    }
    b.u32(table, slots.length).set(ptrs);
    b.i32(table + slots.length * 4, slots.length).set(arrays.map((a) => (a && isBytes(a) ? 1 : 0)));
    let freed = false;
    return {
      data: table,
      u8: table + slots.length * 4,
      n,
      free: () => {
        if (freed) return;
        freed = true;
        for (const p of ptrs) if (p) b.exports.dl_free(p);
        b.exports.dl_free(table);
      },
    };
  }

  /**
   * Run the program: {epochs} passes over the data, or {iterations} passes over the steps.
   * data: arrays by slot name ({x, y} for inputs x and program data y). Options: batchSize
   * (32), epochs, iterations, shuffle (true), streams (false: true reads the samples, consecutive
   * windows of a text, as batchSize streams side by side, in order, for stateful layers), seed (1),
   * chunk (iterations per call into wasm, 16),
   * onStep(record) each iteration ({epoch, iteration, steps: [{loss, optimizer, value, lr,
   * samples, correct, terms}]}), onEpoch({epoch, iterations}), signal (AbortSignal). Returns
   * {iterations, epochs, stopped, losses: {name: [per iteration]}}. A program that reads no
   * data runs `iterations` passes, one chunk per "epoch".
   */
  async train(data = {}, options = {}) {
    this.#idle('train');
    if (!this.info.program) throw new DlError('train: no program set (call setProgram first)', 'state');
    const o = { batchSize: 32, shuffle: true, seed: 1, chunk: 16, ...options };
    const staged = this.#stage(data, 'train');
    try {
      return await this.#loop(staged, o, null);
    } finally {
      staged.free();
    }
  }

  // The chunked loop shared by train() and fit(): shuffles each epoch, calls the core for up to
  // `chunk` iterations at a time, decodes the per-step records, yields between chunks.
  async #loop(staged, o, perEpoch) {
    const b = this.b, prog = this.info.program;
    const check = (ok, msg) => {
      if (!ok) throw new DlError(msg, 'arg');
    };
    check(Number.isInteger(o.batchSize) && o.batchSize >= 1 && o.batchSize <= 65536, `batchSize must be a whole number in [1, 65536], got ${o.batchSize}`);
    check(Number.isInteger(o.chunk) && o.chunk >= 1 && o.chunk <= 65536, `chunk must be a whole number in [1, 65536], got ${o.chunk}`);
    check(o.epochs == null || (Number.isInteger(o.epochs) && o.epochs >= 1 && o.epochs <= 1e6), `epochs must be a whole number >= 1, got ${o.epochs}`);
    check(o.iterations == null || (Number.isInteger(o.iterations) && o.iterations >= 1), `iterations must be a whole number >= 1, got ${o.iterations}`);
    check(o.minEpochMs == null || (o.minEpochMs >= 0 && o.minEpochMs <= 60000), `minEpochMs must be a number of milliseconds in [0, 60000], got ${o.minEpochMs}`);
    const readsData = prog.steps.some((s) => s.readsData);
    const N = staged.n;
    if (readsData && N === 0) throw new DlError('train: the program reads data, and none was given', 'arg');
    if (!readsData && o.iterations == null) throw new DlError('train: a program that reads no data needs iterations', 'arg');
    const bs = readsData ? Math.min(o.batchSize, N) : o.batchSize;
    const epochs = o.iterations != null ? Infinity : o.epochs ?? 1;
    this.ensureBatch(bs);
    const record = prog.record, layout = [];
    for (const s of prog.steps) {
      const l = prog.losses.find((x) => x.name === s.loss);
      for (let r = 0; r < s.repeat; r++) layout.push({ loss: l.name, optimizer: s.optimizer, terms: l.terms.map((t) => t.name) });
    }
    const orderPtr = b.alloc(Math.max(N, 1) * 4), statsPtr = b.alloc(o.chunk * record * 4);
    const wake = () => this.paused?.fire();
    o.signal?.addEventListener('abort', wake);
    const history = { epochs: 0, iterations: 0, stopped: null, losses: Object.fromEntries(prog.losses.map((l) => [l.name, []])) };
    this.training = true;
    let iteration = 0, perIteration = 0.01; // ms per iteration, as last measured
    try {
      for (let epoch = 0; epoch < epochs && (o.iterations == null || iteration < o.iterations); epoch++) {
        const order = o.streams ? streamOrder(N, bs) : Int32Array.from({ length: N }, (_, i) => i);
        if (o.shuffle && !o.streams && N > 1) shuffle(order, mulberry32((o.seed * 1000003 + epoch) >>> 0));
        b.check(b.exports.dl_model_reset_state(this.ptr, b.out)); // a stateful layer starts each pass from zeros
        b.i32(orderPtr, order.length).set(order);
        const epochRec = perEpoch?.start(epoch), epochStart = performance.now();
        for (let first = 0; readsData ? first < order.length : true; ) {
          // at most `chunk` batches per call, and fewer when batches are slow: a call cannot be
          // interrupted, so pause, stop and other requests wait for it (about 100 ms at most)
          let limit = Math.max(1, Math.min(o.chunk, Math.floor(CHUNK_MS / perIteration)));
          while (this.paused && !o.signal?.aborted) {
            if (this.stepsQueued > 0) {
              this.stepsQueued--;
              limit = 1;
              break;
            }
            await this.paused.next();
          }
          if (o.signal?.aborted) throw Object.assign(new Error('aborted'), { aborted: true });
          if (!this.ptr) throw new DlError('model was disposed during training', 'state');
          if (o.iterations != null) limit = Math.min(limit, o.iterations - iteration);
          if (limit <= 0) break;
          const t0 = performance.now();
          const status = b.exports.dl_model_run(this.ptr, staged.data, staged.u8, N, orderPtr + first * 4, order.length - first, bs, limit, BigInt(epoch), statsPtr, b.out, b.out + 4);
          const [done, used] = b.i32(b.out, 2);
          if (done > 0) perIteration = Math.max(0.01, (performance.now() - t0) / done);
          const stats = b.f32(statsPtr, done * record).slice();
          for (let k = 0; k < done; k++) {
            let at = k * record;
            const rec = { epoch, iteration: iteration + k, steps: [] };
            for (const st of layout) {
              const terms = Object.fromEntries(st.terms.map((t, i) => [t, stats[at + 4 + i]]));
              rec.steps.push({ loss: st.loss, optimizer: st.optimizer, value: stats[at], lr: stats[at + 1], samples: stats[at + 2], correct: stats[at + 3], terms });
              at += 4 + st.terms.length;
            }
            for (const st of rec.steps) history.losses[st.loss].push(st.value);
            epochRec?.step(rec);
            o.onStep?.(rec);
          }
          iteration += done;
          history.iterations = iteration;
          first += used;
          if (status !== 0) {
            const err = new DlError(b.lastError(), ['ok', 'arg', 'shape', 'oom', 'state', 'numeric', 'format'][status]);
            err.history = history;
            throw err;
          }
          await yieldToLoop(); // after every chunk, also the last of an epoch: messages, pause, abort
          if (!readsData || done < limit) break; // one chunk per pass without data; or the epoch's samples are used up
        }
        history.epochs = epoch + 1;
        if (epochRec && (await epochRec.end()) === 'stop') break;
        o.onEpoch?.({ epoch, iterations: iteration });
        // a paced run (for watching a small problem learn) spends at least minEpochMs per epoch
        if (o.minEpochMs > 0 && epoch + 1 < epochs) await sleep(epochStart + o.minEpochMs - performance.now(), o.signal);
      }
    } catch (e) {
      if (!e.aborted) throw e;
      history.stopped = 'aborted';
    } finally {
      this.training = false;
      b.exports.dl_free(orderPtr);
      b.exports.dl_free(statsPtr);
      o.signal?.removeEventListener('abort', wake);
      if (this.ptr) this.#refresh();
    }
    return history;
  }

  // fit's program: one loss on the output, one optimizer named 'main' over every network.
  #classifierProgram(o) {
    const cat = this.engine.catalog;
    if (o.optimizer !== undefined && typeof o.optimizer !== 'string' && (o.optimizer === null || typeof o.optimizer !== 'object'))
      throw new DlError(`optimizer must be a name or {type, ...options}, got ${o.optimizer}`, 'arg');
    const opt = typeof o.optimizer === 'string' ? { type: o.optimizer } : { type: 'adam', ...(o.optimizer ?? {}) };
    const known = cat.optimizers.map((x) => x.name);
    if (!known.includes(opt.type)) throw new DlError(`unknown optimizer: ${opt.type} (expected one of ${known.join(', ')})`, 'arg');
    const lr = o.lr ?? opt.lr ?? cat.optimizers.find((x) => x.name === opt.type).lr;
    if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) throw new DlError(`learning rate ${lr} must be a finite number >= 0`, 'arg');
    const losses = cat.losses.filter((l) => l.target !== 'none').map((l) => l.name);
    if (!losses.includes(o.loss)) throw new DlError(`unknown loss: ${o.loss} (expected one of ${losses.join(', ')})`, 'arg');
    const { type, lr: _lr, ...rest } = opt;
    const main = { type, lr, ...rest, l1: o.l1 ?? 0, l2: o.l2 ?? 0, clipNorm: o.clipNorm ?? 0, clipValue: o.clipValue ?? 0 };
    if (o.schedule) {
      const { per = 'batch', ...sched } = o.schedule;
      if (per !== 'batch' && per !== 'epoch') throw new DlError(`schedule.per must be 'batch' or 'epoch', got ${per}`, 'arg');
      main.schedule = sched;
      main.per = per === 'epoch' ? 'epoch' : 'step';
    }
    const term = { type: o.loss, on: o.output ?? this.info.tensors.filter((t) => t.kind === 'computed').at(-1).name, target: { data: 'y' } };
    if (o.labelSmoothing) term.smoothing = o.labelSmoothing;
    return { losses: { main: [term] }, optimizers: { main } };
  }

  /**
   * Train a classifier (or a regressor) on {x, y}. Returns the history {loss, accuracy,
   * valLoss, valAccuracy, lr, epochs, stopped}. See docs/api.md for every option; the main ones:
   * epochs, batchSize, optimizer ('adam' or {type, lr, ...}), lr, schedule ({type, per: 'batch'|'epoch', ...}),
   * loss, labelSmoothing, l1, l2, clipNorm, clipValue, validationSplit or validationData, shuffle,
   * seed, augment ({shift, rotate, scale, crop, flip, cutout, noise}: see the catalog's augment), earlyStopping ({monitor, patience, minDelta,
   * restoreBestWeights}), onBatch, onEpoch, signal (AbortSignal), chunk (most batches per call into wasm; fewer for slow batches).
   * fit is a preset program: one loss term on the last output, one optimizer named 'main'.
   */
  async fit(data, options = {}) {
    this.#idle('fit');
    const o = { epochs: 1, batchSize: 32, shuffle: true, seed: 1, chunk: 16, loss: 'softmax_ce', labelSmoothing: 0, ...options };
    const check = (ok, msg) => {
      if (!ok) throw new DlError(msg, 'arg');
    };
    check(Number.isInteger(o.epochs) && o.epochs >= 1 && o.epochs <= 1e6, `epochs must be a whole number >= 1, got ${o.epochs}`);
    check(Number.isInteger(o.batchSize) && o.batchSize >= 1 && o.batchSize <= 65536, `batchSize must be a whole number in [1, 65536], got ${o.batchSize}`);
    check(Number.isInteger(o.chunk) && o.chunk >= 1 && o.chunk <= 65536, `chunk must be a whole number in [1, 65536], got ${o.chunk}`);
    check(o.validationSplit == null || (o.validationSplit >= 0 && o.validationSplit < 1), `validationSplit must be in [0, 1), got ${o.validationSplit}`);
    const aug = augmentOptions(this.engine, o.augment);
    const program = this.#classifierProgram(o);
    if (!data?.x) throw new DlError('training data: expected {x, y}', 'arg');
    const monitor = o.earlyStopping?.monitor ?? 'valLoss', monitors = ['valLoss', 'valAccuracy', 'loss', 'accuracy'];
    if (o.earlyStopping && !monitors.includes(monitor))
      throw new DlError(`earlyStopping.monitor '${monitor}' is not reported (use ${monitors.join(', ')})`, 'arg');
    if (o.earlyStopping && monitor.startsWith('val') && !o.validationData && !(o.validationSplit > 0))
      throw new DlError(`earlyStopping.monitor '${monitor}' needs validationData or validationSplit`, 'arg');

    // Data: the validation part is the tail of the set (before shuffling), as in Keras.
    const inputName = this.info.tensors[0].name, labels = o.loss === 'softmax_ce';
    const per = labels ? 1 : this.outputSize, D = this.inputSize;
    let train = data, val = o.validationData ?? null;
    const slice = (d, from, to) => ({ x: d.x.subarray(from * D, to * D), y: d.y?.subarray(from * per, to * per) });
    if (!val && o.validationSplit > 0) {
      const n = Math.floor(data.x.length / D), nv = Math.floor(n * o.validationSplit);
      if (nv > 0) (train = slice(data, 0, n - nv)), (val = slice(data, n - nv, n));
    }
    // Check the data against the program before anything changes: a scratch copy of the slots.
    this.#checkXY(train, 'training data', labels, o.loss);
    if (val) this.#checkXY(val, 'validation data', labels, o.loss);
    // Stage before the program changes (for the slots the preset program will have: the inputs,
    // then its data 'y'), so running out of memory here leaves the model as it was.
    const slots = this.#slots({ data: [{ name: 'y', labels: labels ? this.outputSize : 0, shape: [per] }] });
    let staged, stagedVal;
    try {
      staged = this.#stage({ [inputName]: train.x, y: train.y }, 'training data', null, slots);
      stagedVal = val ? this.#stage({ [inputName]: val.x, y: val.y }, 'validation data', null, slots) : null;
    } catch (e) {
      staged?.free();
      throw e;
    }
    // setProgram is atomic and keeps the state of an optimizer that keeps its name and type;
    // resetOptimizer starts it over only once the program is known to be accepted.
    const previous = this.program, clear = () => (this.b.check(this.b.exports.dl_model_clear_program(this.ptr)), this.#refresh());
    try {
      this.setProgram(program);
      if (o.resetOptimizer) clear(), this.setProgram(program);
      this.b.check(this.b.withFloats(aug, (p) => this.b.exports.dl_model_set_augment(this.ptr, p)));
    } catch (e) {
      staged.free();
      stagedVal?.free();
      if (JSON.stringify(this.program) !== JSON.stringify(previous)) previous ? this.setProgram(previous) : clear();
      throw e;
    }
    const history = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], lr: [], epochs: 0, stopped: null };
    const es = o.earlyStopping ? { monitor: 'valLoss', patience: 5, minDelta: 0, restoreBestWeights: false, ...o.earlyStopping } : null;
    let best = Infinity, bestWeights = null, waited = 0, samplesDone = 0;
    const started = performance.now(), N = staged.n, batches = Math.ceil(N / Math.min(o.batchSize, N));
    const isPlateau = o.schedule?.type === 'plateau';
    const perEpoch = {
      start: (epoch) => {
        const t0 = performance.now();
        let lossSum = 0, correct = 0, seen = 0, lastLr = 0, batch = 0;
        return {
          step: (rec) => {
            const s = rec.steps[0];
            lossSum += s.value * s.samples;
            correct += s.correct;
            seen += s.samples;
            samplesDone += s.samples;
            lastLr = s.lr;
            o.onBatch?.({ epoch, batch: batch++, batches, loss: s.value, accuracy: labels ? s.correct / s.samples : null, lr: s.lr, samplesPerSec: samplesDone / ((performance.now() - started) / 1000) });
          },
          end: async () => {
            const rec = { epoch, loss: lossSum / seen, accuracy: labels ? correct / seen : null, lr: lastLr };
            if (stagedVal) {
              const v = this.#evaluateStaged(stagedVal, false);
              rec.valLoss = v.loss;
              rec.valAccuracy = v.accuracy;
            }
            rec.seconds = (performance.now() - t0) / 1000;
            history.loss.push(rec.loss);
            history.accuracy.push(rec.accuracy);
            history.valLoss.push(rec.valLoss ?? null);
            history.valAccuracy.push(rec.valAccuracy ?? null);
            history.lr.push(rec.lr);
            history.epochs = epoch + 1;
            if (isPlateau) this.b.withString('main', (n) => this.b.check(this.b.exports.dl_model_report(this.ptr, n, rec.valLoss ?? rec.loss)));
            o.onEpoch?.(rec);
            if (!es) return null;
            const value = rec[es.monitor];
            if (value == null) throw new DlError(`earlyStopping.monitor '${es.monitor}' is not reported (use valLoss, valAccuracy, loss or accuracy)`, 'arg');
            const better = /accuracy/i.test(es.monitor) ? -value : value;
            if (better < best - es.minDelta) {
              best = better;
              waited = 0;
              if (es.restoreBestWeights) bestWeights = this.getWeights();
            } else if (++waited >= es.patience) {
              history.stopped = `early stopping: ${es.monitor} did not improve for ${es.patience} epochs`;
              return 'stop';
            }
            return null;
          },
        };
      },
    };
    try {
      const h = await this.#loop(staged, { ...o, onEpoch: null, onStep: null }, perEpoch);
      if (h.stopped) history.stopped = h.stopped;
      if (bestWeights) this.setWeights(bestWeights);
    } catch (e) {
      if (e.history) e.history = history;
      throw e;
    } finally {
      staged.free();
      stagedVal?.free();
    }
    return history;
  }

  #checkXY(d, what, labels, loss = labels ? 'softmax_ce' : null) {
    const D = this.inputSize, x = d.x, y = d.y;
    if (!(x instanceof Float32Array) && !isBytes(x)) throw new DlError(`${what}: x must be a Float32Array or Uint8Array`, 'arg');
    if (x.length === 0 || x.length % D !== 0)
      throw new DlError(`${what}: x has ${x.length} values, not a multiple of the input size ${D} ([${this.inputShape.join(', ')}])`, 'shape');
    const n = x.length / D, per = labels ? 1 : this.outputSize;
    if (y == null) throw new DlError(`${what}: y is required`, 'arg');
    if (y.length !== n * per)
      throw new DlError(`${what}: y has ${y.length} values for ${n} samples; expected ${n * per} (${labels ? 'one class label' : `${per} targets`} per sample)`, 'shape');
    // targets the loss can take: probabilities for bce, -1 or +1 for hinge, distributions for soft cross-entropy
    const range = { bce: [0, 1], bce_logits: [0, 1], softmax_ce_soft: [0, 1] }[loss];
    for (let i = 0; i < y.length; i++) {
      const c = y[i];
      if (labels ? !(Number.isInteger(c) && c >= 0 && c < this.outputSize) : !finite32(c))
        throw new DlError(labels ? `${what}: label ${c} of sample ${i} is not a class in [0, ${this.outputSize})` : `${what}: target ${i} is not a finite number`, 'arg');
      if (range && !(c >= range[0] && c <= range[1])) throw new DlError(`${what}: target ${i} is ${c}; ${loss} takes targets in [${range[0]}, ${range[1]}]`, 'arg');
      if (loss === 'hinge' && c !== -1 && c !== 1) throw new DlError(`${what}: target ${i} is ${c}; hinge takes targets -1 or +1`, 'arg');
    }
  }

  /**
   * Pause a running fit between chunks (or before a fit starts); resume() continues it, and
   * step() runs exactly one more batch and stays paused: the playground's single-step button.
   */
  pause() {
    if (this.paused) return;
    const waiters = [];
    this.paused = { next: () => new Promise((r) => waiters.push(r)), fire: () => waiters.splice(0).forEach((r) => r()) };
  }
  resume() {
    const p = this.paused;
    this.paused = null;
    this.stepsQueued = 0;
    p?.fire();
  }
  step(n = 1) {
    this.pause();
    this.stepsQueued = (this.stepsQueued ?? 0) + n;
    this.paused.fire();
  }

  // The loss and accuracy of program loss 0 over staged data, with the last output if asked.
  #evaluateStaged(s, wantOutputs, loss = 0) {
    const b = this.b;
    const L = this.info.program.losses[loss];
    const outPtr = wantOutputs ? b.alloc(s.n * this.outputSize * 4) : 0, sums = b.alloc(8 * (1 + L.terms.length));
    try {
      b.check(b.exports.dl_model_evaluate(this.ptr, loss, s.data, s.u8, s.n, sums, b.out, outPtr));
      const v = Array.from(new Float64Array(b.memory.buffer, sums, 1 + L.terms.length), (x) => x / s.n);
      const labels = L.terms[0].type === 'softmax_ce';
      return {
        loss: v[0],
        terms: Object.fromEntries(L.terms.map((t, i) => [t.name, v[1 + i]])),
        accuracy: labels ? b.i32(b.out, 1)[0] / s.n : null,
        outputs: wantOutputs ? b.f32(outPtr, s.n * this.outputSize).slice() : null,
      };
    } finally {
      if (outPtr) b.exports.dl_free(outPtr);
      b.exports.dl_free(sums);
    }
  }

  /**
   * A loss of the program in evaluation mode over named data: {loss, terms: {name: value}}
   * (means per sample). Noise is drawn, and the model's random stream is left as it was.
   */
  evaluateLoss(loss, data) {
    this.#live(); // between the chunks of a run too: evaluation leaves training as it was
    const k = this.info.program?.losses.findIndex((l) => l.name === loss) ?? -1;
    if (k < 0) throw new DlError(`evaluateLoss: no loss named '${loss}' (the program has ${this.info.program?.losses.map((l) => l.name).join(', ') ?? 'none'})`, 'arg');
    const s = this.#stage(data, 'evaluateLoss');
    try {
      const { loss: value, terms } = this.#evaluateStaged(s, false, k);
      return { loss: value, terms };
    } finally {
      s.free();
    }
  }

  /**
   * Any tensor (or layer output) of the model in evaluation mode, for the named inputs it
   * needs: run('fake', {z}) decodes given noise; noise not given is drawn. Returns a Float32Array
   * of n x the tensor's per-sample size.
   */
  run(name, inputs) {
    this.#live(); // between the chunks of a run too
    const t = this.info.tensors.find((x) => x.name === name) ?? this.info.layers.find((x) => x.name === name);
    if (!t) throw new DlError(`run: no tensor or layer named '${name}' (tensors: ${this.info.tensors.map((x) => x.name).join(', ')})`, 'arg');
    const s = this.#stage(inputs, 'run');
    const n = s.n, b = this.b, size = product(t.shape);
    try {
      if (n === 0) throw new DlError(`run: no samples given (pass the inputs '${name}' needs)`, 'arg');
      const out = b.alloc(n * size * 4);
      try {
        b.check(b.exports.dl_model_infer(this.ptr, t.node, s.data, s.u8, n, out));
        return b.f32(out, n * size).slice();
      } finally {
        b.exports.dl_free(out);
      }
    } finally {
      s.free();
    }
  }

  /**
   * Generation one token at a time, for a model whose one input is token ids and whose last
   * output is scores per position. Returns a Generator of `streams` sequences side by side (a
   * model has one: asking again starts it afresh). It shares the model's weights, so it follows
   * training as it goes. See core/generate.c.
   */
  generator(streams = 1) {
    this.#live();
    if (!Number.isInteger(streams)) throw new DlError(`generator: streams must be a whole number, is ${streams}`, 'arg');
    return new Generator(this, streams);
  }

  /** Outputs for the samples in x (Float32Array or Uint8Array scaled by 1/255), in evaluation mode. */
  predict(x) {
    if (!(x instanceof Float32Array) && !isBytes(x)) x = Float32Array.from(x);
    const out = this.info.tensors.filter((t) => t.kind === 'computed').at(-1).name;
    return this.run(out, { [this.info.tensors[0].name]: x });
  }

  // fit's program, for evaluate and inputGradient on a model that has not been fitted yet.
  #ensureFitProgram(loss) {
    const L = this.info.program?.losses[0];
    if (L && L.name === 'main' && (!loss || L.terms[0].type === loss)) return;
    this.setProgram(this.#classifierProgram({ loss: loss ?? 'softmax_ce', optimizer: this.info.optimizers[0]?.type ?? 'adam' }));
  }

  /**
   * Loss and metrics on {x, y}: accuracy, the confusion matrix (rows: true class, columns:
   * predicted), per-class precision, recall, F1 and support, and macro and weighted averages.
   */
  evaluate(data, { loss } = {}) {
    this.#live(); // between the chunks of a run too (with fit's program)
    this.#ensureFitProgram(loss);
    const labels = this.info.program.losses[0].terms[0].type === 'softmax_ce';
    this.#checkXY(data, 'evaluate', labels);
    const s = this.#stage({ [this.info.tensors[0].name]: data.x, y: data.y }, 'evaluate');
    let r;
    try {
      r = this.#evaluateStaged(s, true);
    } finally {
      s.free();
    }
    const result = { loss: r.loss, accuracy: r.accuracy, n: s.n };
    if (!labels) return result;
    const K = this.outputSize, y = data.y;
    const confusion = Array.from({ length: K }, () => new Array(K).fill(0));
    for (let i = 0; i < s.n; i++) confusion[y[i]][argmax(r.outputs, i * K, K)]++;
    const perClass = [];
    for (let k = 0; k < K; k++) {
      const tp = confusion[k][k], support = confusion[k].reduce((a, v) => a + v, 0);
      const predicted = confusion.reduce((a, row) => a + row[k], 0);
      const precision = predicted ? tp / predicted : 0, recall = support ? tp / support : 0;
      perClass.push({ precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support });
    }
    const avg = (key, weighted) =>
      perClass.reduce((a, c) => a + c[key] * (weighted ? c.support : 1), 0) / (weighted ? s.n : K);
    result.confusion = confusion;
    result.perClass = perClass;
    result.macro = { precision: avg('precision'), recall: avg('recall'), f1: avg('f1') };
    result.weighted = { precision: avg('precision', true), recall: avg('recall', true), f1: avg('f1', true) };
    result.predictions = Int32Array.from({ length: s.n }, (_, i) => argmax(r.outputs, i * K, K));
    return result;
  }

  #layer(name) {
    const l = this.info.layers.find((l) => l.name === name) ?? (typeof name === 'number' ? this.info.layers[name] : null);
    if (!l) throw new DlError(`no layer named '${name}' (layers: ${this.info.layers.map((l) => l.name).join(', ')})`, 'arg');
    return l;
  }

  // Put up to maxBatch samples into the input node; returns the sample count.
  #feed(x) {
    if (!(x instanceof Float32Array)) x = isBytes(x) ? Float32Array.from(x, (v) => v / 255) : Float32Array.from(x);
    const D = this.inputSize;
    if (x.length === 0 || x.length % D !== 0) throw new DlError(`x has ${x.length} values, not a multiple of the input size ${D}`, 'shape');
    const n = x.length / D;
    this.ensureBatch(n);
    this.graph.setBatch(n).setValue(this.info.inputNode, x);
    return n;
  }

  /** A layer's output for the samples in x (feature maps for conv layers): {shape, data}. */
  activations(x, layer) {
    const l = this.#layer(layer);
    this.#feed(x);
    const g = this.graph.setTraining(false);
    try {
      g.forward(l.node);
      return { shape: g.shape(l.node).shape, data: g.value(l.node) };
    } finally {
      g.setTraining(true);
    }
  }

  /**
   * d(loss)/d(input) for the samples in x and their class labels (saliency maps; its sign gives
   * the FGSM adversarial direction: x + eps * sign(gradient)). Uses fit's loss.
   */
  inputGradient(x, target) {
    this.#live(); // between the chunks of a run too (with fit's program)
    this.#ensureFitProgram();
    const n = this.#feed(x);
    if (this.inferenceOnly) this.ensureBatch(n);
    const g = this.graph, term = this.info.program.losses[0].terms[0], lNode = this.info.program.losses[0].node;
    const t = Float32Array.from(target);
    const per = term.type === 'softmax_ce' ? 1 : this.outputSize;
    if (t.length !== n * per) throw new DlError(`target has ${t.length} values, expected ${n * per}`, 'shape');
    g.setValue(term.target, t);
    g.setTraining(false);
    g.setFlags(this.info.inputNode, 16);
    try {
      g.forward(lNode).backward(lNode);
      // backprop of the mean loss: scale back to the per-sample loss's gradient
      return g.grad(this.info.inputNode).map((v) => v * n);
    } finally {
      g.setFlags(this.info.inputNode, 0);
      g.setTraining(true);
    }
  }

  /** Every parameter (weights, biases, batch-norm statistics): [{name, shape, values}]. */
  getWeights() {
    const out = [];
    for (const l of this.info.layers)
      for (const p of l.paramNodes) out.push({ name: p.name, shape: p.shape.slice(), values: this.graph.value(p.node) });
    return out;
  }

  /** Replace parameters by name; every entry is checked before any is written. */
  setWeights(weights) {
    const params = new Map(this.info.layers.flatMap((l) => l.paramNodes.map((p) => [p.name, p])));
    for (const w of weights) {
      const p = params.get(w.name);
      if (!p) throw new DlError(`setWeights: no parameter named '${w.name}'`, 'arg');
      const size = p.shape.reduce((a, d) => a * d, 1);
      if (w.values?.length !== size) throw new DlError(`setWeights: '${w.name}' needs ${size} values, got ${w.values?.length}`, 'shape');
      for (let i = 0; i < size; i++)
        if (!finite32(w.values[i])) throw new DlError(`setWeights: '${w.name}' value ${i} is not finite as a 32-bit float`, 'arg');
    }
    for (const w of weights) this.graph.setValue(params.get(w.name).node, w.values);
  }

  /**
   * The model as bytes (format in core/model_io.c), with its program. optimizer: true also keeps
   * the training state (every optimizer's moments and step count, the random-number state), so a
   * loaded copy resumes training exactly as the original would.
   */
  save({ optimizer = false } = {}) {
    this.#live(); // between the chunks of a run too: a snapshot
    const b = this.b;
    if (optimizer && !this.info.optimizers.length) throw new DlError('save: no optimizer state yet (train first)', 'state');
    b.check(b.exports.dl_model_save(this.ptr, optimizer ? 1 : 0, b.out, b.out + 4));
    const [p, n] = b.u32(b.out, 2);
    const bytes = new Uint8Array(b.memory.buffer, p, n).slice();
    b.exports.dl_free(p);
    return bytes;
  }

  dispose() {
    if (!this.ptr) return;
    finalizer.unregister(this);
    this.b.exports.dl_model_destroy(this.ptr);
    this.ptr = 0;
    this.graph.ptr = 0;
    const paused = this.paused; // a paused run wakes up and stops with a 'state' error
    this.paused = null;
    paused?.fire();
  }
}

/**
 * Streams of tokens fed one at a time: step(tokens) takes one token id per stream and gives the
 * next-token scores (streams x vocabulary logits); reorder(from) makes stream i continue stream
 * from[i] (beam search); reset() starts every stream again at position 0.
 */
export class Generator {
  constructor(model, streams) {
    this.model = model;
    this.streams = streams;
    this.reset();
  }

  get #b() {
    if (!this.model.ptr) throw new DlError('generator: the model was disposed', 'state');
    return this.model.b;
  }

  reset() {
    const b = this.#b;
    b.check(b.exports.dl_model_generate_begin(this.model.ptr, this.streams));
    b.check(b.exports.dl_model_generate_info(this.model.ptr, b.out, b.out + 4, b.out + 8));
    [, this.window, this.vocab] = b.i32(b.out, 3);
    return this;
  }

  /** Tokens fed since the last reset (the core's count: another generator on the model resets it too). */
  get position() {
    const b = this.#b;
    b.check(b.exports.dl_model_generate_info(this.model.ptr, b.out, 0, 0));
    return b.i32(b.out, 1)[0];
  }

  /** tokens: one id per stream (an array or typed array); returns Float32Array [streams x vocab]. */
  step(tokens) {
    const b = this.#b;
    if (tokens == null || tokens.length !== this.streams) throw new DlError(`generator.step: expected ${this.streams} token ids, one per stream, got ${tokens?.length ?? 'none'}`, 'arg');
    const out = b.alloc(this.streams * this.vocab * 4);
    try {
      b.withFloats(Float32Array.from(tokens), (p) => b.check(b.exports.dl_model_generate_step(this.model.ptr, p, out)));
      return b.f32(out, this.streams * this.vocab).slice();
    } finally {
      b.exports.dl_free(out);
    }
  }

  /** Stream i continues what stream from[i] had. */
  reorder(from) {
    const b = this.#b;
    if (from == null || from.length !== this.streams) throw new DlError(`generator.reorder: expected ${this.streams} stream indices`, 'arg');
    b.withInts(Int32Array.from(from), (p) => b.check(b.exports.dl_model_generate_reorder(this.model.ptr, p)));
  }

  /** A step-graph node after the last step: its value, or (scratch: true) an op's scratch. */
  read(node, { scratch = false } = {}) {
    const b = this.#b;
    return b.withString(node, (p) => {
      b.check(b.exports.dl_model_generate_read(this.model.ptr, p, scratch ? 1 : 0, b.out, b.out + 4));
      const [ptr, n] = b.u32(b.out, 2);
      return b.f32(ptr, n).slice();
    });
  }
}

