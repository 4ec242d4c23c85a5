// receptive-field.mjs: which input pixels one output unit of a stack of conv and pooling layers
// can see. The engine builds the stack with all-ones kernels and backpropagates from the chosen
// unit alone (two slices pick it, the loss is its value): the input pixels whose gradient is not
// zero are its receptive field, and the size of the gradient, largest in the middle where most
// paths meet, is the effective receptive field. A zero-valued parameter added to every map
// carries that map's gradient out (the engine gives gradients of parameters, not of inputs). The
// table writes the recurrence r_l = r_(l-1) + (k_l - 1) d_l j_(l-1), j_l = j_(l-1) s_l out with
// the numbers, and the figure outlines the box it predicts beside the engine's gradient.
import { watchWidth } from '../components/hidpi.mjs';
import { panelRow, panel, paintGrid, short } from './conv-grids.mjs';

const LAYERS = [1, 2, 3, 4];
const DEFAULTS = { 1: ['conv', 3, 1, 1], 2: ['pool', 2, 2, 1], 3: ['conv', 3, 1, 1], 4: ['conv', 3, 1, 2] };
const sub = (i) => '₀₁₂₃₄'[i];

function layerParams(i) {
  const [type, k, s, d] = DEFAULTS[i], on = (st) => st.layers >= i;
  return [
    { name: `type${i}`, type: 'enum', values: ['conv', 'pool'], default: type, label: 'Type', control: 'select', labels: { conv: 'convolution', pool: 'pooling (average)' }, when: on },
    { name: `k${i}`, type: 'int', min: 1, max: 7, default: k, label: `k${sub(i)} size`, control: 'number', when: on },
    { name: `s${i}`, type: 'int', min: 1, max: 3, default: s, label: `s${sub(i)} stride`, control: 'number', when: on },
    { name: `d${i}`, type: 'int', min: 1, max: 3, default: d, label: `d${sub(i)} dilation`, control: 'number', when: (st) => on(st) && st[`type${i}`] === 'conv' },
  ];
}

