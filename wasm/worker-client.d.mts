// The engine in a Web Worker: worker-client.mjs is the page's side of worker.mjs (whose header
// documents the protocol). A worker holds data sets by name and any number of models by id.
//
//   const engine = await connect();
//   const gan = await engine.create(spec);
//   await gan.setProgram(program);
//   await gan.train({ x }, { epochs: 20, batchSize: 64, onStep: (s) => draw(s) });
//   const fake = await gan.run('fake', { z });
//   await gan.dispose();
import type { ModelSpec, Program, StepRecord, TrainHistory, FitOptions, History, BatchInfo, EpochInfo, Evaluation, Weight, NamedData } from './model.mjs';
import type { Engine } from './dlplay.mjs';

/** What RemoteEngine needs of a worker: a Web Worker, or an adapter (tests use worker_threads). */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: { data: any }) => void) | null;
  onerror: ((event: { message: string }) => void) | null;
  terminate(): void;
}

/** A data set the worker holds: the samples in [from, from + count) that have arrived. */
export interface HeldData {
  dataset: string;
  from?: number;
  count?: number;
}
/** Data for a model call: arrays by name sent with it, or a set the worker holds. */
export type RemoteData = NamedData | HeldData;
export type RemoteXY = { x: Float32Array | Uint8Array; y: ArrayLike<number> } | HeldData;

export interface ModelSummary {
  /** The model's id in its worker. */
  model: number;
  tensors: { name: string; kind: 'data' | 'noise' | 'computed'; shape: number[]; classes?: number; noise?: string }[];
  networks: { name: string; params: number; layers: string[] }[];
  layers: { name: string; type: string; shape: number[]; params: number }[];
  params: number;
  input: number[];
  output: number[];
  optimizers: { name: string; type: string; step: number; networks: string[] }[];
  program: Program | null;
  spec: ModelSpec;
  /** Model.summary()'s table. */
  text: string;
}

/**
 * Ask a worker that was just started to load the engine and stream data sets (name -> absolute
 * URL) before anything else is ready. The requests carry no id; the client's own requests for
 * the same things join them.
 */
export function prefetch<W extends { postMessage(message: unknown): void }>(worker: W, options?: { simd?: boolean; datasets?: Record<string, string> }): W;

/** Start (or adopt) a worker and wait until its engine runs. */
export function connect(options?: { workerUrl?: string | URL; worker?: WorkerLike | Worker; simd?: boolean }): Promise<RemoteEngine>;
/** Like connect, without waiting: data requests go at once; `ready` resolves when the engine runs. */
export function attach(options?: { workerUrl?: string | URL; worker?: WorkerLike | Worker; simd?: boolean }): RemoteEngine;

export class RemoteEngine {
  constructor(worker: WorkerLike | Worker);
  readonly worker: WorkerLike | Worker;
  /** Resolves with the engine's version and build once it runs (attach and connect set it). */
  ready: Promise<{ version: string; simd: boolean } | null>;
  info?: { version: string; simd: boolean };
  /** Any request of the protocol; onEvent receives its events. Rejects with a DlError. */
  call(type: string, payload?: object, options?: { onEvent?: (event: { kind: string; [k: string]: any }) => void; transfer?: Transferable[] }): Promise<any>;
  /** listener(true) once a quick request (not fit, train or loadDataset) has waited over 200 ms; listener(false) when none waits. Returns an unsubscribe function. */
  onBusy(listener: (busy: boolean) => void): () => void;
  /** The engine's catalog (asked once). */
  catalog(): Promise<Engine['catalog']>;
  stats(): Promise<{ models: number[]; heapBytes: number; memoryBytes: number }>;
  /** Stream a gzipped DLDS file into the worker as `name`. */
  loadDataset(name: string, url: string, onProgress?: (count: number, n: number) => void): Promise<{ n: number; count: number; shape: number[]; classes: number; labels: string[] | null }>;
  /** Hold arrays by name (n samples: give n, or x with a per-sample shape, or labels y). */
  setDataset(name: string, arrays: Record<string, ArrayBufferView>, info?: { n?: number; shape?: number[]; classes?: number; labels?: string[]; transfer?: boolean }): Promise<{ n: number }>;
  deleteDataset(name: string): Promise<boolean>;
  sample(name: string, index: number): Promise<{ image: Float32Array | Uint8Array; label: number; shape: number[] }>;
  /** Check a spec without keeping a model. */
  validate(spec: ModelSpec): Promise<{ ok: true; layers: ModelSummary['layers']; params: number; output: number[] } | { ok: false; error: string; code: string }>;
  scheduleCurve(kind: string, lr: number, options: Record<string, number>, steps: number): Promise<Float32Array>;
  /** What a training step of a classifier built from spec, and one prediction, cost here (timed on a throwaway copy). */
  timeStep(spec: ModelSpec, batchSize: number, options?: FitOptions): Promise<{ stepMs: number; predictMs: number }>;
  /** A new model in the worker. */
  create(spec: ModelSpec): Promise<RemoteModel>;
  /** A new model from a file; expect: the shapes it must have, or it is refused. */
  load(bytes: Uint8Array, expect?: { input: number[]; output: number[] }): Promise<RemoteModel>;
  terminate(): void;
}

export interface RemoteRunOptions {
  /** Start held: nothing runs until step() or resume(). */
  paused?: boolean;
  /** Stops the run at its next chunk (it resolves with stopped 'aborted'). */
  signal?: AbortSignal;
  /** Move the arrays sent with the call instead of copying them. */
  transfer?: boolean;
}

