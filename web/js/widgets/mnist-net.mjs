// mnist-net.mjs: the small digit classifier the interpretation widgets look into. A page starts
// on the first digits of the MNIST training file as soon as they have arrived and trains one tiny
// CNN per seed, a few batches per animation frame, whichever widget is in view driving it; every
// widget on the page with that seed shares the trained model, and the last one to go frees it.
import { records, SIDE, PIXELS } from './image-sets.mjs';
import { diverging } from '../components/colormap.mjs';

export const TRAIN_N = 6000, TEST_N = 1000, EPOCHS = 3, BATCH = 64, SLICE = 4 * BATCH; // (one fit call per frame)
export { SIDE, PIXELS };
const SLICES = Math.ceil(TRAIN_N / SLICE);

// two strided convolutions and a dense layer: about 95% on held-out digits after three epochs,
// cheap enough for a gradient per animation frame ('same' padding: every pixel reaches the output,
// so none stays untouched by an input gradient)
export const SPEC = {
  input: [1, SIDE, SIDE],
  layers: [
    { type: 'conv2d', filters: 8, kernel: 5, stride: 2, padding: 'same', activation: 'relu' },
    { type: 'conv2d', filters: 16, kernel: 3, stride: 2, padding: 'same', activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', units: 10 },
  ],
};

let data = null;


/** The training and test digits (bytes; the engine reads them as /255), fetched once per page. */
export function mnistData() {
  data ??= Promise.all([records('mnist-train', 0, TRAIN_N), records('mnist-test', 0, TEST_N)]).then(([train, test]) => ({ train, test }));
  data.catch(() => (data = null)); // (a failed fetch is tried again by the next widget)
  return data;
}

/** Test digit i as pixels in [0, 1], and its label. */
export function testDigit(test, i) {
  return { x: Float32Array.from(test.x.subarray(i * PIXELS, (i + 1) * PIXELS), (v) => v / 255), label: test.y[i] };
}

const nets = new Map(); // (engine, seed) -> shared net

/**
 * The page's classifier for this seed, shared: {model, progress: {slices, of, accuracy}, trained,
 * step(), release()}. step() runs the next slice of training (call it once per frame until trained).
 */
export function mnistNet(engine, seed) {
  let byEngine = nets.get(engine);
  if (!byEngine) nets.set(engine, (byEngine = new Map()));
  let net = byEngine.get(seed);
  if (!net) byEngine.set(seed, (net = makeNet(engine, seed, () => byEngine.delete(seed))));
  net.users++;
  return net;
}

function makeNet(engine, seed, forget) {
  const model = engine.model({ ...SPEC, seed });
  let busy = false, disposed = false;
  const net = {
    model,
    users: 0,
    progress: { slices: 0, of: EPOCHS * SLICES, accuracy: null },
    trained: false,
    error: null,
    /** One slice of training (BATCH-sized batches), or nothing while one runs or the data is on its way. */
    async step() {
      if (busy || net.trained || disposed) return;
      busy = true;
      try {
        const { train, test } = await mnistData();
        const k = net.progress.slices, from = (k % SLICES) * SLICE, to = Math.min(TRAIN_N, from + SLICE);
        // (a fixed sequence of slices and shuffles: the same seed trains the same weights at any frame rate)
        await model.fit({ x: train.x.subarray(from * PIXELS, to * PIXELS), y: train.y.subarray(from, to) }, { epochs: 1, batchSize: BATCH, lr: 3e-3, seed: seed * 1009 + k, chunk: SLICE / BATCH });
        net.progress.slices = k + 1;
        if (k + 1 === net.progress.of) {
          net.progress.accuracy = model.evaluate({ x: test.x, y: test.y }).accuracy;
          net.trained = true;
        }
      } catch (e) {
        net.error = e;
      } finally {
        busy = false;
        if (disposed) model.dispose();
      }
    },
    // (freed a moment after its last widget goes: a host re-configuring a widget rebuilds it, and
    // the new one should find the trained model rather than train again)
    release() {
      if (--net.users > 0) return;
      setTimeout(() => {
        if (net.users > 0 || disposed) return;
        forget();
        disposed = true;
        if (!busy) model.dispose();
      }, 2000);
    },
  };
  return net;
}

/** Logits to probabilities with the engine's softmax (one tiny graph per engine, for up to 10 rows). */
const softmaxGraphs = new WeakMap();
export function softmax(engine, logits) {
  let s = softmaxGraphs.get(engine);
  if (!s) {
    const g = engine.graph(1), z = g.input('z', [10]);
    s = { g, z, p: g.op('softmax', [z]) };
    g.plan(10);
    softmaxGraphs.set(engine, s);
  }
  s.g.setBatch(logits.length / 10).setValue(s.z, logits).forward(s.p);
  return s.g.value(s.p);
}

/** Index of the largest value in row r of a K-wide table. */
export function argmax(v, r = 0, K = 10) {
  let best = 0;
  for (let k = 1; k < K; k++) if (v[r * K + k] > v[r * K + best]) best = k;
  return best;
}

/** What a widget's summary says until the classifier is ready (one line, not every percent: it is read aloud). */
export const waitingText = (net) => (net.error ? `Training failed: ${net.error.message}` : 'Training the digit classifier first (a few seconds)…');

/** Draw a one-line note on a canvas, for the figures that wait for the classifier. */
export function drawNote(canvas, width, text) {
  const ctx = canvas.getContext('2d');
  canvas.width = Math.round(width * (globalThis.devicePixelRatio || 1));
  canvas.height = Math.round(30 * (globalThis.devicePixelRatio || 1));
  Object.assign(canvas.style, { width: `${width}px`, height: '30px' });
  ctx.setTransform(canvas.width / width, 0, 0, canvas.height / 30, 0, 0);
  ctx.font = '13px system-ui, sans-serif';
  ctx.fillStyle = '#4a5263';
  ctx.fillText(text, 0, 18, width);
  canvas.setAttribute('aria-label', text);
}

/** A small text line for the training progress. */
export function progressText(net) {
  const { slices, of, accuracy } = net.progress;
  if (net.error) return `Training failed: ${net.error.message}`;
  if (accuracy != null) return `Trained: a small CNN, ${TRAIN_N.toLocaleString('en')} training digits, ${EPOCHS} epochs; ${(100 * accuracy).toFixed(1)}% right on ${TEST_N.toLocaleString('en')} test digits.`;
  return slices ? `Training the classifier: epoch ${Math.min(EPOCHS, Math.floor(slices / SLICES) + 1)} of ${EPOCHS}, ${Math.round((100 * slices) / of)}%` : 'Loading the digits…';
}

/**
 * One animation frame of a widget that needs the trained classifier first: while it trains (or
 * the digits are on their way), a slice of training, the progress bar and `redraw()`, returning
 * what the loop should (false after a failure, true to go on); once trained, null: the widget's
 * own step follows.
 */
export function trainingFrame(w, net, bar, haveDigits, redraw) {
  if (net.error) {
    w.status(progressText(net), true);
    return false;
  }
  if (!net.trained || !haveDigits()) {
    net.step();
    bar.update({ fraction: net.progress.slices / net.progress.of, text: progressText(net) });
    redraw();
    return true;
  }
  bar.update({ fraction: 1, text: progressText(net) });
  return null;
}

/**
 * Draw a 28x28 image at (x, y), `scale` CSS px per pixel: ink (dark) for 1 and paper for 0, or,
 * signed, values over ±range on the blue-white-red map.
 */
export function drawImage(ctx, values, x, y, scale, { signed = false, range = 1 } = {}) {
  const img = new ImageData(SIDE, SIDE), px = img.data;
  for (let i = 0; i < PIXELS; i++) {
    if (signed) diverging(values[i] / range, px, 4 * i);
    else {
      const v = 255 - Math.round(235 * Math.max(0, Math.min(1, values[i] / range))); // (1 is near-black ink)
      px.set([v, v, v, 255], 4 * i);
    }
  }
  const tile = new OffscreenCanvas(SIDE, SIDE);
  tile.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, x, y, SIDE * scale, SIDE * scale);
  ctx.strokeStyle = '#8a93a3';
  ctx.lineWidth = 1;
  ctx.strokeRect(x - 0.5, y - 0.5, SIDE * scale + 1, SIDE * scale + 1);
}