export default {
  kind: 'receptive-field',
  title: 'The receptive field of a unit',
  lede: 'Stack up to four conv and pooling layers and pick a unit of the last map (click it, or set its row and column). The engine backpropagates from that unit alone: the input pixels that get any gradient are all it can see.',
  topic: 'Convolution',
  params: [
    { name: 'input', type: 'int', min: 8, max: 48, default: 32, label: 'Input size (n × n)', control: 'range' },
    { name: 'padding', type: 'enum', values: ['same', 'valid'], default: 'same', label: 'Conv padding', control: 'select', labels: { same: 'same (zeros around)', valid: 'valid (none)' } },
    { name: 'layers', type: 'int', min: 1, max: 4, default: 3, label: 'Layers', control: 'range' },
    ...LAYERS.flatMap(layerParams),
    { name: 'row', type: 'int', min: 0, max: 47, default: 7, label: 'Output unit: row (0 = top)', control: 'range' },
    { name: 'col', type: 'int', min: 0, max: 47, default: 7, label: 'Output unit: column (0 = left)', control: 'range' },
  ],
  parts: ['maps', 'table'],

  create(w) {
    const { engine } = w;
    const mapsBox = w.figure('maps', 'Orange: the gradient of the chosen unit on each map (darker is larger; grey is zero). Dashed: the box the formula predicts. Click a unit of the last map to choose it.', { wide: true });
    const row = panelRow(mapsBox);
    const tableBox = w.figure('table', 'The recurrence, layer by layer (j: the jump, input pixels between neighbouring units; r: the field\'s size)', { wide: true });
    const table = document.createElement('table'), note = document.createElement('p');
    const scroller = document.createElement('div'); // (a phone scrolls the table, not the page)
    scroller.style.overflowX = 'auto';
    // (a region that scrolls must take the keyboard's focus too, so arrow keys can scroll it)
    scroller.tabIndex = 0;
    scroller.setAttribute('role', 'region');
    scroller.setAttribute('aria-label', 'the recurrence table, scrolls sideways');
    scroller.append(table);
    table.className = 'dl-table';
    note.className = 'dl-formula';
    tableBox.append(scroller, note);
    const groups = groupLayers(w.root);
    let width = 0, view = null, panels = [];
    const stopWatch = watchWidth(mapsBox, (px) => ((width = px), draw()));

    // the stack as the learner set it, with the engine's attributes for each layer
    function stack() {
      const s = w.state;
      return LAYERS.slice(0, s.layers).map((i) => {
        const type = s[`type${i}`];
        return { type, k: s[`k${i}`], s: s[`s${i}`], d: type === 'conv' ? s[`d${i}`] : 1 };
      });
    }

    function build() {
      const s = w.state, layers = stack(), n = s.input, g = engine.graph(s.seed);
      try {
        const x = g.input('x', [1, n, n]), maps = [];
        // a zero parameter on a map: the map is unchanged, and its gradient is the map's
        const tap = (node) => {
          const shape = g.shape(node).shape.slice(1), b = g.param(`tap${maps.length}`, shape, { init: 'zeros' });
          maps.push({ b, shape: shape.slice(1) });
          return g.op('add', [node, b]);
        };
        let h = tap(x);
        const ones = [];
        for (const [i, l] of layers.entries()) {
          try {
            if (l.type === 'conv') {
              const K = g.param(`k${ones.length}`, [1, 1, l.k, l.k]);
              ones.push([K, l.k * l.k]);
              h = g.op('conv2d', [h, K], { ints: [l.s, l.s, 0, 0, 0, 0, s.padding === 'valid' ? 1 : 2, 0, 0, l.d, l.d] });
            } else h = g.op('avgpool2d', [h], { ints: [l.k, l.k, l.s, l.s, 0, 0, 0, 0, 1] });
          } catch (e) { // (named by its place in the stack, not by the engine's node name)
            throw new Error(`layer ${i + 1}: ${e.message.replace(/^\w+ '[^']*': /, '')}`);
          }
          h = tap(h);
        }
        const [OH, OW] = maps.at(-1).shape, ur = Math.min(s.row, OH - 1), uc = Math.min(s.col, OW - 1);
        const unit = g.op('slice', [g.op('slice', [h], { ints: [2, ur, 1] })], { ints: [3, uc, 1] });
        const loss = g.op('critic_mean', [unit], { floats: [1] }); // (the mean of one value: the unit itself)
        g.plan(1).setBatch(1);
        g.setValue(x, new Float32Array(n * n).fill(1));
        for (const [K, size] of ones) g.setValue(K, new Float32Array(size).fill(1));
        g.forward(loss).backward(loss);
        const grads = maps.map((m) => ({ shape: m.shape, grad: g.grad(m.b) }));
        return { n, layers: withGeometry(layers, grads, n, s.padding), maps: grads, unit: [ur, uc], out: [OH, OW], error: null };
      } catch (e) {
        return { n, layers, error: e.message };
      } finally {
        g.dispose();
      }
    }

    function draw() {
      groups.forEach((set, i) => (set.hidden = w.state.layers < i + 1));
      if (!view) return;
      if (view.error) {
        row.replaceChildren();
        panels = [];
        table.replaceChildren();
        note.textContent = `The engine refuses this stack: ${view.error}`;
        return w.summary(`No output: ${view.error}`);
      }
      const { n, layers, maps, unit, out } = view, L = layers.length;
      const boxes = maps.map((m, i) => fieldBox(layers.slice(i), unit, m.shape));
      const found = nonzeroBox(maps[0].grad, n, n), predicted = boxes[0], core = centralShare(maps[0].grad, n, layers, unit);
      const same = found && ['r0', 'r1', 'c0', 'c1'].every((k) => found[k] === predicted[k]);
      const span = (b) => `rows ${b.r0}–${b.r1}, columns ${b.c0}–${b.c1}`;
      fillTable(table, layers, n);
      const last = layers.at(-1), clipped = predicted.clipped ? ' (clipped at the border)' : '';
      note.textContent = `Unit (${unit[0]}, ${unit[1]}) of the ${out[0]} × ${out[1]} output: r = ${last.r}, j = ${last.j}, unit 0's field starts at pixel ${last.start}${last.start < 0 ? ' (in the padding)' : ''}; ` +
        `so it sees input ${span(predicted)}${clipped}.\n` +
        `Engine: the nonzero gradient spans ${found ? span(found) : 'nothing'}${same ? ': the same box' : ': a different box'}` +
        `${found && holes(maps[0].grad, n, found) ? ', with gaps inside (taps skipped by dilation or a stride larger than the window)' : ''}. ` +
        `The central ${core.side} × ${core.side} of the field (${pct(core.area)} of its area) holds ${pct(core.share)} of the gradient: the effective field is smaller than r.` +
        (w.state.row >= out[0] || w.state.col >= out[1] ? `\nThe output has ${out[0]} rows and ${out[1]} columns: the unit is taken at the last one.` : '');
      w.summary(`${L} layer${L > 1 ? 's' : ''} on a ${n} × ${n} input, ${w.state.padding} padding: output ${out[0]} × ${out[1]}. Unit (${unit[0]}, ${unit[1]}): receptive field r = ${last.r} (jump ${last.j}), ` +
        `input ${span(predicted)}${clipped}; the engine's nonzero gradient covers ${found ? span(found) : 'nothing'}${same ? ', as the formula says' : ', unlike the formula'}. The central ${core.side} × ${core.side} holds ${pct(core.share)} of the gradient.`);
      if (!width) return;
      if (panels.length !== maps.length) {
        row.replaceChildren();
        panels = maps.map((_, i) => panel(row, ''));
        panels.at(-1).canvas.addEventListener('click', pick);
        panels.at(-1).canvas.style.cursor = 'pointer';
      }
      // every map drawn about as wide as the input, so a field lines up with the units above it
      const across = width >= 480 ? Math.min(280, Math.floor((width - 16) / 2)) : Math.min(width - 4, 300);
      maps.forEach((m, i) => {
        const [H, W] = m.shape, top = Math.max(...m.grad), p = panels[i], b = boxes[i], isOut = i === L;
        const cell = (p.cell = Math.max(2, Math.floor(across / Math.max(H, W))));
        p.el.style.maxWidth = `${Math.max(across, W * cell + 2)}px`; // (a long title wraps, not widening the panel)
        p.head.textContent = i === 0 ? `Input ${H} × ${W}` : `${i === L ? 'Output: l' : 'L'}ayer ${i}, ${layers[i - 1].type} ${layers[i - 1].k} × ${layers[i - 1].k}: ${H} × ${W}`;
        paintGrid(p.canvas, { rows: H, cols: W, cell, fill: (j) => heat(m.grad[j], top), boxes: [isOut ? { ...b, color: '#1d2330' } : { ...b, dash: true }], lines: isOut && cell >= 8 ? 1 : 0 });
        const nz = nonzeroBox(m.grad, H, W);
        p.canvas.setAttribute('aria-label', isOut ? `the ${H} by ${W} output; unit (${unit[0]}, ${unit[1]}) chosen` : `${p.head.textContent}: nonzero gradient on ${nz ? span(nz) : 'nothing'}, largest ${short(top)}`);
      });
    }

    // a click on the output map chooses that unit, through the row and column controls
    function pick(e) {
      const p = panels.at(-1), [H, W] = view.out, r = Math.floor((e.offsetY - 1) / p.cell), c = Math.floor((e.offsetX - 1) / p.cell);
      if (r < 0 || c < 0 || r >= H || c >= W) return;
      for (const [name, v] of [['row', r], ['col', c]]) {
        const input = w.root.querySelector(`[data-part="${name}"]`);
        if (Number(input.value) === v) continue;
        input.value = String(v);
        input.dispatchEvent(new Event('input'));
      }
    }

    function update() {
      view = build();
      draw();
    }
    update();
    return {
      update,
      results: () => (view.error ? { error: view.error } : {
        input: view.n, out: view.out, unit: view.unit, layers: view.layers,
        maps: view.maps.map((m) => ({ shape: m.shape, grad: [...m.grad] })),
        field: fieldBox(view.layers, view.unit, view.maps[0].shape),
      }),
      destroy: () => stopWatch(),
    };
  },
};