/** A model held by a worker; its methods mirror Model's and return promises. */
export class RemoteModel {
  readonly engine: RemoteEngine;
  readonly id: number;
  summary: ModelSummary;
  setProgram(program: Program): Promise<this>;
  /** Run the program; onSteps receives each bunch of step records (at most one every 50 ms). */
  train(data: RemoteData, options?: RemoteRunOptions & { epochs?: number; iterations?: number; batchSize?: number; shuffle?: boolean; seed?: number; chunk?: number;
    onStep?: (record: StepRecord) => void; onSteps?: (records: StepRecord[]) => void; onEpoch?: (info: { epoch: number; iterations: number }) => void }): Promise<TrainHistory>;
  /** Train a classifier. */
  fit(data: RemoteXY, options?: RemoteRunOptions & Omit<FitOptions, 'validationData' | 'onBatch' | 'onEpoch' | 'signal'> & { validationData?: RemoteXY;
    onBatch?: (info: BatchInfo) => void; onBatches?: (infos: BatchInfo[]) => void; onEpoch?: (info: EpochInfo) => void }): Promise<History>;
  pause(): Promise<boolean>;
  resume(): Promise<boolean>;
  /** Run n more steps (batches for fit), then hold. */
  step(n?: number): Promise<boolean>;
  stop(): Promise<boolean>;
  /** A tensor or layer in evaluation mode; for a list of names, one array per name. */
  run(tensor: string, inputs: RemoteData, options?: { transfer?: boolean }): Promise<Float32Array>;
  run(tensor: string[], inputs: RemoteData, options?: { transfer?: boolean }): Promise<Record<string, Float32Array>>;
  evaluate(data: RemoteXY, misclassified?: number): Promise<Omit<Evaluation, 'predictions'> & { misclassified: { index: number; label: number; predicted: number; image: Float32Array | Uint8Array }[] }>;
  evaluateLoss(loss: string, data: RemoteData): Promise<{ loss: number; terms: Record<string, number> }>;
  /** A language model's sample from a prompt of token ids, and each token's distribution (length x vocabulary). */
  generate(prompt: ArrayLike<number>, length: number, options?: { temperature?: number; topK?: number; topP?: number; seed?: number }): Promise<{ tokens: number[]; probabilities: Float32Array }>;
  /** Beam search: the best continuation, its log-probability and every step's kept beams. */
  beam(prompt: ArrayLike<number>, length: number, width: number): Promise<{ tokens: number[]; logp: number; tree: { token: number; parent: number; logp: number }[][] }>;
  /** The next token's scores after the prompt. */
  nextScores(prompt: ArrayLike<number>): Promise<Float32Array>;
  /** What each position of the prompt left in step-graph nodes (a layer's gates, an attention's weights), one array per node. */
  inspect(prompt: ArrayLike<number>, nodes: { name: string; scratch?: boolean }[]): Promise<Float32Array[]>;
  getWeights(): Promise<Weight[]>;
  setWeights(weights: { name: string; values: ArrayLike<number> }[]): Promise<boolean>;
  save(options?: { optimizer?: boolean }): Promise<{ bytes: Uint8Array }>;
  dispose(): Promise<boolean>;
  /** A classifier's class probabilities. */
  predict(x: Float32Array): Promise<{ probabilities: Float32Array }>;
  featureMaps(x: Float32Array): Promise<{ name: string; type: string; shape: number[]; data: Float32Array }[]>;
  filters(): Promise<{ layer: string; shape: number[]; values: Float32Array } | null>;
  explain(x: Float32Array, label: number, eps: number): Promise<{ saliency: Float32Array; adversarial: Float32Array; before: Float32Array; after: Float32Array }>;
  boundary(gridSize: number, extent: [number, number]): Promise<{ grid: Float32Array; gridSize: number; classes: number; hidden: { name: string; units: Float32Array[] }[]; layers: NetworkLayer[] }>;
  /**
   * How one feature-map value was computed for the sample x. A conv2d gives the input under its
   * window (input, [inputChannels][kh][kw], 0 and flagged in `padded` where it hangs over the
   * padding), its kernel for `channel` and bias; a pooling layer its window; a residual block the
   * two terms of its sum. `out` is the layer's value there, after `activation`.
   */
  cell(x: Float32Array, layer: string, channel: number, row: number, col: number): Promise<{
    layer: string; type: string; channel: number; row: number; col: number; out: number; activation: string;
    kernelSize?: [number, number]; inputChannels?: number; input?: Float32Array; padded?: Uint8Array;
    kernel?: Float32Array; bias?: number; terms?: [number, number]; projected?: boolean;
  }>;
  /** The layers as a drawing of the network needs them; given x (one sample), each layer's output for it. */
  network(x?: Float32Array): Promise<{ input: number[]; layers: NetworkLayer[] }>;
}

/** A layer as network() and boundary() describe it. */
export interface NetworkLayer {
  name: string;
  type: string;
  shape: number[];
  params: number;
  /** Its options in the model's spec (units, kernel, activation, ...). */
  options: Record<string, unknown>;
  /** The residual block it sits in, or null. */
  block: string | null;
  /** Whether its output is a stack of maps featureMaps() shows (convolution, pooling, residual, batch norm). */
  featureMap: boolean;
  /** A dense layer's kernel, [in, out] row-major, and bias, when it has at most 2^18 weights. */
  kernel?: Float32Array;
  kernelShape?: number[];
  bias?: Float32Array | null;
  /** Its output for the sample given to network(x). */
  out?: Float32Array;
}
