// data.mjs: a playground's data: the data set select, the 2-D sets' noise and split, points the
// user places, and getting the data into the worker (image sets streamed from the server, 2-D
// sets made here from the seed). Start waits, saying why, until the whole set is in.
import { MNIST_LABELS, FASHION_LABELS } from '../../dlplay/datasets.mjs';
import { makeToySet, splitPoints, toArrays } from '../datasets2d.mjs';
import { site } from '../site.mjs';

export const LABELS = { mnist: MNIST_LABELS, fashion: FASHION_LABELS };

/** The part of a playground that owns its data (ctx: see index.mjs). */
export function createDataPart(ctx) {
  const { root, state } = ctx;
  let firstBatchSeen = false;

  // Names in the worker: image sets are the same for every playground sharing it (so a stream
  // is fetched once); 2-D sets belong to this playground.
  const names = () => (ctx.images() ? { train: `${state.dataset}-train`, test: `${state.dataset}-test` } : { train: `${ctx.key}/train`, test: `${ctx.key}/test` });

  function showKind() {
    root.classList.toggle('is-images', ctx.images());
    root.classList.toggle('is-2d', !ctx.images());
    root.classList.toggle('is-custom', state.dataset === 'custom');
    ctx.parts.network.showPresetChoices();
    ctx.parts.views.setLabels(LABELS[state.dataset] ?? LABELS.mnist, state.dataset === 'fashion' ? 'Draw a piece of clothing' : 'Draw a digit');
    ctx.parts.training.showAuto();
  }

  function refresh() {
    ctx.dataReady = load();
    ctx.dataReady.catch((e) => ctx.status('data-status', e.message, true));
    return ctx.dataReady;
  }

  // Ready: the engine runs and the first batch of the data is in the worker's memory.
  function firstBatch() {
    if (firstBatchSeen) return;
    firstBatchSeen = true;
    ctx.remote.ready.then(() => (root.dataset.readyMs ||= String(Math.round(performance.now()))));
  }

  async function load() {
    const remote = ctx.remote, status = (text) => ctx.status('data-status', text);
    status('');
    if (ctx.images()) {
      const set = state.dataset, n = names();
      status('Loading images…');
      // Start waits for the whole set, with the reason beside it: a run on the part that has
      // arrived would train on fewer images than it says, for every epoch
      const wait = (text) => state.dataset === set && ctx.blockStart('data', text);
      wait('The images are still loading; Start opens once they are all in.');
      // absolute: the worker would resolve a relative URL against its own script's folder
      const url = (split) => site(`data/${set}-${split}.dlds.gz`);
      // the test set waits for the first training batch: at start-up both would compete for the
      // same two cores with the engine's compilation
      let startTest;
      const test = new Promise((r) => (startTest = r)).then(() => remote.loadDataset(n.test, url('test')));
      const train = remote.loadDataset(n.train, url('train'), (count, total) => {
        status(count < total ? `Loading training images: ${count.toLocaleString()} of ${total.toLocaleString()}` : `${total.toLocaleString()} training images`);
        if (count < total) wait(`Loading the training images (${Math.floor((100 * count) / total)}%); Start opens once they are all in.`);
        if (count >= 64) firstBatch(), startTest();
      });
      train.then(startTest, startTest);
      try {
        const t = await test;
        ctx.testSize = t.n;
        const tr = await train;
        firstBatch(); // (it may all have been in already)
        ctx.trainSize = tr.n;
        status(`${tr.n.toLocaleString()} training and ${t.n.toLocaleString()} test images`);
        wait(null);
        ctx.parts.network.estimate(); // (now for the real number of images)
      } catch (e) {
        wait('The images could not be loaded: see the Data card.');
        throw new Error(set === 'fashion' && /404/.test(e.message)
          ? 'Fashion-MNIST is not installed on this server (Debian package dataset-fashion-mnist, then make).'
          : `Could not load ${set}: ${e.message}`);
      }
      ctx.parts.views.pickRandomIfNone();
    } else {
      const { train, test } = state.dataset === 'custom'
        ? splitPoints(state.points, state.ratio)
        : makeToySet(state.dataset, { n: 400, noise: state.noise, ratio: state.ratio, seed: state.seed });
      ctx.parts.views.setPoints([...train, ...test.map((p) => ({ ...p, test: true }))]);
      if (train.length < 2 || new Set(train.map((p) => p.label)).size < 2) {
        status('Add points of at least two classes: click the plot.');
        ctx.blockStart('data', 'Add training points of at least two classes first: click the plot.');
        return;
      }
      ctx.blockStart('data', null);
      const info = { shape: [2], classes: ctx.classCount() }, n = names();
      await remote.setDataset(n.train, toArrays(train), info);
      await remote.setDataset(n.test, toArrays(test.length ? test : train), info);
      status(`${train.length} training and ${test.length} test points`);
      ctx.trainSize = train.length;
      firstBatch();
      await ctx.parts.network.validate();
    }
  }

  function wire() {
    const { network, views } = ctx.parts;
    ctx.bind('dataset', () => {
      if (!ctx.touched.has('layers')) state.layers = null;
      showKind(); // (first: it may change a preset that cannot take the new data)
      network.setPresetLayers();
      ctx.built = null;
      ctx.loadedModel = false;
      views.forgetInspected();
      views.reset();
      refresh().then(network.validate);
    });
    for (const n of ['noise', 'ratio']) ctx.bind(n, refresh);
    ctx.q('clear-points').addEventListener('click', () => {
      state.points = [];
      ctx.writeHash();
      refresh();
    });
  }

  /** A point placed by a click on the plot, of the class chosen in the radio group. */
  function addPoint(x, y, button) {
    if (state.dataset !== 'custom') return;
    const chosen = Number(root.querySelector(`input[name="point-class-${ctx.key}"]:checked`).value);
    state.points = [...state.points, { x, y, label: button === 2 ? 1 : chosen }];
    ctx.writeHash();
    refresh();
  }

  /** Drop this playground's 2-D sets from a shared worker. */
  async function forget() {
    await Promise.all([`${ctx.key}/train`, `${ctx.key}/test`].map((n) => ctx.remote?.deleteDataset(n).catch(() => {})));
  }

  return { names, showKind, refresh, wire, addPoint, forget };
}