// each layer with its padding (as the engine placed it), its output size, and the recurrence:
// j the jump, r the field's size and start where unit 0's field begins, all in input pixels
function withGeometry(layers, maps, n, padding) {
  let j = 1, r = 1, start = 0, size = n;
  return layers.map((l, i) => {
    const out = maps[i + 1].shape[0], span = l.d * (l.k - 1) + 1;
    const pad = l.type === 'conv' && padding === 'same' ? Math.floor(Math.max(0, (out - 1) * l.s + span - size) / 2) : 0;
    const row = { ...l, pad, in: size, size: out, jIn: j, rIn: r, j: j * l.s, r: r + (l.k - 1) * l.d * j, start: start - pad * j };
    ({ j, r, start } = row);
    size = out;
    return row;
  });
}

// the box a unit of the last layer sees in the map before `layers` (geometry relative to that map)
function fieldBox(layers, [ur, uc], [H, W]) {
  let j = 1, r = 1, start = 0;
  for (const l of layers) (start -= l.pad * j), (r += (l.k - 1) * l.d * j), (j *= l.s);
  const r0 = start + ur * j, c0 = start + uc * j;
  const box = { r0: Math.max(0, r0), r1: Math.min(H - 1, r0 + r - 1), c0: Math.max(0, c0), c1: Math.min(W - 1, c0 + r - 1) };
  return { ...box, clipped: box.r0 !== r0 || box.c0 !== c0 || box.r1 !== r0 + r - 1 || box.c1 !== c0 + r - 1 };
}

