// dlplay.mjs: the entry point. `load()` instantiates the core (SIMD128 when the engine has it)
// and returns an Engine: graphs of ops with planned memory, optimizers, schedules. The Model API
// (layers from a JSON spec, fit/predict/save) is built on these.
import { instantiate, simdSupported } from './loader.mjs';
import { bind, DlError, STATUS } from './bindings.mjs';
import { Model } from './model.mjs';

export { DlError, STATUS, simdSupported, Model };

/** Parameter and input flags, as in core/dl.h. */
export const FLAGS = Object.freeze({ trainable: 1, frozen: 2, decay: 4, state: 8, requiresGrad: 16 });

// Native objects left undisposed are freed when their wrapper is collected: a safety net, not
// the plan (call dispose()).
export const finalizer = new FinalizationRegistry(({ free, ptr }) => free(ptr));

/**
 * Load the engine.
 * @param {{simd?: boolean, wasmUrl?: string|URL, bytes?: BufferSource}} [options] see loader.mjs
 * @returns {Promise<Engine>}
 */
export async function load(options = {}) {
  const { exports, simd } = await instantiate(options);
  return new Engine(bind(exports), simd);
}

/** A seed is a whole number the core's 64-bit generator takes exactly. */
function checkSeed(seed) {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) throw new DlError(`seed must be a whole number >= 0, got ${seed}`, 'arg');
}

export class Engine {
  constructor(b, simd) {
    this.b = b;
    /** True when the SIMD128 build is running. */
    this.simd = simd && b.exports.dl_simd_enabled() === 1;
    /** Core version, e.g. "0.1.0". */
    this.version = b.readString(b.exports.dl_version());
  }
  /** The raw exports, for tests and benchmarks (kernel pairs dl_<name>_ref / _simd). */
  get raw() {
    return this.b.exports;
  }
  /**
   * Every layer, activation, loss, optimizer, schedule and initializer the core knows, with
   * their options (types, ranges, defaults): the one list docs, pages and checks read.
   */
  get catalog() {
    if (!this._catalog) {
      const b = this.b;
      b.check(b.exports.dl_catalog(b.out));
      this._catalog = JSON.parse(b.readString(b.u32(b.out, 1)[0]));
    }
    return this._catalog;
  }
  /** Heap bytes allocated and not freed: what a leak changes (memoryBytes only ever grows). */
  heapBytes() {
    return this.b.exports.dl_heap_in_use();
  }
  /** Bytes of wasm memory reserved (it only grows). */
  memoryBytes() {
    return this.b.memory.buffer.byteLength;
  }
  /**
   * `count` randomly augmented copies of one image [C, H, W] (values as the model reads them),
   * drawn from `seed` with the options a model's fit takes ({shift, rotate, scale, crop, flip,
   * cutout, noise}): what training would show the network, as a preview.
   */
  augment(image, [C, H, W], options = {}, { count = 8, seed = 1 } = {}) {
    const b = this.b, opts = augmentOptions(this, options), n = C * H * W;
    if (!(image?.length === n)) throw new DlError(`augment: the image has ${image?.length} values, expected ${C} x ${H} x ${W} = ${n}`, 'shape');
    checkSeed(seed);
    const out = b.alloc(Math.min(256, Math.max(1, count | 0)) * n * 4); // (the core checks count)
    try {
      b.withFloats(opts, (o) => b.withFloats(image, (x) => b.check(b.exports.dl_augment(o, x, C, H, W, count, BigInt(seed), out))));
      return b.f32(out, count * n).slice();
    } finally {
      b.exports.dl_free(out);
    }
  }
  /** A new, empty graph whose random draws (initializers, dropout, sampling) follow `seed`. */
  graph(seed = 1) {
    checkSeed(seed);
    return new Graph(this, seed);
  }
  /** A model from a JSON spec: {input: [1, 28, 28], seed, layers: [{type: 'conv2d', ...}, ...]}. */
  model(spec) {
    return Model.create(this, spec);
  }
  /** A model from bytes written by model.save(); a corrupt file throws and changes nothing. */
  loadModel(bytes) {
    return Model.load(this, bytes);
  }
  /**
   * A learning-rate schedule.
   * @param {string} type constant | step | exponential | cosine | polynomial | cyclical | onecycle | plateau
   * @param {number} lr the base rate (the peak for onecycle)
   * @param {Record<string, number>} [options] see core/sched.c, e.g. {step_size: 10, gamma: 0.5, warmup: 5}
   */
  schedule(type, lr, options = {}) {
    return new Schedule(this, type, lr, options);
  }
}

