// The Model API: a network from a plain JSON spec, trained, evaluated and saved.
//
//   const model = dl.model({
//     input: [1, 28, 28], seed: 1,
//     layers: [
//       { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' },
//       { type: 'maxPool2d', size: 2 },
//       { type: 'flatten' },
//       { type: 'dense', units: 10 },
//     ],
//   });
//   console.log(model.summary());
//   const history = await model.fit({ x, y }, { epochs: 3, batchSize: 64, optimizer: 'adam', lr: 1e-3 });
//   const { accuracy, confusion } = model.evaluate({ x: testX, y: testY });
//   const bytes = model.save();
import { Graph, AugmentOptions } from './dlplay.mjs';

/** Per-sample inputs: Float32Array, or Uint8Array whose bytes are scaled by 1/255. */
export type Inputs = Float32Array | Uint8Array;

/** A data set: x holds n samples (n x input size values); y one class label per sample, or n x output size targets. */
export interface DataSet {
  x: Inputs;
  y: ArrayLike<number>;
}

/** An initializer: a name (he_normal, xavier_uniform, zeros, orthogonal, ...) or {type, a, b}. */
export type Initializer = string | { type: string; a?: number; b?: number };

/**
 * One layer. Every computing layer also takes `activation` (linear, relu, sigmoid, tanh, step,
 * softplus, gelu, softmax, logSoftmax, leakyRelu {alpha}, elu {alpha}, silu/swish {beta}, prelu)
 * and an optional unique `name` (1-24 characters).
 */
export interface LayerCommon {
  name?: string;
  activation?: string;
  /** leakyRelu and elu slope */
  alpha?: number;
  /** silu / swish sharpness */
  beta?: number;
}

export type LayerSpec = LayerCommon & (
  | { type: 'dense'; units: number; useBias?: boolean; kernelInitializer?: Initializer; biasInitializer?: Initializer; tiedTo?: string; perPosition?: boolean }
  | { type: 'conv2d'; filters: number; kernel: number | [number, number]; stride?: number | [number, number]; padding?: 'valid' | 'same' | number | [number, number] }
  | { type: 'conv2dTranspose'; filters: number; kernel: number | [number, number]; stride?: number | [number, number]; padding?: 'valid' | 'same' | number | [number, number]; outputPadding?: number | [number, number] }
  | { type: 'maxPool2d' | 'avgPool2d'; size?: number | [number, number]; stride?: number | [number, number]; padding?: 'valid' | 'same' | number }
  | { type: 'globalAvgPool' | 'flatten' }
  | { type: 'reshape'; shape: number[] }
  | { type: 'upsample'; size?: number | [number, number] }
  | { type: 'dropout'; rate: number }
  | { type: 'batchNorm'; momentum?: number; eps?: number }
  | { type: 'layerNorm'; dims?: number; eps?: number }
  | { type: 'activation'; activation: string }
  | { type: 'residual'; layers: LayerSpec[] }
  | { type: 'gaussianNoise'; stddev?: number }
  | { type: 'embedding'; vocab: number; units: number; embeddingsInitializer?: Initializer }
  | { type: 'oneHot'; depth: number }
  | { type: 'simpleRnn' | 'lstm' | 'gru'; units: number; returnSequences?: boolean; bidirectional?: boolean; reverse?: boolean; kernelInitializer?: Initializer; recurrentInitializer?: Initializer }
  | { type: 'positionalEncoding'; learned?: boolean }
  | { type: 'multiHeadAttention'; heads: number; causal?: boolean; kernelInitializer?: Initializer }
  | { type: 'transformerBlock'; heads: number; mlp?: number; preNorm?: boolean; causal?: boolean; dropout?: number; kernelInitializer?: Initializer });

export interface SingleStackSpec {
  /** The per-sample input shape: [features] or [channels, height, width]. */
  input: number[];
  /** Seed for initialization, dropout and augmentation (default 1). */
  seed?: number;
  layers: LayerSpec[];
}

/** An input: a per-sample shape, class indices held one-hot, or noise drawn by the engine each step. */
export type InputSpec = number[] | { shape?: number[]; classes?: number; tokens?: number; noise?: 'normal' | 'uniform' | 'bernoulli'; mean?: number; std?: number; low?: number; high?: number; p?: number };
/** A computed tensor: a network applied to a tensor, part of one, several side by side, a detached one, a sample. */
export type OutputSpec =
  | { net: string; from: string }
  | { slice: string; start?: number; size: number; axis?: number }
  | { concat: string[]; axis?: number }
  | { detach: string }
  | { sample: [string, string] }
  /** cross-attention: each step of `attend` reads the steps of `to` (keys and values), padding masked by `mask` ([steps of to], 1 keep, 0 pad) */
  | { attend: string; to: string; heads?: number; mask?: string };
