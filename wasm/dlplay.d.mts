// The dlplay engine API: graphs of ops with planned memory, optimizers and schedules.
//
//   import { load } from './dlplay.mjs';
//   const dl = await load();                       // SIMD128 build when supported
//   const g = dl.graph(42);                        // seed for initializers, dropout, sampling
//   const x = g.input('x', [2]);                   // per-sample shape; dim 0 is the batch
//   const t = g.input('t', [1]);                   // class index per sample
//   const w = g.param('w', [2, 3], { init: 'he_normal', decay: true });
//   const b = g.param('b', [3]);
//   const loss = g.op('softmax_ce', [g.op('dense', [x, w, b]), t]);
//   g.plan(64);                                    // memory for batches up to 64
//   const opt = g.optimizer('adam', { beta2: 0.99 });
//   g.setBatch(32).setValue(x, xs).setValue(t, ys);
//   const value = g.trainStep(loss, opt, 1e-3);    // forward, check, backward, update
import { DlError, STATUS } from './bindings.mjs';
import { simdSupported, InstantiateOptions } from './loader.mjs';
import { Model, ModelSpec } from './model.mjs';

export { DlError, STATUS, simdSupported, Model };

/** Parameter and input flags, as in core/dl.h. */
export const FLAGS: Readonly<{ trainable: 1; frozen: 2; decay: 4; state: 8; requiresGrad: 16 }>;

/** Load the engine: the SIMD128 module where the engine supports it, else the fallback. */
export function load(options?: InstantiateOptions): Promise<Engine>;

export class Engine {
  /** True when the SIMD128 module is running. */
  readonly simd: boolean;
  /** Core version, e.g. "0.1.0". */
  readonly version: string;
  /** The module's raw exports (tests and benchmarks call the kernel pairs directly). */
  readonly raw: WebAssembly.Exports;
  /** Bytes of wasm memory (it grows, never shrinks). */
  memoryBytes(): number;
  /** Heap bytes allocated and not freed (what a leak changes). */
  heapBytes(): number;
  /** Every layer, activation, loss, optimizer, schedule and initializer, with their options. */
  readonly catalog: {
    layers: { name: string; doc: string; params: string; options: { name: string; type: string; doc: string; min?: number; max?: number; default?: number | boolean; required?: boolean }[] }[];
    activations: { name: string; op: string; doc: string; reluLike: boolean; aliases: string[]; option?: { name: string; min: number; max: number; default: number } }[];
    losses: { name: string; target: 'none' | 'same' | 'labels'; inputs: number; smoothing: boolean; doc: string }[];
    optimizers: { name: string; lr: number }[];
    optimizerOptions: { name: string; min: number; max: number; doc: string; optimizers: string[] }[];
    schedules: { name: string; options: { name: string; type: string; min: number; max: number }[] }[];
    initializers: { name: string; doc: string; aliases?: string[] }[];
    /** The augmentation options, in the order the core takes them. */
    augment: { name: keyof AugmentOptions; doc: string; max: number }[];
  };
  /** `count` (1 to 256, default 8) augmented copies of one image [C, H, W], drawn from `seed`: what training would show. */
  augment(image: ArrayLike<number>, shape: [number, number, number], options?: AugmentOptions, draw?: { count?: number; seed?: number }): Float32Array;
  /** An empty graph whose random draws follow `seed`. */
  graph(seed?: number): Graph;
  /** A model from a JSON spec (layers in core/model.c and model.d.ts); an invalid spec throws naming the layer. */
  model(spec: ModelSpec): Model;
  /** A model from bytes written by model.save(); corrupt, truncated or foreign files throw ('format'). */
  loadModel(bytes: Uint8Array | ArrayBuffer): Model;
  /**
   * A learning-rate schedule. Types and options (see core/sched.c):
   * constant; step {step_size, gamma}; exponential {gamma (up to 2: above 1 it grows)}; cosine {period, t_mult, lr_min, restart};
   * polynomial {total, power, lr_end}; cyclical {lr_max, step_size, decay};
   * onecycle {total, pct, div, final_div}; plateau {factor, patience, min_delta, mode, cooldown, lr_min};
   * all take {warmup}.
   */
  schedule(type: string, lr: number, options?: Record<string, number>): Schedule;
}

export interface ParamOptions {
  /** Updated by optimizers (default true). */
  trainable?: boolean;
  /** Weight penalties and AdamW decay apply (weights, not biases). */
  decay?: boolean;
  /** Saved with the model but never trained (batch-norm running statistics). */
  state?: boolean;
  /** Trainable but skipped for now: takes no gradient, gets no update. */
  frozen?: boolean;
  /** Initializer: zeros, constant, uniform, normal, xavier_uniform, xavier_normal, he_uniform, he_normal, orthogonal. */
  init?: string;
  /** Initializer arguments: constant (a), uniform (low a, high b), normal (mean a, std b), gain (a) otherwise. */
  a?: number;
  b?: number;
}

