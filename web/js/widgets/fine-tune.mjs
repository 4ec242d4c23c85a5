// fine-tune.mjs: transfer learning by freezing layers. A small CNN is pretrained on MNIST digits,
// then trained on a few Fashion-MNIST images with a new head. The model is one engine model with
// a network per layer (conv1 → conv2 → fc, then a digit head and a Fashion head), chained through
// its outputs, so a training program's optimizer can name exactly the layers that learn: a frozen
// layer is one the optimizer is not given, and its weights stay bit for bit as MNIST left them.
// Beside it, the same network trained from its untrained starting weights on the same Fashion
// batches: what the digits were worth.
import { createLineChart } from '../components/line-chart.mjs';
import { createImageGrid } from '../components/image-grid.mjs';
import { records } from './image-sets.mjs';
import { argmax } from './mnist-net.mjs';
import { mulberry32, shuffle } from '../../dlplay/random.mjs';

const PIXELS = 784, BATCH = 32, EVAL_EVERY = 10, BATCHES_PER_FRAME = 4;
export const SIZES = { pretrain: 5000, tune: 500, test: 1000 };
const LAYERS = {
  conv1: [{ type: 'conv2d', filters: 8, kernel: 5, stride: 2, padding: 'same', activation: 'relu' }],
  conv2: [{ type: 'conv2d', filters: 16, kernel: 3, stride: 2, padding: 'same', activation: 'relu' }],
  fc: [{ type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }],
};
const NAMES = Object.keys(LAYERS);
const LABELS = { conv1: 'conv 1 (8 filters 5×5)', conv2: 'conv 2 (16 filters 3×3)', fc: 'dense (32 units)' };

/**
 * The layers chained through outputs; two heads read the last one. The Fashion head starts at
 * zero: a new head's random logits on features it has never seen would first have to be unlearnt.
 */
export function transferSpec(seed) {
  const outputs = {};
  let from = 'x';
  for (const n of NAMES) (outputs[n] = { net: n, from }), (from = n);
  outputs.digits = { net: 'digitHead', from };
  outputs.fashion = { net: 'fashionHead', from };
  return {
    seed,
    inputs: { x: [1, 28, 28] },
    networks: { ...LAYERS, digitHead: [{ type: 'dense', units: 10 }], fashionHead: [{ type: 'dense', units: 10, kernelInitializer: 'zeros' }] },
    outputs,
  };
}

/** Cross-entropy on one head, one Adam over the networks named (the others are frozen). */
export const transferProgram = (head, networks, lr) => ({
  losses: { main: [{ type: 'softmax_ce', on: head, target: { data: 'y' } }] },
  optimizers: { adam: { type: 'adam', lr, networks } },
});

// The files read are the two test splits (1.6 and 4.4 MB), not the training splits (10 and 26
// MB): the widget needs a few thousand images. Digits 0-4,999 of MNIST's test split pretrain,
// 5,000-5,999 measure it; Fashion's test images 0-999 test and 1,000-1,499 fine-tune, so the
// images tested on are never trained on.

// samples `order[from .. from + count)` of a set, copied side by side: one training call's data
function gather(set, order, from, count) {
  const x = new Uint8Array(count * PIXELS), y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const j = order[(from + i) % order.length];
    x.set(set.x.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    y[i] = set.y[j];
  }
  return { x, y };
}