/** A model with named inputs, networks (applied any number of times, sharing their parameters) and outputs. */
export interface NetworksSpec {
  seed?: number;
  inputs: Record<string, InputSpec>;
  networks: Record<string, LayerSpec[] | { layers: LayerSpec[] }>;
  outputs: Record<string, OutputSpec>;
}

/** One term of a loss: type from the catalog, on a tensor, against a target. */
export interface LossTerm {
  type: string;
  on: string | [string, string];
  target?: number | string | { data: string };
  weight?: number;
  reduce?: 'mean' | 'sum';
  smoothing?: number;
  /** Raise the weight linearly from 0 over this many updates. */
  warmup?: number;
  /** softmax_ce: a weight per position (0 for padding), a tensor or data given with each call. */
  mask?: string | { data: string };
  name?: string;
}
export interface ProgramOptimizer {
  type: string;
  lr?: number;
  networks?: string[];
  schedule?: { type: string; [option: string]: number | string };
  per?: 'step' | 'epoch';
  [option: string]: number | string | string[] | object | undefined;
}
/** What to minimize and how: losses of weighted terms, optimizers over networks, steps in order. */
export interface Program {
  losses: Record<string, LossTerm[] | LossTerm>;
  optimizers: Record<string, ProgramOptimizer>;
  steps?: { loss: string; optimizer: string; repeat?: number }[];
}
export interface StepRecord {
  epoch: number;
  iteration: number;
  steps: { loss: string; optimizer: string; value: number; lr: number; samples: number; correct: number; terms: Record<string, number> }[];
}
export interface TrainOptions {
  epochs?: number;
  iterations?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Read the samples (consecutive windows of a text) as batchSize streams side by side, in order: each row of a batch goes on where it stopped (stateful layers). */
  streams?: boolean;
  seed?: number;
  chunk?: number;
  /** Spend at least this many milliseconds per epoch, waiting between epochs (0 to 60000): a small problem paced so a person can watch it learn. */
  minEpochMs?: number;
  signal?: AbortSignal;
  onStep?: (record: StepRecord) => void;
  onEpoch?: (info: { epoch: number; iterations: number }) => void;
}
export interface TrainHistory { iterations: number; epochs: number; stopped: string | null; losses: Record<string, number[]> }
export type NamedData = Record<string, Float32Array | Uint8Array | ArrayLike<number>>;

export interface BatchInfo { epoch: number; batch: number; batches: number; loss: number; accuracy: number | null; lr: number; samplesPerSec: number }
export interface EpochInfo { epoch: number; loss: number; accuracy: number | null; valLoss?: number; valAccuracy?: number; lr: number; seconds: number }

export interface FitOptions {
  epochs?: number;             // 1
  batchSize?: number;          // 32
  /** 'adam' (default), 'sgd', 'momentum', 'nesterov', 'rmsprop', 'adagrad', 'adamw', or {type, beta1, beta2, eps, momentum, rho, weightDecay}. */
  optimizer?: string | { type: string; lr?: number; [option: string]: number | string | undefined };
  /** Learning rate (default per optimizer: 1e-3 for adam, 1e-2 for sgd). */
  lr?: number;
  /** A schedule from the engine's list (see Engine.schedule), per batch (default) or per epoch. */
  schedule?: { type: string; per?: 'batch' | 'epoch'; [option: string]: number | string | undefined };
  /** softmax_ce (integer labels, default), softmax_ce_soft, mse, bce, bce_logits, hinge. */
  loss?: string;
  labelSmoothing?: number;
  l1?: number;
  l2?: number;
  clipNorm?: number;
  clipValue?: number;
  /** Fraction of the data (its tail, before shuffling) held out for validation. */
  validationSplit?: number;
  validationData?: DataSet;
  shuffle?: boolean;           // true
  seed?: number;               // 1: shuffling order
  /** Random shifts (pixels), rotations (degrees) and Gaussian noise on training images. */
  augment?: AugmentOptions;
  earlyStopping?: { monitor?: 'valLoss' | 'valAccuracy' | 'loss' | 'accuracy'; patience?: number; minDelta?: number; restoreBestWeights?: boolean };
  onBatch?: (info: BatchInfo) => void;
  onEpoch?: (info: EpochInfo) => void;
  /** Stops training cleanly between chunks; fit resolves with history.stopped = 'aborted'. */
  signal?: AbortSignal;
  /** The most batches per call into wasm (16); fewer when batches are slow (a call lasts about 100 ms at most). */
  chunk?: number;
  /** Spend at least this many milliseconds per epoch, waiting between epochs (0 to 60000): a small problem paced so a person can watch it learn. */
  minEpochMs?: number;
  /** Start a fresh optimizer instead of continuing the last fit's state. */
  resetOptimizer?: boolean;
}

