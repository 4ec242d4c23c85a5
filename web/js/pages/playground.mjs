// playground.mjs: the playground page: read the state from the URL, start the engine in a
// worker, wire the controls, and draw what the worker sends back. No math here.
import { attach } from '../../dlplay/worker-client.mjs';
import { MNIST_LABELS, FASHION_LABELS } from '../../dlplay/datasets.mjs';
import { parseHash, toHash, PARAMS, defaults } from '../state.mjs';
import { presetLayers, PRESET_INFO } from '../presets.mjs';
import { makeToySet, splitPoints, toArrays, CLASSES_2D } from '../datasets2d.mjs';
import { createLayerEditor } from '../layer-editor.mjs';
import { createLineChart } from '../components/line-chart.mjs';
import { createConfusion } from '../components/confusion.mjs';
import { createImageGrid } from '../components/image-grid.mjs';
import { createBarChart } from '../components/bar-chart.mjs';
import { createDrawPad } from '../components/draw-pad.mjs';
import { createBoundary, createNeuronMaps } from '../components/boundary.mjs';
import { createSchedulePlot } from '../components/schedule-plot.mjs';
import { createProgress } from '../components/progress.mjs';

const $ = (id) => document.getElementById(id);
const EXTENT = [-6, 6];
const LABELS = { mnist: MNIST_LABELS, fashion: FASHION_LABELS };
// Settings that depend on the kind of data unless the user (or the link) chose them.
const AUTO = { images: { lr: 0.002, batch: 64, epochs: 5 }, plane: { lr: 0.01, batch: 16, epochs: 300 } };

const parsed = parseHash(location.hash);
const state = parsed.state;
const touched = new Set(new URLSearchParams(location.hash.slice(1)).keys()); // settings the link chose
let remote = null;
let session = null; // while a run exists: {paused, started, done, live} (see startTraining)
let built = null; // the spec the worker's model was built from
let loadedModel = false; // the worker holds a model loaded from a file
let dataReady = null; // promise: the current data set is in the worker
let inspected = null; // {image: Float32Array(784), label}
let boundaryBusy = false, boundaryAgain = false;

const images = () => state.dataset === 'mnist' || state.dataset === 'fashion';
const auto = (key) => (touched.has(key) ? state[key] : AUTO[images() ? 'images' : 'plane'][key]);
const inputShape = () => (images() ? [1, 28, 28] : [2]);
const classCount = () => (images() ? 10 : state.dataset === 'custom' ? Math.max(2, ...state.points.map((p) => p.label + 1)) : CLASSES_2D[state.dataset]);
const hideList = () => new Set(state.hide);

function notice(text, kind = 'info') {
  const p = document.createElement('p');
  p.textContent = text;
  if (kind === 'error') p.className = 'error';
  $('notices').append(p);
}

function writeHash() {
  const s = { ...state };
  for (const k of ['lr', 'batch', 'epochs']) if (!touched.has(k)) s[k] = defaults()[k];
  history.replaceState(null, '', toHash(s) || location.pathname);
}

// ---- views ---------------------------------------------------------------------------------

const views = {};
function createViews() {
  views.loss = createLineChart($('loss-chart'), { title: 'Loss', yLabel: 'loss', series: [{ name: 'training', color: '#2f6fde' }, { name: 'test', color: '#e8710a', dashed: true }], log: true });
  views.acc = createLineChart($('acc-chart'), { title: 'Accuracy', yLabel: 'accuracy', series: [{ name: 'training', color: '#2f6fde' }, { name: 'test', color: '#e8710a', dashed: true }], yMin: 0, yMax: 1 });
  views.progress = createProgress($('progress'));
  views.schedule = createSchedulePlot($('schedule-plot'));
  views.boundary = createBoundary($('boundary'), { size: 300, extent: EXTENT });
  views.neurons = createNeuronMaps($('neurons'));
  views.boundary.onClick((x, y, button) => {
    if (state.dataset !== 'custom') return;
    const chosen = Number(document.querySelector('input[name=point-class]:checked').value);
    state.points = [...state.points, { x, y, label: button === 2 ? 1 : chosen }];
    writeHash();
    refreshData();
  });
  views.confusion = createConfusion($('confusion'), { labels: LABELS.mnist });
  views.gallery = createImageGrid($('gallery'), { scale: 2 });
  views.probs = createBarChart($('draw-probs'), { labels: LABELS.mnist });
  views.draw = createDrawPad($('draw'), { size: 224, onChange: (img) => predictDrawing(img) });
  views.filters = createImageGrid($('filters'), { scale: 6 });
  views.maps = createImageGrid($('maps'), { scale: 2 });
  views.saliency = createImageGrid($('saliency'), { scale: 3 });
  views.fgsm = createImageGrid($('fgsm-image'), { scale: 3 });
  views.fgsmProbs = createBarChart($('fgsm-probs'), { labels: LABELS.mnist });
}

