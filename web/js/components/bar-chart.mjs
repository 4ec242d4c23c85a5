// bar-chart.mjs: horizontal probability bars. Plain elements rather than a canvas: the label and
// percentage are real text for screen readers, and CSS animates bar widths between updates.

/**
 * Horizontal bars, one per label, each with its percentage; the largest can be highlighted.
 * @param {HTMLElement} container
 * @param {{labels: string[], highlightMax?: boolean}} options
 * @returns {{update(values: ArrayLike<number>): void, reset(): void, destroy(): void}}
 *   values are probabilities in [0, 1] (clamped for the bar; shown as percentages).
 * @example
 * const bars = createBarChart(el, { labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
 * bars.update(probs); // Float32Array(10) from softmax
 */
export function createBarChart(container, { labels = [], highlightMax = true } = {}) {
  const root = document.createElement('ol');
  root.className = 'bc';
  root.setAttribute('aria-label', 'Class probabilities');
  // One label width for every row keeps the bars aligned; very long names are cut with an ellipsis.
  const longest = labels.reduce((a, s) => Math.max(a, String(s).length), 1);
  root.style.setProperty('--bc-label', `${Math.min(9, 0.6 * longest + 0.4).toFixed(1)}em`);
  const rows = labels.map((name) => {
    const li = document.createElement('li');
    li.className = 'bc-row';
    const label = document.createElement('span');
    label.className = 'bc-label';
    label.textContent = name;
    label.title = name;
    const track = document.createElement('span');
    track.className = 'bc-track';
    track.setAttribute('aria-hidden', 'true');
    const bar = document.createElement('span');
    bar.className = 'bc-bar';
    track.append(bar);
    const value = document.createElement('span');
    value.className = 'bc-value';
    li.append(label, track, value);
    root.append(li);
    return { li, bar, value };
  });
  container.append(root);

  function update(values) {
    let best = -1, bestV = -Infinity;
    rows.forEach((r, k) => {
      const v = Number(values?.[k]);
      const ok = Number.isFinite(v);
      if (ok && v > bestV) { bestV = v; best = k; }
      r.bar.style.width = `${ok ? 100 * Math.max(0, Math.min(1, v)) : 0}%`;
      r.value.textContent = ok ? `${(100 * v).toFixed(1)}%` : '–';
    });
    rows.forEach((r, k) => r.li.classList.toggle('bc-max', highlightMax && k === best));
  }

  function reset() {
    update([]);
  }

  reset();
  return { update, reset, destroy() { root.remove(); } };
}
