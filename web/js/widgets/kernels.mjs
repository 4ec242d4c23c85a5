// kernels.mjs: hand-set 3 × 3 kernels on one MNIST digit. The engine's conv2d slides the kernel over
// the digit (cross-correlation: no flip, as deep-learning libraries do), a pooling layer shrinks
// the result, and a second conv2d with two filters (Sobel x and Sobel y: two output channels)
// feeds a 1 × 1 convolution whose two weights mix those channels at every pixel. Every map drawn
// is a value the engine computed; only the digit's bytes are read here, from the test set's file
// (image-sets.mjs: one download per page, usable from its start).
import { image } from './image-sets.mjs';
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';
import { panelRow, panel, paintGrid, signedColor, inkColor, maxAbs, short } from './conv-grids.mjs';

const SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1], SOBEL_Y = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
const KERNELS = {
  identity: [0, 0, 0, 0, 1, 0, 0, 0, 0],
  box: new Array(9).fill(1 / 9),
  gaussian: [1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16),
  sharpen: [0, -1, 0, -1, 5, -1, 0, -1, 0],
  'sobel-x': SOBEL_X,
  'sobel-y': SOBEL_Y,
  laplacian: [0, 1, 0, 1, -4, 1, 0, 1, 0],
};
const KERNEL_LABELS = { identity: 'identity', box: 'box blur (mean of 9)', gaussian: 'Gaussian blur', sharpen: 'sharpen', 'sobel-x': 'Sobel x (left-right change)', 'sobel-y': 'Sobel y (top-bottom change)', laplacian: 'Laplacian edge', custom: 'custom (edit the 9 weights)' };
const SHOWN_OVER = { box: 9, gaussian: 16 }; // (blurs read better as whole numbers over a divisor)
const CUSTOM = [-2, -1, 0, -1, 1, 1, 0, 1, 2]; // (an emboss, until a learner types their own)
const TAPS = [11, 12, 13, 21, 22, 23, 31, 32, 33].map((rc) => `w${rc}`);

