// home.mjs: the home page: load the engine, say what it runs on, and train XOR on request.
import { load } from '../../dlplay/dlplay.mjs';

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
  opt.dispose();
  g.dispose();
  return { X, Y, p, value, ms };
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
  button.addEventListener('click', () => {
    const { X, Y, p, value, ms } = trainXor(dl);
    show('xor-result', `300 Adam steps in ${ms.toFixed(1)} ms; final loss ${value.toFixed(4)}`);
    const rows = Y.map((y, i) => `<tr><td>${X[2 * i]}</td><td>${X[2 * i + 1]}</td><td>${y}</td><td>${p[2 * i + 1].toFixed(3)}</td></tr>`);
    $('xor-table').tBodies[0].innerHTML = rows.join('');
    $('xor-table').hidden = false;
  });
}

main();
