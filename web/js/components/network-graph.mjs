// network-graph.mjs: a drawing of a network, as TensorFlow Playground draws one. With `units`, a
// layer of up to 32 units is a column of nodes, each showing the unit's output over the input
// plane, and every weight between two such columns is an edge coloured by its sign and thickened
// by its size. Otherwise (images) each layer is a block with its name, its output shape and its
// output for one sample. Pointing at a unit (hover, tap, or the arrow keys) shows its incoming
// weights; for a dense unit that reads the image itself they show as an image.
import { fitCanvas, watchWidth } from './hidpi.mjs';
import { diverging, hexToRgb, CLASS_COLORS } from './colormap.mjs';

// Layers that keep their input's shape and act unit by unit: drawn in the column of the layer
// before them, as TensorFlow Playground draws a unit's weighted sum and activation as one node.
const ELEMENTWISE = new Set(['activation', 'batchNorm', 'layerNorm', 'dropout']);
const MAX_UNITS = 32; // wider layers are blocks: a wall of 64 nodes teaches nothing
const ROWS = 8; // nodes per column before a layer wraps into another column
const FONT = '12px system-ui, sans-serif';

/**
 * @param {HTMLElement} container
 * @param {{extent?: number[], classNames?: string[], classColors?: string[]}} options
 *   extent: the input plane's [min, max] (for the input nodes' maps).
 * @returns {{update(net: object, view?: object): void, setClasses(names: string[]): void, clear(): void, destroy(): void}}
 *   net: {input, layers} as the worker's network() or boundary() gives them. view, for unit
 *   drawings: {maps: {layerName: Float32Array[]}, grid, gridSize, classes} (boundary()'s hidden
 *   maps and class probabilities); for blocks: {x} the sample whose layer outputs net holds.
 * @example
 * const g = createNetworkGraph(el, { extent: [-6, 6], classNames: ['orange', 'blue'] });
 * const b = await model.boundary(48, [-6, 6]);
 * g.update({ input: [2], layers: b.layers }, { maps: Object.fromEntries(b.hidden.map((h) => [h.name, h.units])), grid: b.grid, gridSize: 48, classes: 2 });
 */