function resetViews() {
  views.loss.reset();
  views.acc.reset();
  views.progress.reset();
  $('test-accuracy').textContent = '–';
  $('test-loss').textContent = '–';
  $('epoch-count').textContent = '0';
}

// ---- the network ---------------------------------------------------------------------------

let editor;
let owners = []; // for each layer of the built spec: its index in editor.flatten(), or -1

// The full spec: the editor's hidden layers with the chosen initializer and dropout, then the
// output layer (one unit per class).
function fullSpec() {
  const hidden = editor.get();
  const init = state.init === 'auto' ? null : state.init;
  const layers = [];
  owners = [];
  let flatIndex = 0;
  const apply = (list, out, top) => {
    for (const l of list) {
      const copy = { ...l };
      const own = flatIndex++;
      if (init && (l.type === 'dense' || l.type.startsWith('conv'))) copy.kernelInitializer = init;
      if (l.layers) { /* the engine lists a residual block before its inner layers, as the editor does */
        const inner = [];
        owners.push(own);
        apply(l.layers, inner, false);
        copy.layers = inner;
        out.push(copy);
      } else {
        out.push(copy);
        owners.push(own);
      }
      if (top && state.dropout > 0 && l.type === 'dense') {
        out.push({ type: 'dropout', rate: state.dropout });
        owners.push(-1);
      }
    }
  };
  apply(hidden, layers, true);
  layers.push({ type: 'dense', units: classCount(), name: 'output', ...(init ? { kernelInitializer: init } : {}) });
  owners.push(-1);
  return { input: inputShape(), seed: state.seed, layers };
}

async function validate() {
  const spec = fullSpec();
  const r = await remote.validate(spec);
  const flat = editor.flatten().length;
  if (r.ok) {
    const info = new Array(flat);
    r.layers.forEach((l, i) => owners[i] >= 0 && (info[owners[i]] = l));
    editor.showResult({ ok: true, layers: info });
    $('net-output').textContent = `→ output: dense ${classCount()} (one unit per class), then softmax in the loss`;
    $('net-summary').textContent = `${r.params.toLocaleString()} parameters`;
    $('net-summary').className = 'summary';
  } else {
    const m = /^layer (\d+)/.exec(r.error);
    const engineIndex = m ? Number(m[1]) - 1 : -1;
    const errorIndex = engineIndex >= 0 ? owners[engineIndex] : -1;
    editor.showResult({ ok: false, error: r.error, errorIndex: errorIndex >= 0 ? errorIndex : null });
    $('net-summary').textContent = errorIndex >= 0 ? 'Fix the layer marked in red to train.' : r.error;
    $('net-summary').className = 'summary error';
  }
  $('start').disabled = !r.ok && !loadedModel;
  return r.ok;
}

let validateTimer = 0;
function showPresetAbout() {
  const info = PRESET_INFO[state.preset];
  $('preset-about').textContent = state.layers ? `Started from the ${info.title} preset, then edited.` : info.about;
}

function networkChanged() {
  state.layers = editor.get(); // the preset select keeps showing where the layers came from
  showPresetAbout();
  writeHash();
  loadedModel = false;
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validate, 120);
}

function setPresetLayers() {
  editor.set(state.layers ?? presetLayers(state.preset, inputShape()));
  showPresetAbout();
  $('net-input').textContent = `input: [${inputShape().join('×')}]`;
}

// ---- data ------------------------------------------------------------------------------------

function showDataKind() {
  document.body.classList.toggle('is-images', images());
  document.body.classList.toggle('is-2d', !images());
  document.body.classList.toggle('is-custom', state.dataset === 'custom');
  const labels = LABELS[state.dataset] ?? LABELS.mnist;
  views.confusion.destroy();
  views.confusion = createConfusion($('confusion'), { labels });
  views.probs.destroy();
  views.probs = createBarChart($('draw-probs'), { labels });
  views.fgsmProbs.destroy();
  views.fgsmProbs = createBarChart($('fgsm-probs'), { labels });
  for (const k of ['lr', 'batch', 'epochs']) $(k).value = auto(k);
  $('draw-title').textContent = state.dataset === 'fashion' ? 'Draw a piece of clothing' : 'Draw a digit';
}

