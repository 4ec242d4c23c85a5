// progress.mjs: an accessible progress bar for training runs; the text (epoch, throughput, time
// left) is also the bar's aria-valuetext, so screen readers hear more than a bare percentage.

/**
 * A progress bar with a line of text under it. A fraction of null/undefined shows an
 * indeterminate (animated) bar, for work of unknown length such as loading a data set.
 * @param {HTMLElement} container
 * @returns {{update(state: {fraction?: number|null, text?: string}): void, reset(): void, destroy(): void}}
 * @example
 * const bar = createProgress(el);
 * bar.update({ fraction: 0.42, text: 'epoch 2/5 · 31,200 samples/s · 0:12 left' });
 */
export function createProgress(container) {
  const root = document.createElement('div');
  root.className = 'pg';
  const track = document.createElement('div');
  track.className = 'pg-track';
  track.setAttribute('role', 'progressbar');
  track.setAttribute('aria-valuemin', '0');
  track.setAttribute('aria-valuemax', '100');
  track.setAttribute('aria-label', 'Progress');
  const fill = document.createElement('div');
  fill.className = 'pg-fill';
  track.append(fill);
  const text = document.createElement('div');
  text.className = 'pg-text';
  root.append(track, text);
  container.append(root);

  function update({ fraction, text: t } = {}) {
    const known = typeof fraction === 'number' && Number.isFinite(fraction);
    const pct = known ? Math.max(0, Math.min(1, fraction)) * 100 : 0;
    root.classList.toggle('pg-indeterminate', !known);
    fill.style.width = known ? `${pct}%` : '';
    if (known) track.setAttribute('aria-valuenow', pct.toFixed(0));
    else track.removeAttribute('aria-valuenow');
    const label = t ?? (known ? `${pct.toFixed(0)}%` : '');
    text.textContent = label;
    if (label) track.setAttribute('aria-valuetext', known && t ? `${pct.toFixed(0)}%: ${t}` : label);
    else track.removeAttribute('aria-valuetext');
  }

  function reset() {
    update({ fraction: 0, text: '' });
  }

  reset();
  return { update, reset, destroy() { root.remove(); } };
}
