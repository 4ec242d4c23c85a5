// conv-arithmetic.mjs: the sizes of a convolution. The engine builds the convolution (conv2d, or
// conv2d_transpose) on an input of the chosen size and says its output size and its padding;
// the window steps over the padded input as the output fills, and the formula is written out
// with the numbers. The input holds 1, 2, 3, ... and the kernel all ones, so each output value
// (the engine's forward pass) is the sum of the cells under the window: easy to check by eye.
import { fitCanvas, watchWidth } from '../components/hidpi.mjs';

const PADDINGS = ['valid', 'same', 'full', 'explicit'];

export default {
  kind: 'conv-arithmetic',
  title: 'Convolution arithmetic',
  lede: 'A kernel slides over the input (grey: padding). Change the sizes, padding, stride and dilation and the engine works out the output; the formula below shows how.',
  topic: 'Convolution',
  params: [
    { name: 'input', type: 'int', min: 2, max: 16, default: 7, label: 'Input size (n × n)', control: 'range' },
    { name: 'kernel', type: 'int', min: 1, max: 7, default: 3, label: 'Kernel size k', control: 'range' },
    { name: 'padding', type: 'enum', values: PADDINGS, default: 'valid', label: 'Padding', control: 'select', labels: { valid: 'valid (none)', same: 'same (output n / s, rounded up)', full: 'full (d(k − 1) on each side)', explicit: 'explicit (p on each side)' } },
    { name: 'pad', type: 'int', min: 0, max: 6, default: 1, label: 'p (explicit padding)', control: 'range', when: (s) => s.padding === 'explicit' },
    { name: 'stride', type: 'int', min: 1, max: 4, default: 1, label: 'Stride s', control: 'range' },
    { name: 'dilation', type: 'int', min: 1, max: 4, default: 1, label: 'Dilation d', control: 'range', when: (s) => !s.transposed },
    { name: 'transposed', type: 'bool', default: false, label: 'Transposed convolution (upsampling)', control: 'check' },
    { name: 'speed', type: 'int', min: 1, max: 20, default: 3, label: 'Steps per second', control: 'range' },
  ],
  parts: ['grids', 'formula', 'play'],

  create(w) {
    const { engine } = w;
    const { box, canvas } = w.canvasFigure('grids', 'Left: the input with its padding and the window; right: the output, the current cell outlined', { wide: true });
    const formula = w.figure('formula', 'The output size', { wide: true });
    formula.className = 'dl-formula';
    const play = w.button('play', 'Pause', () => (loop.on ? loop.stop() : loop.start()), { secondary: false });
    let geo = null, width = 0, at = 0, wait = 0;
    const stopWatch = watchWidth(box, (px) => ((width = px), draw()));
    const loop = w.loop((dt) => {
      wait += dt;
      if (wait < 1000 / w.state.speed) return;
      wait = 0;
      at = (at + 1) % (geo.OH * geo.OW);
      draw();
    }, { onStop: () => (play.textContent = 'Play') });

    // the engine's convolution of a 1 x n x n input: its output size, pads and values
    function build() {
      const s = w.state, n = s.input, k = s.kernel, d = s.transposed ? 1 : s.dilation, span = d * (k - 1) + 1;
      const mode = s.padding === 'valid' ? 1 : s.padding === 'same' ? 2 : 0;
      const p = s.padding === 'full' ? span - 1 : s.padding === 'explicit' ? s.pad : 0;
      const g = engine.graph(s.seed);
      try {
        const x = g.input('x', [1, n, n]), kern = g.param('w', [1, 1, k, k]);
        const attrs = [s.stride, s.stride, p, p, p, p, mode, 0, 0, ...(s.transposed ? [] : [d, d])];
        const y = g.op(s.transposed ? 'conv2d_transpose' : 'conv2d', [x, kern], { ints: attrs });
        g.plan(1).setBatch(1);
        g.setValue(x, Float32Array.from({ length: n * n }, (_, i) => i + 1)).setValue(kern, new Float32Array(k * k).fill(1));
        g.forward(y);
        const [, , OH, OW] = g.shape(y).shape;
        // the pads as the engine resolved them ('same' from the output size it gave), in total and at the top-left
        const total = s.transposed ? 0 : s.padding === 'same' ? Math.max(0, (OH - 1) * s.stride + span - n) : 2 * p;
        const pt = s.transposed ? p : s.padding === 'same' ? Math.floor(total / 2) : p;
        return { n, k, d, span, p, pt, total, mode, OH, OW, values: g.value(y), error: null };
      } catch (e) {
        return { n, k, d, span, p, mode, error: e.message };
      } finally {
        g.dispose();
      }
    }

    function draw() {
      if (!geo) return;
      const s = w.state, { n, OH, OW } = geo;
      if (geo.error) {
        if (width) fitCanvas(canvas, width, 40).clearRect(0, 0, width, 40);
        canvas.setAttribute('aria-label', 'no output');
        formula.textContent = `The engine refuses this convolution: ${geo.error}`;
        w.summary(`No output: ${geo.error}`);
        return;
      }
      describe();
      if (!width) return;
      const { pt, total } = geo, grid = s.transposed ? n : n + total, outGrid = Math.max(OH, OW);
      const cell = Math.max(8, Math.min(30, Math.floor((width - 40) / (grid + outGrid + 1))));
      const h = cell * Math.max(grid, outGrid) + 20, ctx = fitCanvas(canvas, width, h);
      ctx.clearRect(0, 0, width, h);
      ctx.font = `${Math.max(9, Math.min(12, cell * 0.45))}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const oh = Math.floor(at / OW) % OH, ow = at % OW;
      // input (with padding) on the left
      for (let r = 0; r < grid; r++)
        for (let c = 0; c < grid; c++) {
          const ir = s.transposed ? r : r - pt, ic = s.transposed ? c : c - pt, inside = ir >= 0 && ir < n && ic >= 0 && ic < n;
          ctx.fillStyle = inside ? '#eef3fc' : '#d5d9e0';
          ctx.fillRect(c * cell, r * cell, cell - 1, cell - 1);
          if (inside && cell >= 16) {
            ctx.fillStyle = '#1d2330';
            ctx.fillText(String(ir * n + ic + 1), c * cell + cell / 2, r * cell + cell / 2);
          }
        }
      if (!s.transposed) { // the window's taps at this output cell
        ctx.strokeStyle = '#c2410c';
        ctx.lineWidth = 2;
        for (let i = 0; i < s.kernel; i++)
          for (let j = 0; j < s.kernel; j++) ctx.strokeRect((ow * s.stride + j * geo.d) * cell + 1, (oh * s.stride + i * geo.d) * cell + 1, cell - 3, cell - 3);
      }
      // output on the right
      const x0 = (grid + 1) * cell;
      for (let r = 0; r < OH; r++)
        for (let c = 0; c < OW; c++) {
          ctx.fillStyle = r * OW + c <= at ? '#fde2cf' : '#f4f5f8';
          ctx.fillRect(x0 + c * cell, r * cell, cell - 1, cell - 1);
          if (cell >= 16 && r * OW + c <= at) {
            ctx.fillStyle = '#1d2330';
            ctx.fillText(String(Math.round(geo.values[r * OW + c])), x0 + c * cell + cell / 2, r * cell + cell / 2);
          }
        }
      ctx.strokeStyle = '#c2410c';
      ctx.strokeRect(x0 + ow * cell + 1, oh * cell + 1, cell - 3, cell - 3);
      canvas.setAttribute('aria-label', `a ${n} by ${n} input and a ${OH} by ${OW} output`);
    }

    // the formula and the key numbers as text (whether or not the canvas has a width yet)
    function describe() {
      const s = w.state, { n, span, OH, OW, total } = geo, oh = Math.floor(at / OW) % OH, ow = at % OW;
      formula.textContent = s.transposed
        ? `Transposed: out = (n − 1) · s − 2p + k = (${n} − 1) · ${s.stride} − ${2 * geo.p} + ${s.kernel} = ${OH}${s.padding === 'same' ? ` (same: n · s = ${n * s.stride})` : ''}`
        : `out = ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(${n} + ${total} − ${geo.d}·${s.kernel - 1} − 1) / ${s.stride}⌋ + 1 = ${OH}` +
          (s.padding === 'same' ? `   (same: p in total = ${total}, so out = ⌈n / s⌉ = ${Math.ceil(n / s.stride)})` : '');
      const value = Math.round(geo.values[oh * OW + ow]);
      w.summary(`${n}×${n} input, ${s.kernel}×${s.kernel} kernel${geo.d > 1 ? ` at dilation ${geo.d} (spans ${span})` : ''}, ${s.padding} padding, stride ${s.stride}${s.transposed ? ', transposed' : ''}: output ${OH}×${OW}. Output cell (${oh + 1}, ${ow + 1}) = ${value}${s.transposed ? '' : ', the sum of the input cells under the window'}.`);
    }

    function update() {
      geo = build();
      at = 0;
      draw();
    }
    update();
    loop.start();
    return {
      update,
      start: () => loop.start(),
      stop: () => loop.stop(),
      results: () => (geo.error ? { error: geo.error } : { out: [geo.OH, geo.OW], values: [...geo.values], pads: geo.p, span: geo.span }),
      destroy: () => stopWatch(),
    };
  },
};