function refreshData() {
  dataReady = loadData();
  dataReady.catch((e) => {
    $('data-status').textContent = e.message;
    $('data-status').className = 'note error';
  });
  return dataReady;
}

// Ready: the engine runs and the first batch of the data is in the worker's memory.
let firstBatchSeen = false;
function firstBatch() {
  if (firstBatchSeen) return;
  firstBatchSeen = true;
  remote.ready.then(() => (document.body.dataset.readyMs ||= String(Math.round(performance.now()))));
}

async function loadData() {
  const status = $('data-status');
  status.className = 'note';
  if (images()) {
    const name = state.dataset;
    status.textContent = 'Loading images…';
    // absolute: the worker would resolve a relative URL against its own script's folder
    const url = (split) => new URL(`data/${name}-${split}.dlds.gz`, location.href).href;
    // the test set waits for the first training batch: at start-up both would compete for the
    // same two cores with the engine's compilation
    let startTest;
    const test = new Promise((r) => (startTest = r)).then(() => remote.loadDataset('test', url('test')));
    const train = remote.loadDataset('train', url('train'), (count, n) => {
      status.textContent = count < n ? `Loading training images: ${count.toLocaleString()} of ${n.toLocaleString()} (training can start now)` : `${n.toLocaleString()} training images`;
      if (count >= 64) firstBatch(), startTest();
    });
    train.then(startTest, startTest);
    try {
      const t = await test;
      $('data-status').dataset.test = String(t.n);
      const tr = await train;
      firstBatch(); // (it may all have been in already)
      trainSize = tr.n;
      status.textContent = `${tr.n.toLocaleString()} training and ${t.n.toLocaleString()} test images`;
    } catch (e) {
      throw new Error(name === 'fashion' && /404/.test(e.message)
        ? 'Fashion-MNIST is not installed on this server (Debian package dataset-fashion-mnist, then make).'
        : `Could not load ${name}: ${e.message}`);
    }
    if (!inspected) pickRandomImage();
  } else {
    const { train, test } = state.dataset === 'custom'
      ? splitPoints(state.points, state.ratio)
      : makeToySet(state.dataset, { n: 400, noise: state.noise, ratio: state.ratio, seed: state.seed });
    views.boundary.setPoints([...train, ...test.map((p) => ({ ...p, test: true }))]);
    if (train.length < 2 || new Set(train.map((p) => p.label)).size < 2) {
      status.textContent = 'Add points of at least two classes: click the plot.';
      $('start').disabled = true;
      return;
    }
    const shape = [2], classes = classCount();
    await remote.setDataset('train', { ...toArrays(train), shape, classes });
    await remote.setDataset('test', { ...toArrays(test.length ? test : train), shape, classes });
    status.textContent = `${train.length} training and ${test.length} test points`;
    trainSize = train.length;
    firstBatch();
    await validate();
  }
}

// ---- training ---------------------------------------------------------------------------------

function trainOptions() {
  const opt = { type: state.optimizer };
  if (['momentum', 'nesterov'].includes(state.optimizer)) opt.momentum = state.momentum;
  if (['adam', 'adamw'].includes(state.optimizer)) Object.assign(opt, { beta1: state.beta1, beta2: state.beta2 });
  const epochs = auto('epochs'), batch = auto('batch');
  return {
    epochs, batchSize: batch, optimizer: opt, lr: auto('lr'), seed: state.seed,
    schedule: scheduleSpec(epochs),
    l1: state.l1, l2: state.l2,
    augment: images() ? { shift: state.shift, rotate: state.rotate, noise: state.pixelnoise } : undefined,
    earlyStopping: state.patience > 0 ? { monitor: 'valLoss', patience: state.patience, restoreBestWeights: true } : undefined,
    chunk: images() ? 8 : 32,
  };
}

let trainSize = 60000;
function stepsPerEpoch() {
  return Math.ceil(trainSize / auto('batch'));
}

