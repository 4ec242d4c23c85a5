// home.mjs: the home page: load the engine, say what it runs on, and train XOR on request,
// drawing what the network learned over the plane (the playground's boundary component).
import { load } from '../../dlplay/dlplay.mjs';
import { createBoundary } from '../components/boundary.mjs';

const G = 40, EXTENT = [-0.5, 1.5]; // the plane the result is drawn over, around the four points

const $ = (id) => document.getElementById(id);

function show(id, text, cls) {
  const el = $(id);
  el.textContent = text;
  if (cls) el.className = cls;
}

// The XOR network: 2 inputs, 8 tanh units, 2 classes, trained on all four points at once.
function trainXor(dl) {
  const X = [0, 0, 0, 1, 1, 0, 1, 1], Y = [0, 1, 1, 0];
  const g = dl.graph(3);
  const x = g.input('x', [2]), t = g.input('t', [1]);
  const w1 = g.param('w1', [2, 8], { init: 'xavier_normal' }), b1 = g.param('b1', [8]);
  const w2 = g.param('w2', [8, 2], { init: 'xavier_normal' }), b2 = g.param('b2', [2]);
  const logits = g.op('dense', [g.op('tanh', [g.op('dense', [x, w1, b1])]), w2, b2]);
  const probs = g.op('softmax', [logits]);
  const loss = g.op('softmax_ce', [logits, t]);
  g.plan(4).setValue(x, X).setValue(t, Y);
  const opt = g.optimizer('adam');
  const t0 = performance.now();
  let value = 0;
  for (let step = 0; step < 300; step++) value = g.trainStep(loss, opt, 0.05);
  const ms = performance.now() - t0;
  g.forward(probs);
  const p = g.value(probs);
  // the same network over a grid of the plane, row 0 at the top
  const [lo, hi] = EXTENT, grid = new Float32Array(2 * G * G);
  for (let r = 0; r < G; r++)
    for (let c = 0; c < G; c++) grid.set([lo + ((hi - lo) * (c + 0.5)) / G, hi - ((hi - lo) * (r + 0.5)) / G], 2 * (r * G + c));
  g.plan(G * G).setValue(x, grid).forward(probs);
  const surface = g.value(probs);
  opt.dispose();
  g.dispose();
  return { X, Y, p, value, ms, surface };
}

async function main() {
  const t0 = performance.now();
  let dl;
  try {
    dl = await load();
  } catch (e) {
    show('engine-status', `failed to load: ${e.message}`, 'error');
    return;
  }
  show('engine-status', 'ready', 'ok');
  show('engine-version', dl.version);
  show('engine-simd', dl.simd ? 'WebAssembly SIMD128' : 'plain WebAssembly (this browser lacks SIMD128)');
  show('engine-load', `${Math.round(performance.now() - t0)} ms`);
  const button = $('xor-train');
  button.disabled = false;
  let plot = null;
  button.addEventListener('click', () => {
    const { X, Y, p, value, ms, surface } = trainXor(dl);
    const probs = Y.map((_, i) => p[2 * i + 1]);
    show('xor-result', `300 Adam steps in ${ms.toFixed(1)} ms; final loss ${value.toFixed(4)}. Orange: the network says class 0; blue: class 1.`);
    plot ??= createBoundary($('xor-plot'), { size: 240, extent: EXTENT });
    plot.setPoints(Y.map((label, i) => ({ x: X[2 * i], y: X[2 * i + 1], label })));
    plot.update({ grid: surface, gridSize: G, classes: 2 });
    const box = $('xor-plot');
    box.dataset.probs = probs.map((v) => v.toFixed(3)).join(',');
    box.setAttribute('aria-label', `P(class 1) at (0,0), (0,1), (1,0), (1,1): ${box.dataset.probs}`);
  });
}

main();