export default {
  kind: 'fine-tune',
  title: 'Transfer learning: freeze layers, fine-tune on Fashion-MNIST',
  lede: 'A small CNN first learns digits. Its Fashion-MNIST copy gets a new, empty head and is trained on only 500 clothing images; the layers you freeze keep their digit weights. The dashed curve is the same network trained from its untrained weights on the same batches.',
  topic: 'Transfer learning',
  params: [
    { name: 'freeze', type: 'list', values: NAMES, default: ['conv1'], label: 'Frozen layers (the new head always trains)', control: 'checks', labels: LABELS },
    { name: 'lr', type: 'number', min: 0.00001, max: 0.05, default: 0.002, label: 'Learning rate (Adam), both runs', control: 'number' },
    { name: 'steps', type: 'int', min: 10, max: 400, default: 100, label: 'Fashion training steps (batches of 32)', control: 'number' },
  ],
  parts: ['filters', 'accuracy', 'train'],
  seedControl: true,

  async create(w) {
    const { engine } = w;
    const filterBox = w.figure('filters', 'First-layer filters (blue negative, red positive): after learning digits, and after fine-tuning on clothes');
    const before = createImageGrid(filterBox, { columns: 8, scale: 7, caption: 'after MNIST' });
    const after = createImageGrid(filterBox, { columns: 8, scale: 7, caption: 'after fine-tuning' });
    const accBox = w.figure('accuracy', `Accuracy on ${SIZES.test} Fashion test images, every ${EVAL_EVERY} steps`);
    const trainButton = w.button('train', 'Fine-tune', () => start(), { secondary: false });
    let chart = null, base = null, pretrained = null, run = null, data = null, token = 0, busy = false;
    let pretraining = null; // the model a pretraining is training: that pretraining frees it once it sees it is stale
    const loop = w.loop(() => void tick(), { onStop: () => (trainButton.disabled = !pretrained) });
    trainButton.disabled = true;

    const trainable = () => NAMES.filter((n) => !w.state.freeze.includes(n)).concat('fashionHead');
    const paramsOf = (model, nets) => model.networks.filter((n) => nets.includes(n.name)).reduce((a, n) => a + n.params, 0);

    // the share of a set a head gets right
    function accuracy(model, head = 'fashion', set = data.test) {
      const z = model.run(head, { x: set.x });
      let right = 0;
      for (let i = 0; i < set.n; i++) right += argmax(z, i) === set.y[i];
      return right / set.n;
    }

    const filters = (model) => {
      const k = model.getWeights().find((p) => p.name.startsWith('conv1/') && p.name.endsWith('/kernel'));
      return Array.from({ length: 8 }, (_, f) => ({ data: k.values.slice(25 * f, 25 * (f + 1)), width: 5, height: 5, diverging: true, title: `filter ${f + 1}` }));
    };

    // one epoch over the first 5,000 digits, a few batches a frame
    async function pretrain() {
      const mine = ++token, s = w.state;
      dropRun();
      if (base !== pretraining) base?.dispose();
      base = pretrained = null;
      trainButton.disabled = true;
      w.status('Loading MNIST digits and Fashion-MNIST images…');
      data ??= await loadData();
      if (mine !== token) return;
      const model = (base = pretraining = engine.model(transferSpec(s.seed)));
      base.setProgram(transferProgram('digits', [...NAMES, 'digitHead'], 0.002));
      const order = shuffle([...Array(SIZES.pretrain).keys()], mulberry32(s.seed)), steps = Math.ceil(SIZES.pretrain / BATCH);
      for (let step = 0; step < steps; step += BATCHES_PER_FRAME) {
        await new Promise(requestAnimationFrame);
        if (mine !== token) return model.dispose();
        const count = Math.min(BATCHES_PER_FRAME * BATCH, SIZES.pretrain - step * BATCH);
        await model.train(gather(data.digits, order, step * BATCH, count), { epochs: 1, batchSize: BATCH, shuffle: false });
        w.status(`Pretraining on MNIST: step ${Math.min(steps, step + BATCHES_PER_FRAME)} of ${steps}`);
      }
      if (mine !== token) return model.dispose();
      pretraining = null;
      pretrained = { weights: base.getWeights().map((p) => ({ name: p.name, values: p.values.slice() })), digitAccuracy: accuracy(base, 'digits', data.heldOut) };
      before.update(filters(base));
      after.reset();
      w.status('');
      trainButton.disabled = false;
      w.tally('pretrained');
      resetRun();
    }

    async function loadData() {
      const mnist = 'mnist-test', fashion = 'fashion-test';
      const [digits, heldOut, test, tune] = await Promise.all([records(mnist, 0, SIZES.pretrain), records(mnist, SIZES.pretrain, 1000), records(fashion, 0, SIZES.test), records(fashion, SIZES.test, SIZES.tune)]);
      return { digits, heldOut, tune, test };
    }

    // the two runs: the pretrained copy with the freezes, and the untrained network, both on the Fashion head
    // A run in the middle of a step is freed when the step ends (tick sees it is no longer the run).
    function dropRun() {
      loop.stop();
      const r = run;
      run = null;
      if (r && busy) r.dropped = true;
      else r?.models.forEach((m) => m.dispose());
    }

    function resetRun() {
      dropRun();
      chart?.destroy();
      chart = createLineChart(accBox, { title: 'Fashion test accuracy', yLabel: 'accuracy', xLabel: 'step', yMin: 0, yMax: 1, height: 200, series: [{ name: 'fine-tuned', color: '#2f6fde' }, { name: 'from scratch', color: '#c2410c', dashed: true }] });
      if (!pretrained) return describe();
      const s = w.state, tuned = engine.model(transferSpec(s.seed)), scratch = engine.model(transferSpec(s.seed));
      tuned.setWeights(pretrained.weights);
      tuned.setProgram(transferProgram('fashion', trainable(), s.lr));
      scratch.setProgram(transferProgram('fashion', [...NAMES, 'fashionHead'], s.lr));
      run = {
        models: [tuned, scratch], step: 0, order: shuffle([...Array(SIZES.tune).keys()], mulberry32(s.seed + 1)),
        curves: [[], []], trainable: trainable(), params: { trainable: paramsOf(tuned, trainable()), total: paramsOf(tuned, [...NAMES, 'fashionHead']) },
        start: tuned.getWeights().map((p) => ({ ...p, values: p.values.slice() })),
      };
      run.models.forEach((m, i) => record(i, m));
      describe();
    }

    function record(i, model) {
      const a = accuracy(model);
      run.curves[i].push([run.step, a]);
      chart.push(i, run.step, a);
    }

    // a few batches of both runs on the same samples; the test accuracy every EVAL_EVERY steps
    async function tick() {
      if (busy || !run) return;
      busy = true;
      const s = w.state, r = run;
      try {
        const count = Math.min(BATCHES_PER_FRAME, EVAL_EVERY - (r.step % EVAL_EVERY), s.steps - r.step);
        const batch = gather(data.tune, r.order, r.step * BATCH, count * BATCH);
        for (const m of r.models) await m.train(batch, { epochs: 1, batchSize: BATCH, shuffle: false });
        if (r !== run) return;
        r.step += count;
        if (r.step % EVAL_EVERY === 0 || r.step === s.steps) r.models.forEach((m, i) => record(i, m));
        if (r.step >= s.steps) {
          loop.stop();
          after.update(filters(r.models[0]));
          w.tally('trained');
        }
        describe();
      } catch (e) {
        if (r !== run) return; // (a run dropped mid-step: its models were going anyway)
        loop.stop();
        w.status(`Training stopped: ${e.message}`, true);
      } finally {
        busy = false;
        if (r.dropped) r.models.forEach((m) => m.dispose());
      }
    }

    function start() {
      if (!pretrained || loop.on) return;
      if (!run || run.step >= w.state.steps) resetRun();
      trainButton.disabled = true;
      loop.start();
    }

    function describe() {
      if (!pretrained) return w.summary('Pretraining on MNIST digits…');
      const s = w.state, r = run, [t, c] = r.curves.map((x) => x.at(-1)[1]);
      const frozen = s.freeze.length ? s.freeze.map((n) => LABELS[n]).join(', ') : 'none';
      w.summary(`Pretrained on ${SIZES.pretrain} digits (accuracy on 1,000 other digits ${pretrained.digitAccuracy.toFixed(3)}). Frozen: ${frozen}; trainable ${r.params.trainable.toLocaleString('en')} of ${r.params.total.toLocaleString('en')} parameters. ${r.step ? `After ${r.step} steps on ${SIZES.tune} Fashion images` : 'Before fine-tuning'}: test accuracy fine-tuned ${t.toFixed(3)}, from scratch ${c.toFixed(3)} (chance 0.100).`);
    }

    pretrain().catch((e) => w.status(`The widget could not pretrain: ${e.message}`, true));
    describe();
    return {
      update(name) {
        if (name === 'seed') pretrain().catch((e) => w.status(`The widget could not pretrain: ${e.message}`, true));
        else if (pretrained) resetRun();
      },
      start,
      stop: () => loop.stop(),
      results: () => ({
        pretrained: Boolean(pretrained),
        digitAccuracy: pretrained?.digitAccuracy,
        step: run?.step ?? 0,
        trainable: run?.trainable,
        params: run?.params,
        curves: run && { tuned: run.curves[0], scratch: run.curves[1] },
        // every weight of the fine-tuned model when its run started and now (what the freezes kept)
        weights: run && { start: run.start, now: run.models[0].getWeights() },
      }),
      destroy() {
        token++;
        dropRun();
        if (base !== pretraining) base?.dispose();
        chart?.destroy();
      },
    };
  },
};
