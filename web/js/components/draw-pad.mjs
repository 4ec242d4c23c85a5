// draw-pad.mjs: a pad to draw a digit on, and the MNIST-style conversion of the drawing to 28x28.
// MNIST digits were size-normalized to a 20x20 box and centred by centre of mass in a 28x28
// frame; a model trained on them misreads a raw downscaled drawing, so toMnist repeats those steps.

/**
 * A square drawing pad (white ink on black, round caps) with a Clear button.
 * @param {HTMLElement} container
 * @param {{size?: number, lineWidth?: number, onChange?: (image28: Float32Array, info: {empty: boolean}) => void}} options
 *   size is the CSS size in px (the pad shrinks to fit narrower containers); lineWidth is in the
 *   same units. onChange gets the MNIST-style 28x28 image, ~30 times a second while drawing,
 *   at the end of each stroke and after Clear (then all zeros with info.empty true).
 * @returns {{clear(): void, getImage(): Float32Array, setSubject(what: string): void, destroy(): void}}
 *   setSubject('a piece of clothing') changes what the hint and the pad's label ask for.
 * @example
 * const pad = createDrawPad(el, { onChange: (img) => bars.update(model.predict(img)) });
 * pad.getImage(); // Float32Array(784) in [0, 1]
 */
export function createDrawPad(container, { size = 280, onChange, lineWidth = 18 } = {}) {
  const root = document.createElement('div');
  root.className = 'dp';
  root.style.setProperty('--dp-size', `${size}px`);
  const canvas = document.createElement('canvas');
  canvas.className = 'dp-canvas';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Drawing pad: draw a digit with the mouse, a finger or a pen; it is read as a 28 by 28 image');
  const controls = document.createElement('div');
  controls.className = 'dp-controls';
  const clearButton = document.createElement('button');
  clearButton.type = 'button';
  clearButton.className = 'dp-clear';
  clearButton.textContent = 'Clear';
  controls.append(clearButton);
  // The hint sits over the pad until the first stroke; aria-hidden as the canvas label says it.
  const stage = document.createElement('div');
  stage.className = 'dp-stage';
  const hint = document.createElement('span');
  hint.className = 'dp-hint';
  hint.setAttribute('aria-hidden', 'true');
  hint.textContent = 'draw a digit here';
  stage.append(canvas, hint);
  root.append(stage, controls);
  container.append(root);

  // The backing store is fixed at creation: resizing a canvas erases it, and CSS scaling to a
  // narrower phone layout only needs the pointer mapping below to follow.
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  canvas.width = canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.scale(canvas.width / size, canvas.height / size);

  let inked = false, drawing = false, last = null, lastEmit = 0, timer = 0;

  function clearCanvas() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, size, size);
    inked = false;
    hint.hidden = false;
  }

  function pos(clientX, clientY) {
    const r = canvas.getBoundingClientRect();
    return { x: ((clientX - r.left) / r.width) * size, y: ((clientY - r.top) / r.height) * size };
  }

  function segment(a, b) {
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = lineWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    if (a.x === b.x && a.y === b.y) {
      ctx.beginPath(); ctx.arc(a.x, a.y, lineWidth / 2, 0, 2 * Math.PI); ctx.fill();
    } else {
      ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
    }
  }

  function emit() {
    clearTimeout(timer);
    timer = 0;
    lastEmit = performance.now();
    onChange?.(getImage(), { empty: !inked });
  }
  function emitSoon() {
    const wait = 33 - (performance.now() - lastEmit);
    if (wait <= 0) emit();
    else if (!timer) timer = setTimeout(emit, wait);
  }

  function start(p) {
    drawing = true;
    inked = true;
    hint.hidden = true;
    segment(p, p);
    last = p;
    emitSoon();
  }
  function move(points) {
    if (!drawing) return;
    for (const p of points) { segment(last, p); last = p; }
    emitSoon();
  }
  function end() {
    if (!drawing) return;
    drawing = false;
    emit();
  }

  const listeners = [];
  const on = (type, fn, opts) => { canvas.addEventListener(type, fn, opts); listeners.push([type, fn, opts]); };
  if (globalThis.PointerEvent) {
    // Pointer events cover mouse, touch and pen alike; capture keeps a stroke that leaves the pad.
    on('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      start(pos(e.clientX, e.clientY));
    });
    on('pointermove', (e) => {
      if (!drawing) return;
      // Coalesced events keep fast strokes smooth where the browser batches moves per frame.
      const evs = e.getCoalescedEvents?.() ?? [];
      move((evs.length ? evs : [e]).map((ev) => pos(ev.clientX, ev.clientY)));
    });
    on('pointerup', end);
    on('pointercancel', end);
  } else {
    on('mousedown', (e) => { if (e.button === 0) start(pos(e.clientX, e.clientY)); });
    on('mousemove', (e) => move([pos(e.clientX, e.clientY)]));
    on('mouseup', end);
    on('mouseleave', end);
    on('touchstart', (e) => { e.preventDefault(); start(pos(e.touches[0].clientX, e.touches[0].clientY)); }, { passive: false });
    on('touchmove', (e) => { e.preventDefault(); move([pos(e.touches[0].clientX, e.touches[0].clientY)]); }, { passive: false });
    on('touchend', end);
    on('touchcancel', end);
  }

  function clear() {
    drawing = false;
    clearCanvas();
    emit();
  }
  clearButton.addEventListener('click', clear);

  function getImage() {
    return inked ? toMnist(ctx.getImageData(0, 0, canvas.width, canvas.height)) : new Float32Array(784);
  }

  clearCanvas();
  return {
    clear,
    getImage,
    setSubject(what) {
      hint.textContent = `draw ${what} here`;
      canvas.setAttribute('aria-label', `Drawing pad: draw ${what} with the mouse, a finger or a pen; it is read as a 28 by 28 image`);
    },
    destroy() {
      clearTimeout(timer);
      for (const [type, fn, opts] of listeners) canvas.removeEventListener(type, fn, opts);
      root.remove();
    },
  };
}