export interface History {
  loss: number[]; accuracy: (number | null)[]; valLoss: (number | null)[]; valAccuracy: (number | null)[]; lr: number[];
  epochs: number;
  /** null, 'aborted', or why early stopping ended training. */
  stopped: string | null;
}

export interface ClassMetrics { precision: number; recall: number; f1: number; support: number }
export interface Evaluation {
  loss: number; accuracy: number | null; n: number;
  /** confusion[true][predicted] */
  confusion?: number[][];
  perClass?: ClassMetrics[];
  macro?: { precision: number; recall: number; f1: number };
  weighted?: { precision: number; recall: number; f1: number };
  predictions?: Int32Array;
}

export type ModelSpec = SingleStackSpec | NetworksSpec;

export interface Weight { name: string; shape: number[]; values: Float32Array }

export class Model {
  /** The spec the model was built from (for a loaded model, the one in its file). */
  readonly spec: ModelSpec;
  readonly inputShape: number[];
  readonly outputShape: number[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly layers: { name: string; type: string; shape: number[]; params: number }[];
  readonly paramCount: number;
  /** The model's graph (for op-level access: values, gradients). */
  readonly graph: Graph;
  /** The model's tensors, inputs first. */
  readonly tensors: { name: string; kind: 'data' | 'noise' | 'computed'; shape: number[]; classes?: number; tokens?: number; noise?: string }[];
  readonly networks: { name: string; params: number; layers: string[] }[];
  /** The program's optimizers with their update counts. */
  readonly optimizers: { name: string; type: string; step: number; networks: string[] }[];
  /** The program last set, or null. */
  readonly program: Program | null;
  /** Check a program whole and make it the model's; optimizers keeping name, type and networks keep their state. */
  setProgram(program: Program): this;
  /** Run the program over named data for epochs, or for iterations over its steps. */
  train(data: NamedData, options?: TrainOptions): Promise<TrainHistory>;
  /** Any tensor or layer in evaluation mode, for the named inputs it needs. */
  run(name: string, inputs: NamedData): Float32Array;
  /** A loss of the program and its terms in evaluation mode (means per sample). */
  evaluateLoss(loss: string, data: NamedData): { loss: number; terms: Record<string, number> };
  /** One token at a time for a model whose one input is token ids (see Generator). */
  generator(streams?: number): Generator;
  /** Keras-like table of layers, output shapes and parameter counts. */
  summary(): string;
  /** Train; rejects with a DlError ('numeric') if the loss becomes NaN, keeping the last good weights. */
  fit(data: DataSet, options?: FitOptions): Promise<History>;
  /** Hold a running fit between chunks (or the next fit before its first batch). */
  pause(): void;
  resume(): void;
  /** Run n more batches (default 1), then stay paused. */
  step(n?: number): void;
  /** Outputs (n x output size) in evaluation mode. */
  predict(x: Inputs): Float32Array;
  evaluate(data: DataSet, options?: { loss?: string }): Evaluation;
  /** A layer's output (feature maps) for the samples in x. */
  activations(x: Inputs | ArrayLike<number>, layer: string | number): { shape: number[]; data: Float32Array };
  /** d(loss)/d(input) for samples and their labels: saliency maps, FGSM directions. */
  inputGradient(x: Inputs | ArrayLike<number>, target: ArrayLike<number>): Float32Array;
  getWeights(): Weight[];
  /** Replace parameters by name; all entries are checked before any is written. */
  setWeights(weights: { name: string; values: ArrayLike<number> }[]): void;
  /** Plan memory for training at batches of up to n samples. */
  ensureBatch(n: number): void;
  /** Plan memory for evaluation only (no gradients; activations share memory); training plans for training again. */
  planForInference(n?: number): void;
  /** Zero the state stateful recurrent layers carry between training batches; returns how many state tensors it cleared. */
  resetState(): number;
  /** The planned arena, and what one buffer per value, gradient and scratch would take, in bytes. */
  memory(): { arenaBytes: number; unsharedBytes: number };
  /** Bytes in the versioned model format; optimizer: true adds the training state for resuming. */
  save(options?: { optimizer?: boolean }): Uint8Array;
  dispose(): void;
}

/** Streams of tokens fed one at a time through a model's one-token graph (core/generate.c). */
export declare class Generator {
  readonly model: Model;
  readonly streams: number;
  /** Tokens fed since the last reset. */
  readonly position: number;
  /** Longest context (a GPT's positions); 0 for recurrent models. */
  readonly window: number;
  readonly vocab: number;
  reset(): this;
  /** One token id per stream; returns the next-token scores, streams x vocab. */
  step(tokens: ArrayLike<number>): Float32Array;
  /** Stream i continues what stream from[i] had. */
  reorder(from: ArrayLike<number>): void;
  /** A step-graph node after the last step: its value, or an op's scratch. */
  read(node: string, options?: { scratch?: boolean }): Float32Array;
}