// The schedule over the whole run, in steps (batches); plateau follows the test loss per epoch.
function scheduleSpec(epochs) {
  const total = epochs * stepsPerEpoch();
  const base = { warmup: state.warmup };
  switch (state.schedule) {
    case 'step': return { type: 'step', step_size: Math.max(1, Math.round(total / 4)), gamma: 0.3, ...base };
    case 'exponential': return { type: 'exponential', gamma: Math.exp(Math.log(0.01) / Math.max(1, total)), ...base };
    case 'cosine': return { type: 'cosine', period: Math.max(1, total), restart: 0, ...base };
    case 'polynomial': return { type: 'polynomial', total: Math.max(1, total), power: 2, ...base };
    case 'cyclical': return { type: 'cyclical', lr_max: auto('lr') * 5, step_size: Math.max(1, Math.round(total / 8)), ...base };
    case 'onecycle': return { type: 'onecycle', total: Math.max(1, total), ...base };
    case 'plateau': return { type: 'plateau', per: 'epoch', patience: 2, factor: 0.3, ...base };
    default: return { type: 'constant', ...base };
  }
}

// Preview the schedule with the engine's own formulas (asked of the worker), over the whole run.
let scheduleTimer = 0;
function drawSchedule() {
  clearTimeout(scheduleTimer);
  scheduleTimer = setTimeout(async () => {
    if (!remote) return;
    const epochs = auto('epochs'), { type, per, ...options } = scheduleSpec(epochs);
    const steps = per === 'epoch' ? epochs : epochs * stepsPerEpoch();
    try {
      views.schedule.update(await remote.scheduleCurve(type, auto('lr'), options, steps));
    } catch (e) {
      $('file-status').textContent = `Schedule: ${e.message}`;
    }
  }, 50);
}

function setRunning(running, paused = false) {
  $('start').textContent = running ? (paused ? 'Resume' : 'Pause') : 'Start';
  $('stop').disabled = !running;
  document.body.dataset.training = running ? (paused ? 'paused' : 'running') : 'idle';
}

async function ensureModel() {
  const spec = fullSpec();
  if (loadedModel) return true;
  if (built && JSON.stringify(built) === JSON.stringify(spec)) return true;
  if (!(await validate())) return false;
  const summary = await remote.build(spec);
  built = spec;
  $('net-summary').textContent = `${summary.params.toLocaleString()} parameters`;
  resetViews();
  views.gallery.reset();
  return true;
}

let epochBase = 0; // epochs trained before the current run, for the charts' x axis

// A run exists from the click on: `started` resolves once the worker has the fit request, so
// Step and Pause pressed while the model is still being built wait for it instead of racing.
async function startTraining({ paused = false } = {}) {
  let started, finish;
  const run = (session = { paused, started: new Promise((r) => (started = r)), done: new Promise((r) => (finish = r)) });
  setRunning(true, paused);
  $('file-status').textContent = '';
  $('file-status').className = 'note';
  try {
    await dataReady;
    if (!(await ensureModel())) return;
    const options = trainOptions();
    const t0 = performance.now(), total = options.epochs, smooth = { loss: null, acc: null };
    const fit = remote.fit({ train: { name: 'train' }, val: { name: 'test' }, options, paused: run.paused }, {
      onBatches: (batches) => {
        // single batches are noisy: the curves show a moving average over about ten of them
        for (const b of batches) {
          const x = epochBase + b.epoch + (b.batch + 1) / b.batches;
          smooth.loss = smooth.loss == null ? b.loss : 0.9 * smooth.loss + 0.1 * b.loss;
          views.loss.push(0, x, smooth.loss);
          if (b.accuracy != null) {
            smooth.acc = smooth.acc == null ? b.accuracy : 0.9 * smooth.acc + 0.1 * b.accuracy;
            views.acc.push(0, x, smooth.acc);
          }
        }
        const b = batches.at(-1);
        const fraction = (b.epoch * b.batches + b.batch + 1) / (total * b.batches), left = ((performance.now() - t0) / 1000) * (1 / fraction - 1);
        views.progress.update({
          fraction,
          text: `epoch ${b.epoch + 1}/${total} · batch ${b.batch + 1}/${b.batches} · ${Math.round(b.samplesPerSec).toLocaleString()} samples/s · ${clock(left)} left`,
        });
      },
      onEpoch: (e) => {
        views.loss.push(1, epochBase + e.epoch + 1, e.valLoss);
        if (e.valAccuracy != null) views.acc.push(1, epochBase + e.epoch + 1, e.valAccuracy);
        $('test-accuracy').textContent = e.valAccuracy != null ? `${(100 * e.valAccuracy).toFixed(2)}%` : '–';
        $('test-loss').textContent = e.valLoss.toFixed(4);
        $('epoch-count').textContent = String(epochBase + e.epoch + 1);
        document.body.dataset.epochSeconds = e.seconds.toFixed(3); // read by bench/browser.mjs
        refreshInsight();
      },
    });
    run.live = true;
    started();
    const h = await fit;
    epochBase += h.epochs;
    if (h.stopped) $('file-status').textContent = h.stopped === 'aborted' ? 'Training stopped.' : `Training ended: ${h.stopped}.`;
    else views.progress.update({ fraction: 1, text: `done: ${h.epochs} epochs in ${clock((performance.now() - t0) / 1000)}` });
  } catch (e) {
    $('file-status').textContent = `Training stopped: ${e.message}`;
    $('file-status').className = 'note error';
  } finally {
    started();
    finish();
    session = null;
    setRunning(false);
    document.body.dataset.runs = String(Number(document.body.dataset.runs ?? 0) + 1); // finished runs, for tests
    refreshInsight();
  }
}

