// early-worker.mjs: the studio pages' first module (in their head): start the engine's worker
// and stream the training images a link asks for (MNIST unless it says otherwise) before the
// page's own modules have loaded. The page finds the worker in window.dlplayWorker. (The
// playground inlines the same few lines: there they save the round trip its readiness bench counts.)
import { prefetch } from '../../dlplay/worker-client.mjs';

// a key given twice counts by its last value, as in state.mjs's parseHash
const params = new URLSearchParams(location.hash.slice(1)), last = (k) => params.getAll(k).at(-1), set = last('dataset') ?? 'mnist';
window.dlplayWorker = prefetch(new Worker(new URL('../../dlplay/worker.mjs', import.meta.url), { type: 'module' }), {
  simd: last('simd') === 'off' ? false : undefined,
  // (the text pages read no images)
  datasets: !/\/(text|seq2seq)\.html$/.test(location.pathname) && (set === 'mnist' || set === 'fashion') ? { [`${set}-train`]: new URL(`data/${set}-train.dlds.gz`, location.href).href } : {},
});