function checkShape(shape, what) {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d)))
    throw new DlError(`${what}: shape must be a non-empty array of integers, got ${JSON.stringify(shape)}`, 'arg');
}

export class Graph {
  constructor(engine, seed, borrowed = 0) {
    const b = (this.b = engine.b);
    this.engine = engine;
    if (borrowed) {
      // a model's graph: the model owns and frees it
      this.ptr = borrowed;
      this.borrowed = true;
      return;
    }
    b.check(b.exports.dl_graph_create(b.out, BigInt(seed)));
    this.ptr = b.u32(b.out, 1)[0];
    finalizer.register(this, { free: b.exports.dl_graph_destroy, ptr: this.ptr }, this);
  }
  #ptr() {
    if (!this.ptr) throw new DlError('graph was disposed', 'state');
    return this.ptr;
  }
  #id(fn) {
    const b = this.b;
    b.check(fn(b.out));
    return b.i32(b.out, 1)[0];
  }

  /** An input; `shape` is per sample unless batched is false. Returns its node id. */
  input(name, shape, { batched = true } = {}) {
    checkShape(shape, `input '${name}'`);
    const b = this.b;
    return b.withString(name, (n) =>
      b.withInts(shape, (s, nd) => this.#id((o) => b.exports.dl_graph_input(this.#ptr(), n, nd, s, batched ? 1 : 0, o))),
    );
  }

  /**
   * A parameter. Flags: trainable (default true), decay (weight penalties apply), state (saved but
   * not trained), frozen. `init` names an initializer ('he_normal', ...) with arguments a, b.
   */
  param(name, shape, { trainable = true, decay = false, state = false, frozen = false, init, a = 0, b: bArg = 0 } = {}) {
    checkShape(shape, `param '${name}'`);
    const b = this.b;
    const flags = (trainable ? FLAGS.trainable : 0) | (decay ? FLAGS.decay : 0) | (state ? FLAGS.state : 0) | (frozen ? FLAGS.frozen : 0);
    const id = b.withString(name, (n) =>
      b.withInts(shape, (s, nd) => this.#id((o) => b.exports.dl_graph_param(this.#ptr(), n, nd, s, flags, o))),
    );
    if (init) this.init(id, init, a, bArg);
    return id;
  }

  /**
   * An op from core/ops/ops.def, e.g. op('conv2d', [x, w, b], {name: 'c1', ints: [1, 1, 0, 0, 0, 0, 2]}).
   * @returns {number} the node id
   */
  op(type, inputs, { name = null, ints = [], floats = [] } = {}) {
    const b = this.b;
    return b.withString(type, (t) =>
      b.withString(name, (n) =>
        b.withInts(inputs, (ip, ni) =>
          b.withInts(ints, (ia, nia) =>
            b.withFloats(floats, (fa, nfa) =>
              this.#id((o) => b.exports.dl_graph_op(this.#ptr(), t, n, ni, ip, nia, ia, nfa, fa, o)),
            ),
          ),
        ),
      ),
    );
  }

  /**
   * Lay out memory for batches of up to maxBatch samples: for training (forward and backward),
   * or with {inference: true} for forward passes in evaluation mode only (no gradients).
   */
  plan(maxBatch, { inference = false } = {}) {
    const e = this.b.exports;
    this.b.check((inference ? e.dl_graph_plan_inference : e.dl_graph_plan)(this.#ptr(), maxBatch));
    this.maxBatch = maxBatch;
    return this;
  }
  /** {arenaBytes, unsharedBytes}: the planned arena, and one buffer per value, gradient and scratch. */
  memory() {
    const b = this.b;
    b.check(b.exports.dl_graph_memory(this.#ptr(), b.out, b.out + 8));
    const [arenaBytes, unsharedBytes] = new Float64Array(b.memory.buffer, b.out, 2);
    return { arenaBytes, unsharedBytes };
  }
  setBatch(n) {
    this.b.check(this.b.exports.dl_graph_set_batch(this.#ptr(), n));
    return this;
  }
  /** Training mode (dropout active, batch statistics) or evaluation. */
  setTraining(on) {
    this.b.check(this.b.exports.dl_graph_set_training(this.#ptr(), on ? 1 : 0));
    return this;
  }
  setFlags(id, flags) {
    this.b.check(this.b.exports.dl_graph_set_flags(this.#ptr(), id, flags));
  }
  setGroup(id, group) {
    this.b.check(this.b.exports.dl_graph_set_group(this.#ptr(), id, group));
  }
  seed(seed) {
    checkSeed(seed);
    this.b.check(this.b.exports.dl_graph_seed(this.#ptr(), BigInt(seed)));
  }
  init(id, name, a = 0, bArg = 0) {
    const b = this.b;
    b.withString(name, (n) => b.check(b.exports.dl_graph_init_param(this.#ptr(), id, n, a, bArg)));
  }
  find(name) {
    const b = this.b;
    return b.withString(name, (n) => this.#id((o) => b.exports.dl_graph_find(this.#ptr(), n, o)));
  }
  get nodeCount() {
    return this.b.exports.dl_graph_node_count(this.#ptr());
  }

  forward(id) {
    this.b.check(this.b.exports.dl_graph_forward(this.#ptr(), id));
    return this;
  }
  backward(lossId) {
    this.b.check(this.b.exports.dl_graph_backward(this.#ptr(), lossId));
    return this;
  }

  // A live view of a node's value (which 0), gradient (1) or kept scratch (2) at the current batch size.
  #view(id, which) {
    const b = this.b;
    b.check(b.exports.dl_graph_tensor(this.#ptr(), id, which, b.out, b.out + 4));
    const [ptr, n] = b.u32(b.out, 2);
    return b.f32(ptr, n);
  }
  /** A copy of the node's value. */
  value(id) {
    return this.#view(id, 0).slice();
  }
  /** A copy of the node's gradient from the last backward. */
  grad(id) {
    return this.#view(id, 1).slice();
  }
  /** A copy of what an op keeps from forward for backward (graph_attention's weights α per sample), after forward. */
  scratch(id) {
    return this.#view(id, 2).slice();
  }
  /** Write a node's value (an input's data, a parameter's weights); the length must match. */
  setValue(id, data) {
    const view = this.#view(id, 0);
    if (data.length !== view.length)
      throw new DlError(`node ${id}: ${data.length} values given, expected ${view.length}`, 'shape');
    view.set(data);
    return this;
  }
  /** {shape, batched}: dim 0 of a batched node is the current batch size. */
  shape(id) {
    const b = this.b;
    b.check(b.exports.dl_graph_shape(this.#ptr(), id, b.out, b.out + 4, b.out + 20));
    const v = b.i32(b.out, 6);
    return { shape: Array.from(v.subarray(1, 1 + v[0])), batched: v[5] === 1 };
  }

  /** An optimizer over the trainable params (of `group`, or all when -1). */
  optimizer(type, options = {}, group = -1) {
    return new Optimizer(this, type, options, group);
  }
  /** Forward, check the loss is finite, backward, update. Returns the loss. */
  trainStep(lossId, optimizer, lr) {
    const b = this.b;
    if (optimizer?.graph !== this) throw new DlError('trainStep: the optimizer belongs to another graph', 'arg');
    b.check(b.exports.dl_train_step(this.#ptr(), optimizer.live(), lossId, lr, b.out));
    return b.f32(b.out, 1)[0];
  }

  dispose() {
    if (!this.ptr) return;
    for (const ref of this.optimizers ?? []) ref.deref()?.dispose(); // they point into the graph
    if (!this.borrowed) {
      finalizer.unregister(this);
      this.b.exports.dl_graph_destroy(this.ptr);
    }
    this.ptr = 0;
  }
}

export class Optimizer {
  constructor(graph, type, options, group) {
    const b = (this.b = graph.b);
    this.type = type;
    this.graph = graph;
    if (!graph.ptr) throw new DlError('optimizer: its graph was disposed', 'state');
    b.withString(type, (t) => b.check(b.exports.dl_optim_create(b.out, graph.ptr, t, group)));
    this.ptr = b.u32(b.out, 1)[0];
    finalizer.register(this, { free: b.exports.dl_optim_destroy, ptr: this.ptr }, this);
    graph.optimizers = [...(graph.optimizers ?? []), new WeakRef(this)];
    try {
      for (const [k, v] of Object.entries(options)) this.set(k, v);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }
  // Its pointer, while it and its graph live: an optimizer outlived by nothing it points into.
  live() {
    if (!this.ptr) throw new DlError('optimizer was disposed', 'state');
    if (!this.graph.ptr) throw new DlError('optimizer: its graph was disposed', 'state');
    return this.ptr;
  }
  /** Set momentum, beta1, beta2, eps, rho, weight_decay, l1, l2, clip_norm or clip_value. */
  set(key, value) {
    const b = this.b;
    b.withString(key, (k) => b.check(b.exports.dl_optim_set(this.live(), k, value)));
  }
  step(lr) {
    this.b.check(this.b.exports.dl_optim_step(this.live(), lr));
  }
  reset() {
    this.b.check(this.b.exports.dl_optim_reset(this.live()));
  }
  /** The current weight penalty l1 sum|w| + l2 sum w^2. */
  get penalty() {
    return this.b.exports.dl_optim_penalty(this.live());
  }
  dispose() {
    if (!this.ptr) return;
    finalizer.unregister(this);
    this.b.exports.dl_optim_destroy(this.ptr);
    this.ptr = 0;
  }
}

export class Schedule {
  constructor(engine, type, lr, options) {
    const b = (this.b = engine.b);
    b.withString(type, (t) => b.check(b.exports.dl_sched_create(b.out, t, lr)));
    this.ptr = b.u32(b.out, 1)[0];
    this.type = type;
    finalizer.register(this, { free: b.exports.dl_sched_destroy, ptr: this.ptr }, this);
    try {
      for (const [k, v] of Object.entries(options)) this.set(k, v);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }
  set(key, value) {
    const b = this.b;
    b.withString(key, (k) => b.check(b.exports.dl_sched_set(this.ptr, k, value)));
  }
  /** The rate at step t. */
  lr(t) {
    if (!Number.isInteger(t) || t < 0) throw new DlError(`schedule step must be a whole number >= 0, got ${t}`, 'arg');
    return this.b.exports.dl_sched_lr(this.ptr, BigInt(t));
  }
  /** Report a metric (reduce-on-plateau acts on it; other schedules ignore it). */
  report(metric) {
    this.b.check(this.b.exports.dl_sched_report(this.ptr, metric));
  }
  dispose() {
    if (!this.ptr) return;
    finalizer.unregister(this);
    this.b.exports.dl_sched_destroy(this.ptr);
    this.ptr = 0;
  }
}

/**
 * The augmentation options {shift, rotate, ...} as the engine's array, in its catalog's order
 * (missing ones 0), checked against the catalog's ranges before anything changes.
 */
export function augmentOptions(engine, given = {}) {
  const table = engine.catalog.augment;
  for (const k of Object.keys(given ?? {}))
    if (!table.some((t) => t.name === k)) throw new DlError(`unknown augmentation '${String(k).slice(0, 30)}' (${table.map((t) => t.name).join(', ')})`, 'arg');
  return table.map(({ name, max, doc }) => {
    const v = given?.[name] ?? 0;
    if (!(typeof v === 'number' && v >= 0 && v <= max)) throw new DlError(`augmentation ${name} is ${v}: expected 0 to ${max} (${doc})`, 'arg');
    return v;
  });
}