export function createNetworkGraph(container, { extent = [-6, 6], classNames = [], classColors = CLASS_COLORS } = {}) {
  const root = document.createElement('div');
  root.className = 'ng';
  const canvas = document.createElement('canvas');
  canvas.className = 'ng-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'drawing of the network; use the arrow keys to pick a unit and read its incoming weights below');
  const info = document.createElement('div');
  info.className = 'ng-info';
  info.setAttribute('aria-live', 'polite');
  const infoText = document.createElement('p');
  const template = document.createElement('canvas');
  template.className = 'ng-template';
  template.hidden = true;
  info.append(template, infoText);
  root.append(canvas, info);
  container.append(root);

  const colors = classColors.map(hexToRgb);
  let names = classNames, net = null, view = {}, cols = [], width = 0, height = 0, mode = 'units';
  let hover = null, pinned = null; // {col, unit}: the unit pointed at, and the one tapped
  const stop = watchWidth(root, (w) => { width = w; layout(); draw(); });

  // --- structure: the layers as columns ---------------------------------------------------
  function columnsOf({ input, layers }) {
    const out = [{ name: 'input', layers: [], shape: input, units: input.length === 1 ? input[0] : 0, skipFrom: null }];
    const open = []; // residual blocks whose inner layers are being laid out: {layer, from}
    const push = (l, skipFrom = null) => {
      const prev = out.at(-1), units = l.shape.length === 1 ? l.shape[0] : 0;
      if (ELEMENTWISE.has(l.type) && skipFrom == null && prev.layers.length && same(prev.shape, l.shape)) return void prev.layers.push(l);
      out.push({ name: l.name, layers: [l], shape: l.shape, units, skipFrom });
    };
    const close = (block) => { while (open.length && open.at(-1).layer.name !== block) { const b = open.pop(); push(b.layer, b.from); } };
    for (const l of layers) {
      close(l.block);
      if (l.type === 'residual') open.push({ layer: l, from: out.length - 1 });
      else push(l);
    }
    close(null);
    for (const c of out) c.kind = mode === 'units' && c.units > 0 && c.units <= MAX_UNITS ? 'units' : 'block';
    return out;
  }

  // --- layout -----------------------------------------------------------------------------
  function layout() {
    if (!net || !width) return;
    mode === 'units' ? layoutUnits() : layoutBlocks();
    fitCanvas(canvas, width, height);
    // (for tests: where each node is, in CSS px of the canvas)
    root.ngLayout = cols.map((c) => ({ name: c.name, kind: c.kind, skipFrom: c.skipFrom, layers: c.layers.map((l) => l.name), nodes: c.nodes.map(({ x, y, w, h }) => ({ x, y, w, h })) }));
  }

  function layoutUnits() {
    const top = 20, sub = cols.map((c) => (c.kind === 'units' ? Math.ceil(c.units / ROWS) : 1));
    const subs = sub.reduce((a, b) => a + b, 0), gaps = cols.length - 1;
    const s = Math.max(12, Math.min(40, Math.floor((width - 4 - gaps * 36) / (subs * 1.25))));
    const gap = Math.min(110, (width - 4 - subs * s * 1.25) / Math.max(1, gaps));
    const rows = Math.max(1, ...cols.map((c) => (c.kind === 'units' ? Math.min(ROWS, c.units) : 2)));
    height = top + rows * s * 1.25 + 4;
    let x = 2 + Math.max(0, (width - 4 - subs * s * 1.25 - gaps * gap) / 2);
    cols.forEach((c, i) => {
      c.x = x;
      c.w = sub[i] * s * 1.25;
      if (c.kind === 'units') {
        const r = Math.min(ROWS, c.units), y0 = top + ((rows - r) * s * 1.25) / 2;
        c.nodes = Array.from({ length: c.units }, (_, u) => ({ x: x + Math.floor(u / ROWS) * s * 1.25, y: y0 + (u % ROWS) * s * 1.25, w: s, h: s }));
      } else c.nodes = [{ x, y: top, w: s, h: rows * s * 1.25 - s * 0.25 }];
      x += c.w + gap;
    });
  }

  function layoutBlocks() {
    const gap = 16, top = 14, n = cols.length;
    const perRow = Math.max(1, Math.min(n, Math.floor((width + gap) / (64 + gap))));
    const bw = Math.min(120, Math.floor((width - (perRow - 1) * gap) / perRow)), bh = bw + 34;
    const rows = Math.ceil(n / perRow);
    height = rows * (bh + top) + 2;
    cols.forEach((c, i) => {
      const r = Math.floor(i / perRow), k = i % perRow;
      c.x = k * (bw + gap);
      c.w = bw;
      c.row = r;
      c.nodes = [{ x: c.x, y: r * (bh + top) + top, w: bw, h: bh }];
    });
  }

  // --- drawing ----------------------------------------------------------------------------
  function draw() {
    if (!net || !width) return;
    const g = fitCanvas(canvas, width, height);
    g.clearRect(0, 0, width, height);
    g.font = FONT;
    g.textBaseline = 'alphabetic';
    if (mode === 'units') drawUnits(g); else drawBlocks(g);
    const sel = hover ?? pinned;
    const c = sel && cols[sel.col], n = c && (c.nodes[sel.unit] ?? c.nodes[0]);
    if (n) {
      g.strokeStyle = '#1f5fc9';
      g.lineWidth = 2.5;
      g.strokeRect(n.x - 2, n.y - 2, n.w + 4, n.h + 4);
      if (mode === 'blocks' && unitsIn(sel.col) > 1) { // and the unit's cell in the block's grid
        const { x, y, side, cw } = cellGrid(c, n);
        g.lineWidth = 1.5;
        g.strokeRect(x + (sel.unit % side) * cw - 1, y + Math.floor(sel.unit / side) * cw - 1, cw + 2, cw + 2);
      }
    }
    describe();
  }

  function drawUnits(g) {
    const sel = hover ?? pinned;
    // edges first, under the nodes; a chosen unit's incoming edges stand out, the rest fade
    cols.forEach((c, i) => {
      if (i === 0) return;
      const prev = cols[i - 1], k = kernelOf(c, prev);
      if (!k || c.kind !== 'units' || prev.kind !== 'units') return void arrow(g, prev, c);
      const [P, U] = k.shape, top = maxAbs(k.values) || 1;
      for (let p = 0; p < P; p++)
        for (let u = 0; u < U; u++) {
          const w = k.values[p * U + u], t = w / top, a = prev.nodes[p], b = c.nodes[u];
          const chosen = sel && sel.col === i && sel.unit === u;
          const alpha = sel ? (chosen ? 0.95 : 0.08) : 0.25 + 0.6 * Math.abs(t);
          g.strokeStyle = rgba(t, alpha);
          g.lineWidth = (chosen ? 1 : 0.5) + 3 * Math.abs(t);
          g.beginPath();
          g.moveTo(a.x + a.w, a.y + a.h / 2);
          g.bezierCurveTo((a.x + a.w + b.x) / 2, a.y + a.h / 2, (a.x + a.w + b.x) / 2, b.y + b.h / 2, b.x, b.y + b.h / 2);
          g.stroke();
        }
    });
    cols.forEach((c, i) => {
      if (c.skipFrom != null) skipArc(g, cols[c.skipFrom], c);
      label(g, c, c.x, 13);
      if (c.kind !== 'units') return void blockBar(g, c);
      const maps = mapsOf(c, i), n = view.gridSize;
      const scale = Math.max(...(maps ?? []).map(maxAbs), 1e-9);
      c.nodes.forEach((node, u) => {
        if (maps?.[u]) g.drawImage(heat(maps[u], n, i === cols.length - 1 && view.grid ? u : -1, scale), node.x, node.y, node.w, node.h);
        else { g.fillStyle = '#eef1f6'; g.fillRect(node.x, node.y, node.w, node.h); }
        g.strokeStyle = '#b3bacb';
        g.lineWidth = 1;
        g.strokeRect(node.x + 0.5, node.y + 0.5, node.w - 1, node.h - 1);
      });
    });
  }

  // A unit column's maps over the plane: the inputs' own coordinates, the hidden layers' outputs
  // (boundary()'s maps of the column's last layer), the output layer's class probabilities.
  function mapsOf(c, i) {
    const n = view.gridSize, [lo, hi] = extent;
    if (!n) return null;
    if (i === 0) return [0, 1].slice(0, c.units).map((axis) => Float32Array.from({ length: n * n }, (_, j) => {
      const cell = axis === 0 ? j % n : Math.floor(j / n), v = lo + ((hi - lo) * (cell + 0.5)) / n;
      return axis === 0 ? v / hi : -v / hi; // row 0 is the top: y falls down the map
    }));
    if (i === cols.length - 1 && view.grid) {
      const K = view.classes;
      return Array.from({ length: c.units }, (_, k) => Float32Array.from({ length: n * n }, (_, j) => view.grid[j * K + k]));
    }
    return view.maps?.[c.layers.at(-1).name] ?? null;
  }

  const tiles = new Map(); // n -> a scratch canvas for one node's map
  function heat(values, n, classIndex, scale) {
    let tile = tiles.get(n);
    if (!tile) tiles.set(n, (tile = new OffscreenCanvas(n, n)));
    const t = tile.getContext('2d'), img = t.createImageData(n, n);
    if (classIndex >= 0) {
      const c = colors[classIndex % colors.length];
      for (let j = 0; j < n * n; j++) {
        const p = Math.min(1, Math.max(0, values[j]));
        img.data.set([255 + (c[0] - 255) * p, 255 + (c[1] - 255) * p, 255 + (c[2] - 255) * p, 255], 4 * j);
      }
    } else for (let j = 0; j < n * n; j++) diverging(values[j] / scale, img.data, 4 * j);
    t.putImageData(img, 0, 0);
    return tile;
  }

  function drawBlocks(g) {
    cols.forEach((c, i) => {
      const prev = cols[i - 1];
      if (prev && prev.row === c.row) arrow(g, prev, c);
      if (c.skipFrom != null) skipArc(g, cols[c.skipFrom], c);
      const b = c.nodes[0];
      g.fillStyle = '#f6f8fb';
      g.fillRect(b.x, b.y, b.w, b.h);
      g.strokeStyle = '#b3bacb';
      g.lineWidth = 1;
      g.strokeRect(b.x + 0.5, b.y + 0.5, b.w - 1, b.h - 1);
      g.fillStyle = '#1b2333';
      g.fillText(fit(g, title(c), b.w - 6), b.x + 3, b.y + 13);
      g.fillStyle = '#4a5468';
      g.fillText(fit(g, c.shape.join('×'), b.w - 6), b.x + 3, b.y + b.h - 5);
      const box = thumbBox(b);
      const values = i === 0 ? view.x : c.layers.at(-1).out;
      if (values) thumbnail(g, c, values, box, i === cols.length - 1);
    });
  }

  // The picture inside a block (under its name, over its shape) and, for a block of units, the
  // square grid of cells it draws them in: drawing, the selection ring and pointing share them.
  const thumbBox = (n) => ({ x: n.x + 4, y: n.y + 17, w: n.w - 8, h: n.h - 38 });
  function cellGrid(c, n) {
    const b = thumbBox(n), side = Math.ceil(Math.sqrt(c.units));
    return { x: b.x, y: b.y, side, cw: b.w / side };
  }

  // A block's output for the sample: the image or up to four channels of a feature map, a grid
  // of unit cells, or for the output layer the class probabilities as bars.
  function thumbnail(g, c, values, box, last) {
    if (last && c.units) return bars(g, softmax(values), box);
    if (c.shape.length === 3) {
      const [C, H, W] = c.shape, show = Math.min(C, 4), side = show === 1 ? 1 : 2, s = Math.floor(box.w / side);
      for (let ch = 0; ch < show; ch++)
        g.drawImage(image(values.subarray(ch * H * W, (ch + 1) * H * W), W, H), box.x + (ch % side) * s, box.y + Math.floor(ch / side) * s, s - 1, s - 1);
      return;
    }
    const U = values.length, side = Math.ceil(Math.sqrt(U));
    g.drawImage(image(values, side, side), box.x, box.y, box.w, box.w);
  }

  // values as a W x H image: grey levels for outputs that are never negative (bright where the
  // unit responds, as in the feature maps), the diverging map for signed ones
  function image(values, W, H) {
    const tile = new OffscreenCanvas(W, H), t = tile.getContext('2d'), img = t.createImageData(W, H);
    let lo = 0, top = 0;
    for (const v of values) (lo = Math.min(lo, v)), (top = Math.max(top, Math.abs(v)));
    top ||= 1;
    for (let j = 0; j < W * H; j++) {
      if (j >= values.length) { img.data.set([238, 241, 246, 255], 4 * j); continue; }
      if (lo < 0) diverging(values[j] / top, img.data, 4 * j);
      else { const v = (255 * values[j]) / top; img.data.set([v, v, v, 255], 4 * j); }
    }
    t.putImageData(img, 0, 0);
    return tile;
  }

  function bars(g, p, box) {
    const K = p.length, bw = box.w / K, best = p.indexOf(Math.max(...p));
    for (let k = 0; k < K; k++) {
      const h = Math.max(1, p[k] * (box.h - 12));
      g.fillStyle = k === best ? '#2f6fde' : '#b3bacb';
      g.fillRect(box.x + k * bw + 1, box.y + box.h - 12 - h, bw - 2, h);
    }
    g.fillStyle = '#4a5468';
    g.font = '10px system-ui, sans-serif';
    const name = names[best] ?? String(best);
    g.fillText(fit(g, `${name} ${(100 * p[best]).toFixed(0)}%`, box.w), box.x, box.y + box.h);
    g.font = FONT;
  }

  function blockBar(g, c) {
    const b = c.nodes[0];
    g.fillStyle = '#eef1f6';
    g.fillRect(b.x, b.y, b.w, b.h);
    g.save();
    g.translate(b.x + b.w / 2 + 4, b.y + b.h / 2);
    g.rotate(-Math.PI / 2);
    g.fillStyle = '#4a5468';
    g.textAlign = 'center';
    g.fillText(fit(g, `${c.shape.join('×')} values`, b.h - 4), 0, 0);
    g.restore();
  }

  function arrow(g, a, b) {
    const ay = mode === 'units' ? height / 2 + 8 : a.nodes[0].y + a.nodes[0].h / 2, x0 = a.x + a.w + 2, x1 = b.x - 2;
    g.strokeStyle = '#8a93a6';
    g.fillStyle = '#8a93a6';
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(x0, ay);
    g.lineTo(x1 - 5, ay);
    g.stroke();
    g.beginPath();
    g.moveTo(x1, ay);
    g.lineTo(x1 - 6, ay - 4);
    g.lineTo(x1 - 6, ay + 4);
    g.fill();
  }

  // a residual block's shortcut: from the column before the block, over it, into the sum
  function skipArc(g, a, b) {
    const A = a.nodes[0], B = b.nodes[0], x0 = a.x + a.w / 2, x1 = b.x + b.w / 2, y0 = A.y - 2, y1 = B.y - 2;
    g.strokeStyle = '#2f6fde';
    g.lineWidth = 1.5;
    g.setLineDash([4, 3]);
    g.beginPath();
    g.moveTo(x0, y0);
    g.bezierCurveTo(x0, y0 - 14, x1, y1 - 14, x1, y1);
    g.stroke();
    g.setLineDash([]);
  }

  // a column's name over it, kept inside the canvas (the last column's sits at the right edge)
  function label(g, c, x, y) {
    g.fillStyle = '#4a5468';
    const text = fit(g, title(c), Math.max(c.w + 24, 40));
    g.fillText(text, Math.max(0, Math.min(x, width - g.measureText(text).width - 1)), y);
  }

  // --- what a column and a unit are, in words ---------------------------------------------
  function title(c) {
    if (!c.layers.length) return 'input';
    if (c === cols.at(-1)) return 'output';
    return c.layers.map(short).join(' + ');
  }
  function short(l) {
    const o = l.options ?? {}, act = o.activation && o.activation !== 'linear' ? ` ${o.activation}` : '';
    switch (l.type) {
      case 'dense': return `dense${act}`;
      case 'conv2d': return `conv ${o.kernel ?? ''}${o.kernel ? '×' + o.kernel : ''}${o.stride > 1 ? '/' + o.stride : ''}${act}`;
      case 'maxPool2d': return 'max pool';
      case 'avgPool2d': return 'avg pool';
      case 'globalAvgPool': return 'global avg';
      case 'residual': return `add${act}`;
      case 'batchNorm': return 'batch norm';
      case 'activation': return o.activation ?? 'activation';
      default: return `${l.type}${act}`;
    }
  }

  function describe() {
    const sel = hover ?? pinned;
    template.hidden = true;
    root.dataset.selected = sel ? `${sel.col}:${sel.unit}` : '';
    if (!net) return void (infoText.textContent = '');
    if (!sel || !cols[sel.col]) {
      infoText.textContent = mode === 'units'
        ? 'Each square is a unit’s output over the plane (red positive, blue negative); each line a weight (red positive, blue negative, thicker for larger). Point at a unit, or focus the drawing and use the arrow keys, to read its incoming weights.'
        : 'Each block is a layer with its output shape, showing its output for the last image drawn or inspected. Point at a block or a unit, or focus the drawing and use the arrow keys, to read about it.';
      return;
    }
    const c = cols[sel.col], i = sel.col;
    if (i === 0) {
      infoText.textContent = mode === 'units' ? `input ${sel.unit === 0 ? 'x: the horizontal' : 'y: the vertical'} coordinate of a point, the value the network starts from.` : `input: the image, ${c.shape.join('×')} values.`;
      return;
    }
    const prev = cols[i - 1], k = kernelOf(c, prev), main = c.layers[0], params = c.layers.reduce((a, l) => a + l.params, 0);
    const head = `${c.layers.map((l) => l.name).join(' + ')} (${title(c)}): output ${c.shape.join('×')}, ${params.toLocaleString()} parameters.`;
    if (c.kind === 'units' || (k && c.units)) {
      const u = sel.unit, unit = i === cols.length - 1 ? `class ${names[u] ?? u + 1}` : `unit ${u + 1}`;
      if (!k) return void (infoText.textContent = `${head} ${unit}: ${main.type === 'residual' ? 'the sum of the block’s output and its input, unit by unit.' : 'no weights of its own to draw.'}`);
      const [P, U] = k.shape, w = Array.from({ length: P }, (_, p) => ({ p, w: k.values[p * U + u] }));
      const bias = main.bias ? ` Bias ${fmt(main.bias[u])}.` : '';
      if (P === product(net.input) && net.input.length === 3) {
        showTemplate(w.map((e) => e.w), net.input);
        infoText.textContent = `${unit} of ${main.name}: its ${P} incoming weights, one per pixel (left: red excites it, blue inhibits it).${bias}`;
        return;
      }
      const from = (p) => (i === 1 && mode === 'units' ? (p === 0 ? 'x' : 'y') : `${prev.name === 'input' ? 'input' : 'unit'} ${p + 1}`);
      const top = w.sort((a, b) => Math.abs(b.w) - Math.abs(a.w)).slice(0, 8);
      infoText.textContent = `${unit} of ${main.name}: incoming weights ${top.map((e) => `from ${from(e.p)} ${fmt(e.w)}`).join(', ')}${P > 8 ? `, and ${P - 8} smaller` : ''}.${bias}`;
      return;
    }
    const out = c.layers.at(-1).out;
    infoText.textContent = out ? `${head} For this image its outputs run from ${fmt(Math.min(...out))} to ${fmt(Math.max(...out))}.` : head;
  }

  function showTemplate(w, [C, H, W]) {
    const top = maxAbs(w) || 1, t = fitCanvas(template, 84, 84), img = new ImageData(W, H);
    for (let j = 0; j < H * W; j++) diverging(w[j] / top, img.data, 4 * j); // first channel
    const tile = new OffscreenCanvas(W, H);
    tile.getContext('2d').putImageData(img, 0, 0);
    t.imageSmoothingEnabled = false;
    t.drawImage(tile, 0, 0, 84, 84);
    template.hidden = false;
  }

  // the dense kernel feeding column c, when it connects the whole of the column before it
  function kernelOf(c, prev) {
    const l = c.layers[0];
    if (l.type !== 'dense' || !l.kernel) return null;
    const [P] = l.kernelShape;
    return P === (prev.units || product(prev.shape)) ? { shape: l.kernelShape, values: l.kernel } : null;
  }

  // --- pointing -----------------------------------------------------------------------------
  // How many units of block column i can be pointed at: those of a dense layer with its weights
  // at hand (not the output's, drawn as bars); a block is otherwise one thing.
  function unitsIn(i) {
    const c = cols[i];
    if (c.kind === 'units') return c.nodes.length;
    return i > 0 && i < cols.length - 1 && c.units && kernelOf(c, cols[i - 1]) ? c.units : 1;
  }

  function hit(x, y) {
    for (let i = 0; i < cols.length; i++)
      for (let u = 0; u < cols[i].nodes.length; u++) {
        const n = cols[i].nodes[u];
        if (x >= n.x - 2 && x <= n.x + n.w + 2 && y >= n.y - 2 && y <= n.y + n.h + 2) {
          // a block of units: the unit under the pointer in its thumbnail's grid
          if (mode === 'blocks' && unitsIn(i) > 1) {
            const grid = cellGrid(cols[i], n), { side, cw } = grid;
            const cx = Math.floor((x - grid.x) / cw), cy = Math.floor((y - grid.y) / cw);
            const unit = cy * side + cx;
            return { col: i, unit: cx >= 0 && cy >= 0 && cx < side && unit < cols[i].units ? unit : 0 };
          }
          return { col: i, unit: u };
        }
      }
    return null;
  }
  const at = (e) => { const r = canvas.getBoundingClientRect(); return hit(e.clientX - r.left, e.clientY - r.top); };
  const sameSel = (a, b) => a?.col === b?.col && a?.unit === b?.unit;
  canvas.addEventListener('pointermove', (e) => {
    if (e.pointerType !== 'mouse') return;
    const h = at(e);
    if (!sameSel(h, hover)) (hover = h), draw();
  });
  canvas.addEventListener('pointerleave', () => hover && ((hover = null), draw()));
  canvas.addEventListener('click', (e) => {
    const h = at(e);
    pinned = h && !sameSel(h, pinned) ? h : null;
    draw();
  });
  canvas.addEventListener('keydown', (e) => {
    const sel = hover ?? pinned ?? { col: 0, unit: -1 }, keys = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };
    if (e.key === 'Escape') return void ((pinned = hover = null), draw());
    const d = keys[e.key];
    if (!d || !cols.length) return;
    e.preventDefault();
    const col = Math.max(0, Math.min(cols.length - 1, sel.col + d[0]));
    const count = cols[col].kind === 'units' ? cols[col].nodes.length : unitsIn(col);
    const unit = Math.max(0, Math.min(count - 1, d[0] ? Math.min(Math.max(sel.unit, 0), count - 1) : sel.unit + d[1]));
    pinned = { col, unit };
    hover = null;
    draw();
  });

  return {
    update(next, v = {}) {
      const nextMode = next.input.length === 1 && v.gridSize ? 'units' : 'blocks';
      const shapeKey = (n) => `${nextMode}|${n.input}|${n.layers.map((l) => `${l.name}:${l.type}:${l.shape}`).join(',')}`;
      const changed = !net || shapeKey(next) !== shapeKey(net) || nextMode !== mode;
      (net = next), (view = v), (mode = nextMode);
      // (the columns hold this update's layers, with their weights and outputs)
      cols = columnsOf(net);
      if (changed) pinned = hover = null;
      layout();
      draw();
    },
    setClasses(list) { names = list; draw(); },
    clear() {
      net = null; cols = []; pinned = hover = null;
      fitCanvas(canvas, width || 1, 1);
      describe();
    },
    destroy() { stop(); root.remove(); },
  };
}

const same = (a, b) => a.length === b.length && a.every((d, i) => d === b[i]);
const product = (shape) => shape.reduce((a, d) => a * d, 1);
const fmt = (v) => (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(Math.abs(v) >= 10 ? 1 : 2);
function maxAbs(values) {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}
function softmax(z) {
  const m = Math.max(...z), e = Array.from(z, (v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function rgba(t, alpha) {
  const px = new Uint8ClampedArray(4);
  diverging(Math.sign(t) * Math.max(0.35, Math.abs(t)), px, 0); // faint weights keep a visible hue
  return `rgba(${px[0]},${px[1]},${px[2]},${alpha})`;
}
// text cut to fit `max` px, with an ellipsis
function fit(g, text, max) {
  if (g.measureText(text).width <= max) return text;
  let s = text;
  while (s.length > 1 && g.measureText(`${s}…`).width > max) s = s.slice(0, -1);
  return `${s}…`;
}
