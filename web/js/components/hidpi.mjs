// hidpi.mjs: helpers shared by the canvas components: crisp drawing at any devicePixelRatio,
// and redraws when the container's width changes (phone rotation, sidebar toggles).

/**
 * Size a canvas's backing store to `cssWidth` x `cssHeight` CSS pixels times devicePixelRatio and
 * return its 2-D context scaled so drawing code can think in CSS pixels.
 * @param {HTMLCanvasElement} canvas
 * @param {number} cssWidth
 * @param {number} cssHeight
 * @returns {CanvasRenderingContext2D}
 * @example
 * const ctx = fitCanvas(canvas, 300, 180);
 * ctx.fillRect(0, 0, 300, 180); // fills the whole canvas on any screen
 */
export function fitCanvas(canvas, cssWidth, cssHeight) {
  const dpr = Math.max(1, Math.min(4, globalThis.devicePixelRatio || 1));
  const w = Math.max(1, Math.round(cssWidth * dpr)), h = Math.max(1, Math.round(cssHeight * dpr));
  // Resizing clears the canvas and reallocates; skip it when nothing changed (every redraw calls this).
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(w / cssWidth, 0, 0, h / cssHeight, 0, 0);
  return ctx;
}

/**
 * Call `onWidth(width)` now and whenever `el`'s content width changes; returns a function that
 * stops watching.
 * @param {HTMLElement} el
 * @param {(width: number) => void} onWidth
 * @returns {() => void}
 * @example
 * const stop = watchWidth(container, (w) => redraw(w));
 * // later: stop();
 */
export function watchWidth(el, onWidth) {
  let last = -1;
  const check = () => {
    const w = Math.floor(el.clientWidth);
    if (w !== last && w > 0) {
      last = w;
      onWidth(w);
    }
  };
  if (typeof ResizeObserver === 'undefined') {
    addEventListener('resize', check);
    check();
    return () => removeEventListener('resize', check);
  }
  const ro = new ResizeObserver(check);
  ro.observe(el);
  check();
  return () => ro.disconnect();
}

/**
 * Coalesce many redraw requests into one per animation frame.
 * @param {() => void} draw
 * @returns {{request: () => void, cancel: () => void}}
 * @example
 * const frame = frameThrottle(draw);
 * for (const p of points) { add(p); frame.request(); } // draws once
 */
export function frameThrottle(draw) {
  let id = 0;
  return {
    request() {
      if (!id) id = requestAnimationFrame(() => { id = 0; draw(); });
    },
    cancel() {
      if (id) cancelAnimationFrame(id);
      id = 0;
    },
  };
}