function nonzeroBox(grad, H, W) {
  let b = null;
  for (let i = 0; i < H * W; i++) {
    if (grad[i] === 0) continue;
    const r = Math.floor(i / W), c = i % W;
    b = b ? { r0: Math.min(b.r0, r), r1: Math.max(b.r1, r), c0: Math.min(b.c0, c), c1: Math.max(b.c1, c) } : { r0: r, r1: r, c0: c, c1: c };
  }
  return b;
}

const holes = (grad, W, b) => {
  for (let r = b.r0; r <= b.r1; r++) for (let c = b.c0; c <= b.c1; c++) if (grad[r * W + c] === 0) return true;
  return false;
};

// the share of the gradient in the middle of the field: a square half as wide as r (clipped as the
// field is), against the share of its area (what a flat field would give)
function centralShare(grad, n, layers, unit) {
  const { r, start, j } = layers.at(-1), side = Math.ceil(r / 2), lo = (u) => start + u * j + Math.floor((r - side) / 2);
  const inBox = (i) => {
    const y = Math.floor(i / n) - lo(unit[0]), x = (i % n) - lo(unit[1]);
    return y >= 0 && y < side && x >= 0 && x < side;
  };
  let total = 0, core = 0, cells = 0, coreCells = 0;
  grad.forEach((v, i) => {
    if (v === 0) return;
    total += v;
    cells++;
    if (inBox(i)) (core += v), coreCells++;
  });
  return { side, share: total ? core / total : 0, area: cells ? coreCells / cells : 0 };
}

const pct = (x) => `${Math.round(100 * x)}%`;

// grey for no gradient; orange from pale to deep with its size (a pale floor keeps small ones visible)
function heat(v, top) {
  if (!(v > 0)) return [236, 238, 242];
  const t = 0.2 + 0.8 * (v / top), to = [194, 65, 12];
  return to.map((x) => Math.round(255 + (x - 255) * t));
}

function fillTable(table, layers, n) {
  const head = ['l', 'layer', 'k', 's', 'd', 'pad', 'map', 'jₗ = jₗ₋₁ · sₗ', 'rₗ = rₗ₋₁ + (kₗ − 1) · dₗ · jₗ₋₁'];
  const rows = [['0', 'input', '', '', '', '', `${n}×${n}`, '1', '1'],
    ...layers.map((l, i) => [String(i + 1), l.type === 'conv' ? 'conv' : 'avg pool', l.k, l.s, l.type === 'conv' ? l.d : '', l.pad, `${l.size}×${l.size}`,
      `${l.jIn}·${l.s} = ${l.j}`, `${l.rIn} + (${l.k} − 1)·${l.d}·${l.jIn} = ${l.r}`])];
  const cell = (tag, c) => `<${tag}${tag === 'th' ? ' scope="col"' : ''} style="white-space: nowrap; padding: 0.15rem 0.4rem">${c}</${tag}>`;
  const tr = (cells, tag) => `<tr>${cells.map((c) => cell(tag, c)).join('')}</tr>`;
  table.innerHTML = `<thead>${tr(head, 'th')}</thead><tbody>${rows.map((r) => tr(r, 'td')).join('')}</tbody>`;
}

// each layer's fields (its type, k, s, d) as one compact block with the layer's name over it
function groupLayers(root) {
  return LAYERS.map((i) => {
    const set = document.createElement('fieldset'), legend = document.createElement('legend');
    legend.textContent = `Layer ${i}`;
    set.className = 'dl-control';
    Object.assign(set.style, { gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', alignItems: 'end' });
    set.append(legend);
    root.querySelector(`[data-control="type${i}"]`).before(set);
    for (const name of [`type${i}`, `k${i}`, `s${i}`, `d${i}`]) {
      const label = root.querySelector(`[data-control="${name}"]`);
      label.style.minWidth = '0';
      if (name.startsWith('type')) label.style.gridColumn = '1 / -1';
      else Object.assign(label.querySelector('input').style, { width: '100%', boxSizing: 'border-box' });
      set.append(label);
    }
    return set;
  });
}