const clock = (s) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '–');

// ---- what the network learned --------------------------------------------------------------

let insightTimer = 0;
function refreshInsight() {
  // epochs of a 2-D set take milliseconds: redraw at most every 150 ms
  clearTimeout(insightTimer);
  insightTimer = setTimeout(() => (images() ? refreshImageViews() : refreshBoundary()), images() ? 0 : 150);
}

async function refreshBoundary() {
  if (boundaryBusy) return void (boundaryAgain = true);
  boundaryBusy = true;
  try {
    const b = await remote.boundary(48, EXTENT);
    views.boundary.update(b);
    views.neurons.update(b.hidden, b.gridSize);
    document.body.dataset.boundary = 'drawn';
  } catch (e) {
    if (!/no model/.test(e.message)) console.warn(e.message);
  } finally {
    boundaryBusy = false;
    if (boundaryAgain) (boundaryAgain = false), refreshBoundary();
  }
}

async function refreshImageViews() {
  try {
    const r = await remote.evaluate({ name: 'test' }, 24);
    views.confusion.update(r);
    const labels = LABELS[state.dataset];
    views.gallery.update(r.misclassified.map((m) => ({
      data: m.image, width: 28, height: 28, label: `${labels[m.label]} → ${labels[m.predicted]}`,
      title: `test image ${m.index}: a ${labels[m.label]} the network calls ${labels[m.predicted]}`,
      onClick: () => inspect(Float32Array.from(m.image, (v) => v / 255), m.label),
    })));
    const f = await remote.filters();
    if (f) {
      const [F, C, KH, KW] = f.shape;
      views.filters.update(Array.from({ length: F * C }, (_, i) => ({ data: f.values.subarray(i * KH * KW, (i + 1) * KH * KW), width: KW, height: KH, diverging: true, label: `${Math.floor(i / C) + 1}` })));
    } else views.filters.update([]);
    $('filters-note').textContent = f ? `${f.layer}: each ${f.shape[2]}x${f.shape[3]} kernel, blue negative, red positive` : 'This network has no convolution layer, so it has no filters to show.';
    if (inspected) await inspect(inspected.image, inspected.label);
  } catch (e) {
    if (!/no model/.test(e.message)) console.warn(e.message);
  }
}

function drawInspected(image) {
  const c = $('inspect-image').getContext('2d'), img = c.createImageData(28, 28);
  for (let i = 0; i < 784; i++) img.data.set([255 * image[i], 255 * image[i], 255 * image[i], 255], 4 * i);
  const tmp = new OffscreenCanvas(28, 28);
  tmp.getContext('2d').putImageData(img, 0, 0);
  c.imageSmoothingEnabled = false;
  c.drawImage(tmp, 0, 0, 112, 112);
}