/**
 * Convert an RGBA drawing (light ink on a dark or transparent background) to an MNIST-style
 * 28x28 image: crop to the ink's bounding box, scale (area-averaging) so the longer side is
 * 20 px keeping the aspect ratio, and paste into a 28x28 frame with the centre of mass at the
 * centre. Pure: no DOM needed, so it runs in Node tests.
 * @param {ImageData | {data: ArrayLike<number>, width: number, height: number}} imageData
 * @returns {Float32Array} 784 values in [0, 1], row-major
 * @example
 * const img = toMnist(ctx.getImageData(0, 0, canvas.width, canvas.height));
 * img.length; // 784
 */
export function toMnist(imageData) {
  const { data, width, height } = imageData;
  const out = new Float32Array(784);
  const ink = new Float32Array(width * height);
  let x0 = width, x1 = -1, y0 = height, y1 = -1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const o = 4 * i;
      const v = ((0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2]) * data[o + 3]) / 65025;
      ink[i] = v;
      // A low threshold ignores faint antialiasing specks that would otherwise stretch the box.
      if (v > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return out;
  const w = x1 - x0 + 1, h = y1 - y0 + 1, s = 20 / Math.max(w, h);
  const dw = Math.max(1, Math.min(20, Math.round(w * s))), dh = Math.max(1, Math.min(20, Math.round(h * s)));

  // Separable box filter with fractional edge coverage: exact area averaging, in O(pixels).
  const rows = new Float32Array(dw * h);
  const src = new Float32Array(Math.max(w, h)), dst = new Float32Array(Math.max(dw, dh));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) src[x] = ink[(y0 + y) * width + x0 + x];
    areaResample(src, w, dst, dw);
    rows.set(dst.subarray(0, dw), y * dw);
  }
  const small = new Float32Array(dw * dh);
  for (let x = 0; x < dw; x++) {
    for (let y = 0; y < h; y++) src[y] = rows[y * dw + x];
    areaResample(src, h, dst, dh);
    for (let y = 0; y < dh; y++) small[y * dw + x] = dst[y];
  }

  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const v = small[y * dw + x];
      mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  }
  // Whole-pixel shifts avoid blurring the digit again; clamping keeps every stroke in the frame.
  const ox = Math.max(0, Math.min(28 - dw, Math.round(14 - (mass ? mx / mass : dw / 2))));
  const oy = Math.max(0, Math.min(28 - dh, Math.round(14 - (mass ? my / mass : dh / 2))));
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) out[(oy + y) * 28 + ox + x] = Math.min(1, Math.max(0, small[y * dw + x]));
  }
  return out;
}

function areaResample(src, n, dst, m) {
  const r = n / m;
  for (let j = 0; j < m; j++) {
    const a = j * r, b = a + r;
    let sum = 0;
    for (let i = Math.floor(a), end = Math.min(n, Math.ceil(b)); i < end; i++) sum += src[i] * (Math.min(b, i + 1) - Math.max(a, i));
    dst[j] = sum / r;
  }
}
