// cell-math.mjs: how one value of a feature map was computed, as CNN Explainer shows it: the
// input under the kernel, the kernel, their products and their sum, then the bias and the
// activation; for pooling, the window and its largest value or mean; for a residual block, its
// two terms. The result is set beside the value the map holds, so a learner sees they agree.
import { diverging } from './colormap.mjs';

// The activations whose value the page recomputes; for the others it shows the engine's.
const ACT = { linear: (z) => z, relu: (z) => Math.max(0, z) };
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(Math.abs(v) >= 10 ? 1 : 2));
const fmt4 = (v) => v.toFixed(4);

/**
 * Fill `container` with the computation of one feature-map value.
 * @param {HTMLElement} container
 * @param {object} r  the worker's cell() answer
 * @param {number} mapValue  the map's value at that point (the layer's output there)
 * @param {number} H  the map's height
 * @param {number} W  the map's width
 * @param {number} [shown]  the input channel whose window to show (default: the one that adds most)
 * @example
 * showCell(el, await model.cell(image, 'conv2d_1', 2, 10, 12), maps[0].data[(2 * 28 + 10) * 28 + 12], 28, 28);
 */
export function showCell(container, r, mapValue, H, W, shown) {
  container.hidden = false;
  container.textContent = '';
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  const head = el('p', 'cell-head', `${r.layer}, channel ${r.channel + 1}, row ${r.row + 1}, column ${r.col + 1} of its ${H}×${W} map`);
  container.append(head);
  let z = null, result = null, how = '';

  if (r.type === 'conv2d' || r.type === 'maxPool2d' || r.type === 'avgPool2d') {
    const [KH, KW] = r.kernelSize, n = KH * KW, IC = r.inputChannels;
    const sums = Array.from({ length: IC }, (_, c) => {
      let s = 0;
      if (r.kernel) for (let j = c * n; j < (c + 1) * n; j++) s += r.input[j] * r.kernel[j];
      return s;
    });
    const ch = shown ?? (r.kernel ? sums.indexOf(sums.reduce((a, s) => (Math.abs(s) > Math.abs(a) ? s : a), 0)) : 0);
    const part = (a) => a.subarray(ch * n, (ch + 1) * n), input = part(r.input), padded = part(r.padded);
    if (IC > 1) {
      const pick = el('label', 'cell-pick', 'input channel ');
      const select = el('select');
      for (let c = 0; c < IC; c++) select.append(new Option(`${c + 1} (adds ${fmt(sums[c])})`, String(c), false, c === ch));
      select.addEventListener('change', () => showCell(container, r, mapValue, H, W, Number(select.value)));
      pick.append(select, ` of ${IC}`);
      container.append(pick);
    }
    const row = el('div', 'cell-grids');
    row.append(table('the input under the window', input, padded, KH, KW, 'input'));
    if (r.kernel) {
      const kernel = part(r.kernel), products = input.map((v, j) => v * kernel[j]);
      row.append(el('span', 'cell-op', '×'), table(`kernel ${r.channel + 1}`, kernel, null, KH, KW, 'signed'), el('span', 'cell-op', '='), table('products', products, null, KH, KW, 'signed'));
      container.append(row);
      const total = sums.reduce((a, s) => a + s, 0);
      z = total + r.bias;
      result = (ACT[r.activation] ?? (() => r.out))(z);
      how = `${IC > 1 ? `The products of input channel ${ch + 1} add up to ${fmt4(sums[ch])}; over all ${IC} input channels they add up to ${fmt4(total)}.` : `The products add up to ${fmt4(total)}.`} Plus the bias ${fmt4(r.bias)} gives ${fmt4(z)}; ${r.activation}(${fmt4(z)}) = ${fmt4(result)}.`;
    } else {
      container.append(row);
      const inside = Array.from(input).filter((_, j) => !padded[j]);
      result = r.type === 'maxPool2d' ? Math.max(...inside) : inside.reduce((a, v) => a + v, 0) / inside.length;
      how = `${r.type === 'maxPool2d' ? 'The largest value in the window' : `The mean of the window's ${inside.length} values`} is ${fmt4(result)}.`;
    }
  } else if (r.type === 'residual') {
    const [a, b] = r.terms;
    z = a + b;
    result = (ACT[r.activation] ?? (() => r.out))(z);
    how = `The block's last layer gives ${fmt4(a)} here; the shortcut carries ${fmt4(b)} from the block's input${r.projected ? ' (through a 1×1 convolution, as the channel counts differ)' : ''}. Their sum is ${fmt4(z)}; ${r.activation}(${fmt4(z)}) = ${fmt4(result)}.`;
  } else {
    result = r.out;
    how = `This layer's value here is ${fmt4(result)}.`;
  }
  const agree = Math.abs(result - mapValue) <= 1e-4 * Math.max(1, Math.abs(mapValue));
  container.append(el('p', 'cell-sum', `${how} The map holds ${fmt4(mapValue)}${agree ? ': the same value.' : '.'}`));
  container.dataset.result = String(result);
  container.dataset.map = String(mapValue);
}

// A window of numbers as a table, each cell shaded by its value: the input in grey (padding
// hatched), kernels and products blue to red.
function table(caption, values, padded, KH, KW, kind) {
  const t = document.createElement('table'), top = Math.max(...Array.from(values, Math.abs)) || 1, px = new Uint8ClampedArray(4);
  t.className = 'cell-table';
  const c = t.createCaption();
  c.textContent = caption;
  for (let y = 0; y < KH; y++) {
    const tr = t.insertRow();
    for (let x = 0; x < KW; x++) {
      const j = y * KW + x, v = values[j], td = tr.insertCell();
      td.textContent = padded?.[j] ? '0' : fmt(v);
      if (padded?.[j]) td.className = 'cell-pad';
      else if (kind === 'input') {
        const g = Math.round(255 - 200 * Math.max(0, v / top));
        td.style.background = `rgb(${g} ${g} ${g})`;
        if (g < 118) td.style.color = '#fff'; // (the grey where white and black text have equal contrast)
      } else {
        diverging((0.7 * v) / top, px, 0); // (capped so black text stays readable)
        td.style.background = `rgb(${px[0]} ${px[1]} ${px[2]})`;
      }
    }
  }
  return t;
}