async function inspect(image, label) {
  inspected = { image, label };
  drawInspected(image);
  if (!built && !loadedModel) return;
  const labels = LABELS[state.dataset] ?? LABELS.mnist;
  const maps = await remote.featureMaps(image);
  const tiles = [];
  for (const m of maps) {
    const [, C, H, W] = m.shape;
    for (let c = 0; c < Math.min(C, 16); c++) tiles.push({ data: m.data.subarray(c * H * W, (c + 1) * H * W), width: W, height: H, label: c === 0 ? m.name : '' });
  }
  views.maps.update(tiles);
  $('maps-note').textContent = maps.length ? 'The first 16 channels of each convolution and pooling layer for this image.' : 'This network has no convolution layer, so it makes no feature maps.';
  const probs = (await remote.predict(image)).probabilities;
  const top = probs.indexOf(Math.max(...probs));
  const target = label ?? top;
  $('inspect-info').textContent = `${label != null ? `True class: ${labels[label]}. ` : ''}The network says ${labels[top]} (${(100 * probs[top]).toFixed(1)}%).`;
  const eps = Number($('fgsm-eps').value);
  const x = await remote.explain(image, target, eps);
  views.saliency.update([{ data: x.saliency, width: 28, height: 28, label: 'saliency' }]);
  const advTop = x.after.indexOf(Math.max(...x.after));
  views.fgsm.update([{ data: x.adversarial, width: 28, height: 28, label: `ε = ${eps}: ${labels[advTop]}` }]);
  views.fgsmProbs.update(x.after);
  document.body.dataset.fgsm = labels[advTop];
}

async function pickRandomImage() {
  const n = Number($('data-status').dataset.test ?? 10000);
  const s = await remote.sample('test', Math.floor(Math.random() * n));
  await inspect(Float32Array.from(s.image, (v) => v / 255), s.label);
}

let predicting = false;
async function predictDrawing(image) {
  if (predicting || (!built && !loadedModel) || !images()) return;
  predicting = true;
  try {
    const { probabilities } = await remote.predict(image);
    views.probs.update(probabilities);
    document.body.dataset.drawn = String(probabilities.indexOf(Math.max(...probabilities)));
  } finally {
    predicting = false;
  }
}

// ---- controls --------------------------------------------------------------------------------

function bindInput(name, after) {
  const input = $(name), p = PARAMS.find((q) => q.name === name);
  const show = () => {
    const out = $(`${name}-out`);
    if (out) out.textContent = String(input.value);
  };
  if (['lr', 'batch', 'epochs'].includes(name)) input.value = auto(name);
  else input.value = state[name];
  show();
  input.addEventListener(input.type === 'range' ? 'input' : 'change', () => {
    const raw = input.value;
    let v = p.type === 'enum' ? raw : Number(raw);
    const bad = p.type === 'enum' ? !p.values.includes(v) : !(raw !== '' && Number.isFinite(v) && v >= p.min && v <= p.max && (p.type !== 'int' || Number.isInteger(v)));
    input.setAttribute('aria-invalid', bad ? 'true' : 'false');
    if (bad) {
      $('file-status').textContent = `${name}: ${raw} is not allowed${p.type === 'enum' ? '' : ` (${p.min} to ${p.max})`}`;
      return;
    }
    state[name] = v;
    touched.add(name);
    show();
    writeHash();
    after?.();
  });
}

