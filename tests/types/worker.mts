// worker.mts: compiled (never run) by `make test` with tsc --noEmit: the worker client's types
// (worker-client.d.mts) as a page uses them.
import { attach, connect, prefetch, type RemoteModel } from '../../wasm/worker-client.mjs';

export async function example(worker: Worker): Promise<number> {
  prefetch(worker, { datasets: { 'mnist-train': 'https://example.org/data/mnist-train.dlds.gz' } });
  const engine = attach({ worker });
  const { version } = (await engine.ready) ?? { version: '' };
  const catalog = await engine.catalog();
  const gan: RemoteModel = await engine.create({ inputs: { x: [2], z: { shape: [4], noise: 'normal' } }, networks: { G: [{ type: 'dense', units: 2 }] }, outputs: { fake: { net: 'G', from: 'z' } } });
  await gan.setProgram({ losses: { g: [{ type: 'mse', on: 'fake', target: 0 }] }, optimizers: { g: { type: 'adam', lr: 1e-3 } } });
  const h = await gan.train({}, { iterations: 10, onSteps: (s) => void s[0].steps[0].terms, signal: new AbortController().signal });
  const fake: Float32Array = await gan.run('fake', { z: new Float32Array(8) });
  const both: Record<string, Float32Array> = await gan.run(['fake'], { z: new Float32Array(8) });
  await engine.setDataset('points', { x: new Float32Array(20), y: new Uint8Array(10) }, { shape: [2], classes: 2 });
  const classifier = await engine.create({ input: [2], layers: [{ type: 'dense', units: 2 }] });
  const history = await classifier.fit({ dataset: 'points' }, { epochs: 2, validationData: { dataset: 'points', from: 5 }, onBatches: (b) => void b.length });
  const { misclassified } = await classifier.evaluate({ dataset: 'points' }, 3);
  const { bytes } = await classifier.save({ optimizer: true });
  const copy = await engine.load(bytes, { input: [2], output: [2] });
  await Promise.all([gan.dispose(), classifier.dispose(), copy.dispose()]);
  const other = await connect({ simd: false });
  other.terminate();
  return version.length + catalog.layers.length + h.iterations + fake.length + both.fake.length + history.epochs + misclassified.length;
}