export default {
  kind: 'kernels',
  title: 'Kernels, pooling and 1 × 1 convolutions',
  lede: 'A 3 × 3 kernel slides over a handwritten digit; each output pixel is the sum of the 9 pixels under it times the kernel\'s weights. Pick a kernel or type your own, then pool the result, and mix two edge maps with a 1 × 1 convolution.',
  topic: 'Convolution',
  params: [
    { name: 'digit', type: 'int', min: 0, max: 9999, default: 0, label: 'Digit (index in the MNIST test set)', control: 'number' },
    { name: 'kernel', type: 'enum', values: [...Object.keys(KERNELS), 'custom'], default: 'sobel-x', label: 'Kernel', control: 'select', labels: KERNEL_LABELS },
    ...TAPS.map((name, i) => ({ name, type: 'number', min: -10, max: 10, step: 0.1, default: CUSTOM[i], label: `w(${name[1]},${name[2]})`, control: 'number', when: (s) => s.kernel === 'custom' })),
    { name: 'padding', type: 'enum', values: ['same', 'valid'], default: 'same', label: 'Padding', control: 'select', labels: { same: 'same (28 × 28 out)', valid: 'valid (26 × 26 out)' } },
    { name: 'pool', type: 'enum', values: ['max', 'avg', 'global'], default: 'max', label: 'Pooling', control: 'select', labels: { max: 'max pooling', avg: 'average pooling', global: 'global average pooling' } },
    { name: 'size', type: 'int', min: 2, max: 3, default: 2, label: 'Pool window (stride = window)', control: 'range', when: (s) => s.pool !== 'global' },
    { name: 'mix', type: 'enum', values: ['angle', 'weights'], default: 'angle', label: '1 × 1 weights', control: 'select', labels: { angle: 'by direction: cos θ, sin θ', weights: 'typed: a, b' } },
    { name: 'angle', type: 'int', min: 0, max: 345, step: 15, default: 45, label: 'Direction θ (degrees)', control: 'range', when: (s) => s.mix === 'angle' },
    { name: 'a', type: 'number', min: -3, max: 3, step: 0.1, default: 1, label: 'Weight a (on the Sobel x channel)', control: 'number', when: (s) => s.mix === 'weights' },
    { name: 'b', type: 'number', min: -3, max: 3, step: 0.1, default: 1, label: 'Weight b (on the Sobel y channel)', control: 'number', when: (s) => s.mix === 'weights' },
  ],
  parts: ['conv', 'pool', 'mix'],

  async create(w) {
    const { engine } = w;
    const convBox = w.figure('conv', 'The digit, the kernel and the engine\'s output (red positive, blue negative, white zero)', { wide: true });
    const convRow = panelRow(convBox), inPanel = panel(convRow, 'Input'), kPanel = panel(convRow, 'Kernel'), outPanel = panel(convRow, 'Output');
    const poolBox = w.figure('pool', 'Pooling the output: one value per window (the grid lines)', { wide: true });
    const poolRow = panelRow(poolBox), gridPanel = panel(poolRow, 'Output with the windows'), poolPanel = panel(poolRow, 'Pooled');
    const mixBox = w.figure('mix', 'A conv layer with two filters gives two channels; a 1 × 1 convolution mixes them pixel by pixel', { wide: true });
    const mixRow = panelRow(mixBox), gxPanel = panel(mixRow, 'Channel 1: Sobel x'), gyPanel = panel(mixRow, 'Channel 2: Sobel y'), mixPanel = panel(mixRow, '1 × 1 mix');
    const mixText = document.createElement('p');
    mixText.className = 'dl-formula';
    mixBox.append(mixText);
    const customGrid = groupCustomTaps(w.root);
    let width = 0, digit = null, view = null, asked = 0;
    const stopWatch = watchWidth(convBox, (px) => ((width = px), draw()));

    // the kernel's weights in the engine's order (row by row)
    const kernel = () => (w.state.kernel === 'custom' ? TAPS.map((t) => w.state[t]) : KERNELS[w.state.kernel]);
    const mixWeights = () => {
      const s = w.state, th = (s.angle * Math.PI) / 180;
      return s.mix === 'angle' ? [Math.cos(th), Math.sin(th)] : [s.a, s.b];
    };

    // the three stages as one graph: conv -> pool, and conv (2 filters) -> 1 x 1 conv
    function compute() {
      const s = w.state, mode = s.padding === 'valid' ? 1 : 2, g = engine.graph(s.seed);
      const conv = (x, k) => g.op('conv2d', [x, k], { ints: [1, 1, 0, 0, 0, 0, mode, 0, 0, 1, 1] });
      try {
        const x = g.input('x', [1, 28, 28]), K = g.param('kernel', [1, 1, 3, 3]);
        const y = conv(x, K);
        const z = s.size, p = s.pool === 'global' ? g.op('global_avgpool', [y]) : g.op(s.pool === 'max' ? 'maxpool2d' : 'avgpool2d', [y], { ints: [z, z, z, z, 0, 0, 0, 0, 1] });
        const S = g.param('sobel', [2, 1, 3, 3]), edges = conv(x, S);
        const M = g.param('mix', [1, 2, 1, 1]), m = g.op('conv2d', [edges, M], { ints: [1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1] });
        g.plan(1).setBatch(1);
        g.setValue(x, digit.x).setValue(K, kernel()).setValue(S, [...SOBEL_X, ...SOBEL_Y]).setValue(M, mixWeights());
        const read = (node) => ({ shape: g.shape(node).shape.slice(2), values: g.forward(node).value(node) });
        const out = read(y), pooled = read(p), both = read(edges), n = both.values.length / 2;
        return { out, pooled, gx: both.values.slice(0, n), gy: both.values.slice(n), shape: both.shape, mixed: read(m).values, error: null };
      } catch (e) {
        return { error: e.message };
      } finally {
        g.dispose();
      }
    }

    async function loadAndCompute() {
      const ask = ++asked;
      w.status(`Loading digit ${w.state.digit}…`);
      try {
        const d = await image('mnist-test', w.state.digit);
        if (ask !== asked) return;
        digit = d;
        w.status('');
      } catch (e) {
        if (ask === asked) w.status(`The digit could not be loaded: ${e.message}`, true);
        return;
      }
      view = compute();
      draw();
    }

    function draw() {
      customGrid.hidden = w.state.kernel !== 'custom';
      if (!view) return;
      if (view.error) return w.summary(`The engine refused: ${view.error}`), w.status(view.error, true);
      const s = w.state, { out, pooled } = view, [H, W] = out.shape, k = kernel(), [a, b] = mixWeights();
      const range = maxAbs(out.values), lo = Math.min(...out.values), hi = Math.max(...out.values);
      const poolName = s.pool === 'global' ? 'global average pooling' : `${s.pool === 'max' ? 'max' : 'average'} pooling ${s.size} × ${s.size}, stride ${s.size}`;
      const pooledText = s.pool === 'global' ? `one number, ${short(pooled.values[0])}` : `${pooled.shape[0]} × ${pooled.shape[1]}`;
      mixText.textContent = `out = a · gx + b · gy = ${short(a)} · gx + ${short(b)} · gy${s.mix === 'angle' ? `   (a = cos ${s.angle}°, b = sin ${s.angle}°: the change along that direction)` : ''}`;
      w.summary(`Digit ${s.digit} (a ${digit.label}); ${KERNEL_LABELS[s.kernel].replace(/ \(.*/, '')} kernel, ${s.padding} padding: ${H} × ${W} output from ${short(lo)} to ${short(hi)}. ` +
        `After ${poolName}: ${pooledText}. 1 × 1 convolution ${short(a)} · gx + ${short(b)} · gy: from ${short(Math.min(...view.mixed))} to ${short(Math.max(...view.mixed))}.`);
      if (!width) return;
      // three maps across when there is room, two on a phone
      const cell = width < 560 ? Math.max(3, Math.floor((width - 20) / 56)) : Math.min(7, Math.floor((width - 40) / 84));
      paintGrid(inPanel.canvas, { rows: 28, cols: 28, cell, fill: (i) => inkColor(digit.x[i]) });
      inPanel.head.textContent = `Input: digit ${s.digit}, a ${digit.label}`;
      inPanel.canvas.setAttribute('aria-label', `digit ${s.digit}, a handwritten ${digit.label}, 28 by 28 pixels`);
      const over = SHOWN_OVER[s.kernel] ?? 1;
      kPanel.head.textContent = over > 1 ? `Kernel (× 1/${over})` : 'Kernel';
      drawKernel(kPanel.canvas, k, over);
      paintGrid(outPanel.canvas, { rows: H, cols: W, cell, fill: (i) => signedColor(out.values[i], range) });
      outPanel.head.textContent = `Output ${H} × ${W} (±${short(range)})`;
      outPanel.canvas.setAttribute('aria-label', `the ${H} by ${W} output, from ${short(lo)} to ${short(hi)}`);
      // pooling: the windows over the output, and one cell per window at the same scale
      const z = s.pool === 'global' ? Math.max(H, W) : s.size;
      paintGrid(gridPanel.canvas, { rows: H, cols: W, cell, fill: (i) => signedColor(out.values[i], range), lines: s.pool === 'global' ? 0 : z });
      gridPanel.canvas.setAttribute('aria-label', `the output cut into ${s.pool === 'global' ? 'one window' : `${z} by ${z} windows`}`);
      const [ph, pw] = s.pool === 'global' ? [1, 1] : pooled.shape;
      const pctx = paintGrid(poolPanel.canvas, { rows: ph, cols: pw, cell: cell * (s.pool === 'global' ? Math.min(H, 12) : z), fill: (i) => signedColor(pooled.values[i], range) });
      if (s.pool === 'global') {
        pctx.fillStyle = '#1d2330';
        pctx.font = '13px system-ui, sans-serif';
        pctx.textAlign = 'center';
        pctx.textBaseline = 'middle';
        pctx.fillText(short(pooled.values[0]), 1 + (cell * Math.min(H, 12)) / 2, 1 + (cell * Math.min(H, 12)) / 2);
      }
      poolPanel.head.textContent = `${s.pool === 'max' ? 'Max' : 'Average'}${s.pool === 'global' ? ' of all' : ''}: ${pooledText}`;
      poolPanel.canvas.setAttribute('aria-label', `${poolName}: ${pooledText}`);
      // the two channels and their mix, each on its own scale
      const [EH, EW] = view.shape, er = maxAbs([...view.gx, ...view.gy]), mr = maxAbs(view.mixed);
      paintGrid(gxPanel.canvas, { rows: EH, cols: EW, cell, fill: (i) => signedColor(view.gx[i], er) });
      paintGrid(gyPanel.canvas, { rows: EH, cols: EW, cell, fill: (i) => signedColor(view.gy[i], er) });
      paintGrid(mixPanel.canvas, { rows: EH, cols: EW, cell, fill: (i) => signedColor(view.mixed[i], mr) });
      gxPanel.canvas.setAttribute('aria-label', `Sobel x channel, from ${short(Math.min(...view.gx))} to ${short(Math.max(...view.gx))}`);
      gyPanel.canvas.setAttribute('aria-label', `Sobel y channel, from ${short(Math.min(...view.gy))} to ${short(Math.max(...view.gy))}`);
      mixPanel.head.textContent = `${short(a)} · gx + ${short(b)} · gy (±${short(mr)})`;
      mixPanel.canvas.setAttribute('aria-label', `the mix ${short(a)} gx + ${short(b)} gy, from ${short(Math.min(...view.mixed))} to ${short(Math.max(...view.mixed))}`);
    }

    await loadAndCompute();
    return {
      update(name) {
        if (name === 'digit') return void loadAndCompute();
        if (digit) view = compute();
        draw();
      },
      results: () => (!view || view.error ? { error: view?.error ?? 'loading' } : {
        digit: w.state.digit, label: digit.label, input: [...digit.x], kernel: [...kernel()], padding: w.state.padding,
        conv: { shape: view.out.shape, values: [...view.out.values] },
        pool: { type: w.state.pool, size: w.state.size, shape: view.pooled.shape, values: [...view.pooled.values] },
        sobel: { shape: view.shape, gx: [...view.gx], gy: [...view.gy] },
        mix: { weights: mixWeights(), values: [...view.mixed] },
      }),
      destroy: () => stopWatch(),
    };
  },
};

