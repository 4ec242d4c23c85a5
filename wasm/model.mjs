// model.mjs: the Model API. A model is built in the core from a JSON spec (core/model.c lists
// the layers and their options); this module moves data into wasm memory once per call and asks
// the core for whole chunks of training batches, so a batch never costs a crossing per sample.
import { DlError, Graph, Optimizer, Schedule, finalizer } from './dlplay.mjs';
import { mulberry32 } from './random.mjs';

const DEFAULT_LR = { sgd: 0.01, momentum: 0.01, nesterov: 0.01, rmsprop: 0.001, adagrad: 0.01, adam: 0.001, adamw: 0.001 };
const OPTIMIZER_KEYS = { beta1: 'beta1', beta2: 'beta2', eps: 'eps', momentum: 'momentum', rho: 'rho', weightDecay: 'weight_decay' };
const LOSSES = ['softmax_ce', 'softmax_ce_soft', 'mse', 'bce', 'bce_logits', 'hinge'];

function shuffled(indices, seed) {
  const r = mulberry32(seed);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
  return indices;
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

const argmax = (a, off, k) => {
  let best = 0;
  for (let i = 1; i < k; i++) if (a[off + i] > a[off + best]) best = i;
  return best;
};

export class Model {
  /** Use engine.model(spec). */
  static create(engine, spec) {
    if (spec === null || typeof spec !== 'object') throw new DlError('model spec must be an object', 'arg');
    const b = engine.b, bytes = new TextEncoder().encode(JSON.stringify(spec));
    b.withBytes(bytes, (p) => b.check(b.exports.dl_model_create(b.out, p, bytes.length)));
    return new Model(engine, b.u32(b.out, 1)[0]);
  }

  /** Use engine.loadModel(bytes). */
  static load(engine, bytes) {
    const b = engine.b;
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes?.buffer ?? bytes ?? []);
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
    this.info = this.#summaryJson();
    this.maxBatch = 64;
    this.lossType = null;
    this.paused = null;
    this.stepsQueued = 0;
    // a loaded model may carry its optimizer's state
    if (this.info.optimizer) {
      this.optimizer = new Optimizer(this.graph, this.info.optimizer, {}, -1, this.b.exports.dl_model_optimizer(ptr));
      this.stepCount = this.info.step; // schedules continue from the batch where training stopped
    }
  }

  #live() {
    if (!this.ptr) throw new DlError('model was disposed', 'state');
    return this.ptr;
  }

  #summaryJson() {
    const b = this.b;
    b.check(b.exports.dl_model_summary(this.#live(), b.out));
    return JSON.parse(b.readString(b.u32(b.out, 1)[0]));
  }

  /** The spec the model was built from (for a loaded model, the one in its file). */
  get spec() {
    return JSON.parse(this.b.readString(this.b.exports.dl_model_spec(this.#live())));
  }

  /** Per-sample input and output shapes. */
  get inputShape() {
    return this.info.input;
  }
  get outputShape() {
    return this.info.output;
  }
  get inputSize() {
    return this.info.input.reduce((a, d) => a * d, 1);
  }
  get outputSize() {
    return this.info.output.reduce((a, d) => a * d, 1);
  }
  /** [{name, type, shape, params}] */
  get layers() {
    return this.info.layers.map(({ name, type, shape, params }) => ({ name, type, shape, params }));
  }
  get paramCount() {
    return this.info.params;
  }

  /** A Keras-like table: each layer's output shape and parameter count. */
  summary() {
    const rows = [['Layer (type)', 'Output shape', 'Params'], ['input', `[${this.info.input.join(', ')}]`, '0']];
    for (const l of this.info.layers) rows.push([`${l.name} (${l.type})`, `[${l.shape.join(', ')}]`, String(l.params)]);
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}`;
    const rule = '-'.repeat(w[0] + w[1] + w[2] + 4);
    return [line(rows[0]), rule, ...rows.slice(1).map(line), rule, `Total params: ${this.info.params}`].join('\n');
  }

  /** Plan memory for batches of up to n (keeps the weights). */
  ensureBatch(n) {
    if (n > this.maxBatch) {
      this.b.check(this.b.exports.dl_model_plan(this.#live(), n));
      this.maxBatch = n;
    }
  }

  #setLoss(loss = 'softmax_ce', smoothing = 0) {
    if (!LOSSES.includes(loss)) throw new DlError(`unknown loss: ${loss} (expected one of ${LOSSES.join(', ')})`, 'arg');
    const b = this.b;
    b.withString(loss, (l) => b.check(b.exports.dl_model_set_loss(this.#live(), l, smoothing)));
    this.lossType = loss;
  }

  // Validate a data set {x, y} and copy it into wasm memory; returns pointers and a free().
  #stage(data, what, needTargets) {
    if (!data || !data.x) throw new DlError(`${what}: expected {x, y}`, 'arg');
    const { x, y } = data;
    const D = this.inputSize;
    const u8 = x instanceof Uint8Array || x instanceof Uint8ClampedArray;
    if (!u8 && !(x instanceof Float32Array)) throw new DlError(`${what}: x must be a Float32Array or Uint8Array`, 'arg');
    if (x.length === 0 || x.length % D !== 0)
      throw new DlError(`${what}: x has ${x.length} values, not a multiple of the input size ${D} ([${this.inputShape.join(', ')}])`, 'shape');
    const n = x.length / D;
    let yf = null;
    if (y != null) {
      const labels = this.lossType === 'softmax_ce';
      const per = labels ? 1 : this.outputSize;
      if (y.length !== n * per)
        throw new DlError(`${what}: y has ${y.length} values for ${n} samples; expected ${n * per} (${labels ? 'one class label' : `${per} targets`} per sample)`, 'shape');
      yf = y instanceof Float32Array ? y : Float32Array.from(y);
      if (labels) {
        const K = this.outputSize;
        for (let i = 0; i < n; i++) {
          const c = yf[i];
          if (!(Number.isInteger(c) && c >= 0 && c < K))
            throw new DlError(`${what}: label ${c} of sample ${i} is not a class in [0, ${K})`, 'arg');
        }
      } else {
        for (let i = 0; i < yf.length; i++)
          if (!Number.isFinite(yf[i])) throw new DlError(`${what}: target ${i} is not a finite number`, 'arg');
      }
    } else if (needTargets) {
      throw new DlError(`${what}: y is required`, 'arg');
    }
    const b = this.b;
    const xp = b.alloc(x.byteLength);
    new Uint8Array(b.memory.buffer, xp, x.byteLength).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    let yp = 0;
    if (yf) {
      try {
        yp = b.alloc(yf.byteLength);
      } catch (e) {
        b.exports.dl_free(xp);
        throw e;
      }
      b.f32(yp, yf.length).set(yf);
    }
    return { xp, yp, u8: u8 ? 1 : 0, n, free: () => (b.exports.dl_free(xp), yp && b.exports.dl_free(yp)) };
  }

  // Slice samples [from, to) of a data set.
  #slice(data, from, to) {
    const D = this.inputSize, per = this.lossType === 'softmax_ce' ? 1 : this.outputSize;
    return { x: data.x.subarray(from * D, to * D), y: data.y?.subarray(from * per, to * per) };
  }

  /**
   * Train. Returns the history {loss, accuracy, valLoss, valAccuracy, lr, epochs, stopped}.
   * See docs/api.md for every option; the main ones: epochs, batchSize, optimizer ('adam' or
   * {type, lr, ...}), lr, schedule ({type, per: 'batch'|'epoch', ...}), loss, labelSmoothing, l1, l2,
   * clipNorm, clipValue, validationSplit or validationData, shuffle, seed, augment
   * ({shift, rotate, noise}), earlyStopping ({monitor, patience, minDelta, restoreBestWeights}),
   * onBatch, onEpoch, signal (AbortSignal), chunk (batches per call into wasm).
   */
  async fit(data, options = {}) {
    this.#live();
    const o = { epochs: 1, batchSize: 32, shuffle: true, seed: 1, chunk: 16, loss: 'softmax_ce', labelSmoothing: 0, ...options };
    const check = (ok, msg) => {
      if (!ok) throw new DlError(msg, 'arg');
    };
    check(Number.isInteger(o.epochs) && o.epochs >= 1 && o.epochs <= 1e6, `epochs must be a whole number >= 1, got ${o.epochs}`);
    check(Number.isInteger(o.batchSize) && o.batchSize >= 1 && o.batchSize <= 65536, `batchSize must be a whole number in [1, 65536], got ${o.batchSize}`);
    check(Number.isInteger(o.chunk) && o.chunk >= 1, `chunk must be a whole number >= 1, got ${o.chunk}`);
    const opt = typeof o.optimizer === 'string' ? { type: o.optimizer } : { type: 'adam', ...(o.optimizer ?? {}) };
    check(opt.type in DEFAULT_LR, `unknown optimizer: ${opt.type} (expected one of ${Object.keys(DEFAULT_LR).join(', ')})`);
    const lr = o.lr ?? opt.lr ?? DEFAULT_LR[opt.type];
    check(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0, `learning rate ${lr} must be a finite number >= 0`);
    check(o.validationSplit == null || (o.validationSplit >= 0 && o.validationSplit < 1), `validationSplit must be in [0, 1), got ${o.validationSplit}`);

    this.#setLoss(o.loss, o.labelSmoothing);
    const b = this.b;
    // The optimizer (kept between fits unless its type changes, so training can resume).
    if (!this.optimizer || this.optimizer.type !== opt.type || o.resetOptimizer) {
      b.withString(opt.type, (t) => b.check(b.exports.dl_model_set_optimizer(this.ptr, t)));
      this.optimizer = new Optimizer(this.graph, opt.type, {}, -1, b.exports.dl_model_optimizer(this.ptr));
    }
    for (const [k, v] of Object.entries(opt)) if (k !== 'type' && k !== 'lr') this.optimizer.set(OPTIMIZER_KEYS[k] ?? k, v);
    this.optimizer.set('l1', o.l1 ?? 0);
    this.optimizer.set('l2', o.l2 ?? 0);
    this.optimizer.set('clip_norm', o.clipNorm ?? 0);
    this.optimizer.set('clip_value', o.clipValue ?? 0);
    const aug = o.augment ?? {};
    b.check(b.exports.dl_model_set_augment(this.ptr, aug.shift ?? 0, aug.rotate ?? 0, aug.noise ?? 0));

    // Data: the validation part is the tail of the set (before shuffling), as in Keras.
    let train = data, val = o.validationData ?? null;
    if (!val && o.validationSplit > 0) {
      const n = data.x.length / this.inputSize, nv = Math.floor(n * o.validationSplit);
      if (nv > 0) (train = this.#slice(data, 0, n - nv)), (val = this.#slice(data, n - nv, n));
    }
    const staged = this.#stage(train, 'training data', true);
    const stagedVal = val ? this.#stage(val, 'validation data', true) : null;
    const N = staged.n, bs = Math.min(o.batchSize, N), batchesPerEpoch = Math.ceil(N / bs);
    this.ensureBatch(bs);

    const sched = o.schedule ? { per: 'batch', ...o.schedule } : { type: 'constant', per: 'batch' };
    const { type: schedType, per, ...schedOptions } = sched;
    check(per === 'batch' || per === 'epoch', `schedule.per must be 'batch' or 'epoch', got ${per}`);
    const schedule = new Schedule(this.engine, schedType, lr, schedOptions);

    const orderPtr = b.alloc(N * 4), statsPtr = b.alloc(o.chunk * 3 * 4);
    const wake = () => this.paused?.fire();
    o.signal?.addEventListener('abort', wake);
    const history = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], lr: [], epochs: 0, stopped: null };
    const es = o.earlyStopping ? { monitor: 'valLoss', patience: 5, minDelta: 0, restoreBestWeights: false, ...o.earlyStopping } : null;
    let best = Infinity, bestWeights = null, waited = 0;
    const started = performance.now();
    let samplesDone = 0, step = this.stepCount ?? 0;
    try {
      for (let epoch = 0; epoch < o.epochs; epoch++) {
        const t0 = performance.now();
        const order = Int32Array.from({ length: N }, (_, i) => i);
        if (o.shuffle) shuffled(order, (o.seed * 1000003 + epoch) >>> 0);
        b.i32(orderPtr, N).set(order);
        let lossSum = 0, correct = 0, seen = 0, lastLr = lr;
        for (let first = 0, nb = 0; first < batchesPerEpoch; first += nb) {
          // paused: wait for resume(), or run a single batch for each step()
          let limit = o.chunk;
          while (this.paused && !o.signal?.aborted) {
            if (this.stepsQueued > 0) {
              this.stepsQueued--;
              limit = 1;
              break;
            }
            await this.paused.next();
          }
          if (o.signal?.aborted) throw Object.assign(new Error('aborted'), { aborted: true });
          nb = Math.min(limit, batchesPerEpoch - first);
          const start = first * bs, count = Math.min(nb * bs, N - start);
          const schedStep = per === 'batch' ? step : epoch;
          let status;
          if (per === 'batch') {
            status = b.exports.dl_model_train(this.ptr, staged.xp, staged.u8, staged.yp, N, orderPtr + start * 4, count, bs, schedule.ptr, BigInt(schedStep), statsPtr, b.out);
          } else {
            // one rate for the whole epoch: ask the schedule for it and hold it
            const fixed = new Schedule(this.engine, 'constant', schedule.lr(epoch));
            try {
              status = b.exports.dl_model_train(this.ptr, staged.xp, staged.u8, staged.yp, N, orderPtr + start * 4, count, bs, fixed.ptr, 0n, statsPtr, b.out);
            } finally {
              fixed.dispose();
            }
          }
          const done = b.i32(b.out, 1)[0];
          const stats = b.f32(statsPtr, done * 3).slice();
          for (let k = 0; k < done; k++) {
            const n = Math.min(bs, N - start - k * bs);
            lossSum += stats[3 * k] * n;
            correct += stats[3 * k + 1];
            seen += n;
            samplesDone += n;
            lastLr = stats[3 * k + 2];
            o.onBatch?.({
              epoch,
              batch: first + k,
              batches: batchesPerEpoch,
              loss: stats[3 * k],
              accuracy: this.lossType === 'softmax_ce' ? stats[3 * k + 1] / n : null,
              lr: lastLr,
              samplesPerSec: samplesDone / ((performance.now() - started) / 1000),
            });
          }
          step += done;
          this.stepCount = step;
          if (status !== 0) {
            const err = new DlError(b.lastError(), ['ok', 'arg', 'shape', 'oom', 'state', 'numeric', 'format'][status]);
            err.history = history;
            throw err;
          }
          await yieldToLoop();
        }
        const rec = { epoch, loss: lossSum / seen, accuracy: this.lossType === 'softmax_ce' ? correct / seen : null, lr: lastLr };
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
        if (schedType === 'plateau') schedule.report(rec.valLoss ?? rec.loss);
        o.onEpoch?.(rec);
        if (es) {
          const value = rec[es.monitor];
          if (value == null) throw new DlError(`earlyStopping.monitor '${es.monitor}' is not reported (use valLoss, valAccuracy, loss or accuracy)`, 'arg');
          const better = /accuracy/i.test(es.monitor) ? -value : value;
          if (better < best - es.minDelta) {
            best = better;
            waited = 0;
            if (es.restoreBestWeights) bestWeights = this.getWeights();
          } else if (++waited >= es.patience) {
            history.stopped = `early stopping: ${es.monitor} did not improve for ${es.patience} epochs`;
            break;
          }
        }
      }
      if (bestWeights) this.setWeights(bestWeights);
    } catch (e) {
      if (!e.aborted) throw e;
      history.stopped = 'aborted';
    } finally {
      staged.free();
      stagedVal?.free();
      b.exports.dl_free(orderPtr);
      b.exports.dl_free(statsPtr);
      schedule.dispose();
      o.signal?.removeEventListener('abort', wake);
    }
    return history;
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

  #evaluateStaged(s, wantOutputs) {
    const b = this.b;
    const outPtr = wantOutputs ? b.alloc(s.n * this.outputSize * 4) : 0;
    try {
      b.check(b.exports.dl_model_evaluate(this.ptr, s.xp, s.u8, s.yp, s.n, outPtr, b.out, b.out + 8));
      const lossSum = new Float64Array(b.memory.buffer, b.out, 1)[0];
      const correct = b.i32(b.out + 8, 1)[0];
      return {
        loss: s.yp ? lossSum / s.n : null,
        accuracy: s.yp && this.lossType === 'softmax_ce' ? correct / s.n : null,
        outputs: wantOutputs ? b.f32(outPtr, s.n * this.outputSize).slice() : null,
      };
    } finally {
      if (outPtr) b.exports.dl_free(outPtr);
    }
  }

  /** Outputs for the samples in x (Float32Array or Uint8Array scaled by 1/255), in evaluation mode. */
  predict(x) {
    const s = this.#stage({ x }, 'predict', false);
    try {
      return this.#evaluateStaged(s, true).outputs;
    } finally {
      s.free();
    }
  }

  /**
   * Loss and metrics on {x, y}: accuracy, the confusion matrix (rows: true class, columns:
   * predicted), per-class precision, recall, F1 and support, and macro and weighted averages.
   */
  evaluate(data, { loss } = {}) {
    if (!this.lossType || loss) this.#setLoss(loss ?? 'softmax_ce');
    const s = this.#stage(data, 'evaluate', true);
    let r;
    try {
      r = this.#evaluateStaged(s, true);
    } finally {
      s.free();
    }
    const result = { loss: r.loss, accuracy: r.accuracy, n: s.n };
    if (this.lossType !== 'softmax_ce') return result;
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
    if (!(x instanceof Float32Array)) x = x instanceof Uint8Array ? Float32Array.from(x, (v) => v / 255) : Float32Array.from(x);
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
   * the FGSM adversarial direction: x + eps * sign(gradient)).
   */
  inputGradient(x, target) {
    if (!this.lossType) this.#setLoss('softmax_ce');
    const n = this.#feed(x);
    const g = this.graph;
    const tNode = g.find(`target_${this.lossType}`), lNode = g.find(`loss_${this.lossType}`);
    const t = Float32Array.from(target);
    const per = this.lossType === 'softmax_ce' ? 1 : this.outputSize;
    if (t.length !== n * per) throw new DlError(`target has ${t.length} values, expected ${n * per}`, 'shape');
    g.setValue(tNode, t);
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
        if (!Number.isFinite(w.values[i])) throw new DlError(`setWeights: '${w.name}' value ${i} is not finite`, 'arg');
    }
    for (const w of weights) this.graph.setValue(params.get(w.name).node, w.values);
  }

  /**
   * The model as bytes (format in core/model_io.c). optimizer: true also keeps the training state
   * (optimizer moments, step count, random-number state), so a loaded copy resumes training
   * exactly as the original would.
   */
  save({ optimizer = false } = {}) {
    const b = this.b;
    if (optimizer && !this.optimizer) throw new DlError('save: no optimizer state yet (train first)', 'state');
    b.check(b.exports.dl_model_save(this.#live(), optimizer ? 1 : 0, b.out, b.out + 4));
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
    if (this.optimizer) this.optimizer.ptr = 0;
  }
}