function wire() {
  bindInput('dataset', () => {
    if (!touched.has('layers')) state.layers = null;
    setPresetLayers();
    showDataKind();
    built = null;
    loadedModel = false;
    epochBase = 0;
    inspected = null;
    resetViews();
    refreshData().then(validate);
  });
  for (const n of ['noise', 'ratio']) bindInput(n, () => refreshData());
  bindInput('preset', () => {
    state.layers = null;
    touched.delete('layers');
    setPresetLayers();
    networkChanged();
  });
  for (const n of ['optimizer', 'lr', 'momentum', 'beta1', 'beta2', 'schedule', 'warmup', 'batch', 'epochs', 'l1', 'l2', 'shift', 'rotate', 'pixelnoise', 'patience'])
    bindInput(n, () => {
      showOptimizerFields();
      drawSchedule();
    });
  for (const n of ['init', 'dropout', 'seed']) bindInput(n, () => (n === 'seed' && !images() ? refreshData() : validate()));
  $('clear-points').addEventListener('click', () => {
    state.points = [];
    writeHash();
    refreshData();
  });

  $('start').addEventListener('click', async () => {
    if (!session) return startTraining();
    const run = session;
    run.paused = !run.paused;
    setRunning(true, run.paused);
    await run.started;
    if (run.live && session === run) await (run.paused ? remote.pause() : remote.resume());
  });
  $('step').addEventListener('click', async () => {
    if (!session) startTraining({ paused: true });
    const run = session;
    await run.started;
    if (run.live && session === run) await remote.step();
  });
  $('stop').addEventListener('click', async () => {
    const run = session;
    await run?.started;
    await remote.stop();
  });
  $('reset').addEventListener('click', async () => {
    const run = session;
    if (run) {
      await run.started;
      await remote.stop();
      await run.done;
    }
    built = null;
    loadedModel = false;
    epochBase = 0;
    resetViews();
    await ensureModel();
    refreshInsight();
  });

  $('save').addEventListener('click', async () => {
    try {
      const { bytes } = await remote.save();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      a.download = `dlplay-${state.dataset}-${state.preset}.dlpm`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      $('file-status').textContent = `Saved ${a.download} (${bytes.length.toLocaleString()} bytes).`;
      $('file-status').className = 'note';
    } catch (e) {
      $('file-status').textContent = `Could not save: ${e.message}`;
      $('file-status').className = 'note error';
    }
  });
  $('load').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = '';
    if (!file) return;
    try {
      const summary = await remote.load(new Uint8Array(await file.arrayBuffer()), { input: inputShape(), output: [classCount()] });
      // show the file's layers: its hidden layers in the editor, the output layer stays implied
      const hidden = summary.spec.layers.filter((l, i, all) => !(i === all.length - 1 && l.name === 'output'));
      editor.set(hidden);
      state.layers = editor.get();
      writeHash();
      showPresetAbout();
      loadedModel = true;
      built = null;
      await validate();
      $('file-status').textContent = `Loaded ${file.name}: ${summary.layers.length} layers, ${summary.params.toLocaleString()} parameters. Start trains it further; editing the layers builds a new model.`;
      $('file-status').className = 'note';
      refreshInsight();
    } catch (e) {
      $('file-status').textContent = `Could not load ${file.name}: ${e.message}. The current model is unchanged.`;
      $('file-status').className = 'note error';
    }
  });
  $('share').addEventListener('click', async () => {
    writeHash();
    try {
      await navigator.clipboard.writeText(location.href);
      $('share').textContent = 'Link copied';
    } catch {
      $('share').textContent = 'Copy the address bar';
    }
    setTimeout(() => ($('share').textContent = 'Copy link'), 1500);
  });
  $('random-digit').addEventListener('click', pickRandomImage);
  $('fgsm-eps').addEventListener('input', () => {
    $('fgsm-eps-out').textContent = $('fgsm-eps').value;
    clearTimeout(insightTimer);
    insightTimer = setTimeout(() => inspected && inspect(inspected.image, inspected.label), 60);
  });
  $('fgsm-eps-out').textContent = $('fgsm-eps').value;
}

function showOptimizerFields() {
  for (const e of document.querySelectorAll('.opt-momentum')) e.hidden = !['momentum', 'nesterov'].includes(state.optimizer);
  for (const e of document.querySelectorAll('.opt-adam')) e.hidden = !['adam', 'adamw'].includes(state.optimizer);
}

// ---- start ------------------------------------------------------------------------------------

async function main() {
  // attach first: the worker (started by the page's inline script) is already loading the engine
  // and streaming the data; data requests go now, engine requests wait for remote.ready
  remote = attach({ worker: window.dlplayWorker, ...(state.simd === 'off' ? { simd: false } : {}) });
  for (const n of parsed.notices) notice(n);
  for (const name of hideList()) document.querySelectorAll(`[data-control="${name}"], #${CSS.escape(name)}`).forEach((e) => (e.hidden = true));
  createViews();
  editor = createLayerEditor($('layer-editor'), { onChange: networkChanged });
  setPresetLayers();
  showDataKind();
  wire();
  showOptimizerFields();
  setRunning(false);
  refreshData();
  try {
    await remote.ready;
  } catch (e) {
    $('engine-status').textContent = `The engine failed to start: ${e.message}`;
    $('engine-status').className = 'engine warn';
    return;
  }
  $('engine-status').textContent = remote.info.simd
    ? `engine ${remote.info.version} · WebAssembly SIMD128`
    : `engine ${remote.info.version} · plain WebAssembly (${state.simd === 'off' ? 'SIMD turned off by the link' : 'this browser lacks SIMD128'}): slower`;
  if (!remote.info.simd) $('engine-status').className = 'engine warn';
  drawSchedule();
  await validate();
  document.body.dataset.engine = 'ready';
}

main();