// The kernel's 9 weights as numbers in coloured cells, times `over` (its aria-label lists them row by row).
function drawKernel(canvas, k, over) {
  const cell = 34, size = 3 * cell + 2, ctx = fitCanvas(canvas, size, size), range = maxAbs(k);
  ctx.clearRect(0, 0, size, size);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < 9; i++) {
    const r = Math.floor(i / 3), c = i % 3, [R, G, B] = signedColor(k[i], range);
    ctx.fillStyle = `rgb(${R}, ${G}, ${B})`;
    ctx.fillRect(1 + c * cell, 1 + r * cell, cell - 1, cell - 1);
    ctx.strokeStyle = '#d5d9e0';
    ctx.strokeRect(1.5 + c * cell, 1.5 + r * cell, cell - 2, cell - 2);
    // dark text on pale cells, white on the saturated ends of the map
    ctx.fillStyle = range && Math.abs(k[i]) / range > 0.6 ? '#fff' : '#1d2330';
    ctx.fillText(short(k[i] * over), 1 + c * cell + cell / 2, 1 + r * cell + cell / 2);
  }
  const rows = [0, 1, 2].map((r) => k.slice(3 * r, 3 * r + 3).map((v) => short(v * over)).join(', '));
  canvas.setAttribute('aria-label', `the kernel, row by row${over > 1 ? `, times 1/${over}` : ''}: ${rows.join('; ')}`);
}

// The custom kernel's 9 fields, which the frame lays out one under another, as a 3 x 3 block.
function groupCustomTaps(root) {
  const set = document.createElement('fieldset'), legend = document.createElement('legend');
  legend.textContent = 'Custom kernel, row by row';
  set.className = 'dl-control checks';
  Object.assign(set.style, { gridTemplateColumns: 'repeat(3, minmax(0, 1fr))' });
  set.append(legend);
  const first = root.querySelector(`[data-control="${TAPS[0]}"]`);
  first.before(set);
  for (const t of TAPS) {
    const label = root.querySelector(`[data-control="${t}"]`);
    Object.assign(label.querySelector('input').style, { width: '100%', boxSizing: 'border-box' });
    label.style.minWidth = '0';
    set.append(label);
  }
  return set;
}