export interface OpOptions {
  /** Node name, unique in the graph; shown in error messages. */
  name?: string | null;
  /** Integer attributes, as documented per op in core/ops/ops.def. */
  ints?: number[];
  /** Float attributes, as documented per op in core/ops/ops.def. */
  floats?: number[];
}

export class Graph {
  /** An input node; `shape` is per sample unless `batched` is false. Returns the node id. */
  input(name: string, shape: number[], options?: { batched?: boolean }): number;
  /** A parameter of the full `shape`. Returns the node id. */
  param(name: string, shape: number[], options?: ParamOptions): number;
  /** An op from core/ops/ops.def ('dense', 'conv2d', 'relu', 'softmax_ce', ...). Shapes are checked now. */
  op(type: string, inputs: number[], options?: OpOptions): number;
  /** Lay out memory for batches of up to `maxBatch` samples. Adding nodes later requires planning again. */
  plan(maxBatch: number, options?: { inference?: boolean }): this;
  /** The planned arena, and what one buffer per value, gradient and scratch would take, in bytes. */
  memory(): { arenaBytes: number; unsharedBytes: number };
  readonly maxBatch: number;
  /** Run the next calls at `n` samples (1 <= n <= maxBatch). */
  setBatch(n: number): this;
  /** Training mode (dropout on, batch statistics) or evaluation. */
  setTraining(on: boolean): this;
  setFlags(id: number, flags: number): void;
  /** Put a parameter in an optimizer group (a GAN's generator 0, discriminator 1). */
  setGroup(id: number, group: number): void;
  seed(seed: number): void;
  /** Fill a parameter from an initializer (see ParamOptions.init). */
  init(id: number, name: string, a?: number, b?: number): void;
  find(name: string): number;
  readonly nodeCount: number;
  forward(id: number): this;
  /** Zero gradients, then backpropagate from a scalar node. */
  backward(lossId: number): this;
  /** A copy of a node's value at the current batch size (an inner node's: read it before backward, which reuses its memory). */
  value(id: number): Float32Array;
  /** A copy of a node's gradient from the last backward. */
  grad(id: number): Float32Array;
  /** A copy of what an op keeps from forward for backward, after forward in a training plan (graph_attention: its weights α, [N, N] per sample). */
  scratch(id: number): Float32Array;
  /** Write a node's value; the length must equal its size at the current batch. */
  setValue(id: number, data: ArrayLike<number>): this;
  /** The node's shape; dim 0 of a batched node is the current batch size. */
  shape(id: number): { shape: number[]; batched: boolean };
  /**
   * An optimizer over trainable parameters (of `group`, or all when -1): sgd, momentum, nesterov,
   * rmsprop, adagrad, adam, adamw. Options: momentum, beta1, beta2, eps, rho, weight_decay, l1, l2,
   * clip_norm, clip_value.
   */
  optimizer(type: string, options?: Record<string, number>, group?: number): Optimizer;
  /** Forward to `lossId`, stop with a 'numeric' DlError if it is not finite, backward, update. Returns the loss. */
  trainStep(lossId: number, optimizer: Optimizer, lr: number): number;
  /** Free the native graph; later calls throw. */
  dispose(): void;
}

export class Optimizer {
  readonly type: string;
  set(key: string, value: number): void;
  /** Update from the gradients of the last backward; a non-finite gradient throws and changes nothing. */
  step(lr: number): void;
  reset(): void;
  /** l1 * sum|w| + l2 * sum w^2 over decayed parameters. */
  readonly penalty: number;
  dispose(): void;
}

export class Schedule {
  readonly type: string;
  set(key: string, value: number): void;
  /** The learning rate at step t = 0, 1, 2, ... */
  lr(t: number): number;
  /** Report a metric; reduce-on-plateau lowers the rate after `patience` reports without progress. */
  report(metric: number): void;
  dispose(): void;
}

/** Random changes to training images, each 0 (off) by default; all but noise need image inputs. */
export interface AugmentOptions {
  /** Up to this many pixels each way (0 to 8). */
  shift?: number;
  /** Up to this many degrees each way (0 to 45). */
  rotate?: number;
  /** Zoom by a factor in [1 - scale, 1 + scale] (0 to 0.5). */
  scale?: number;
  /** Keep a window of (1 - crop) to all of the side, anywhere, stretched to full size (0 to 0.5). */
  crop?: number;
  /** The chance of a left-right mirror (0 to 1). */
  flip?: number;
  /** The side in pixels of a square set to 0 (0 to 16). */
  cutout?: number;
  /** Gaussian noise of this standard deviation (0 to 1). */
  noise?: number;
}
/** The options as the core's array, in the catalog's order, checked against its ranges. */
export function augmentOptions(engine: Engine, given?: AugmentOptions): number[];
