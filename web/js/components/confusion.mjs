// confusion.mjs: the confusion matrix as a heat-mapped table plus the per-class metrics table.
// Tables rather than a canvas: screen readers can walk them and the numbers stay selectable.

/**
 * A confusion matrix (rows: true class, columns: predicted) and a precision/recall/F1 table.
 * Cells are shaded by their share of the row, the diagonal in the good colour and errors in the
 * bad colour; long labels are abbreviated in column headers with the full name as a tooltip.
 * @param {HTMLElement} container
 * @param {{labels: string[]}} options
 * @returns {{update(result: {confusion: number[][], perClass: {precision: number, recall: number, f1: number, support: number}[],
 *   macro: {precision: number, recall: number, f1: number}, weighted: {precision: number, recall: number, f1: number},
 *   accuracy: number}): void, reset(): void, destroy(): void}}
 * @example
 * const cm = createConfusion(el, { labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
 * cm.update(model.evaluate(test)); // evaluate() returns exactly these fields
 */
export function createConfusion(container, { labels = [] } = {}) {
  const root = document.createElement('div');
  root.className = 'cm';
  container.append(root);

  function reset() {
    root.innerHTML = `<p class="cm-empty">No evaluation yet.</p>`;
  }

  function update({ confusion, perClass = [], macro, weighted, accuracy }) {
    const K = confusion.length;
    const name = (k) => labels[k] ?? String(k);
    const total = confusion.reduce((a, row) => a + row.reduce((b, v) => b + v, 0), 0);
    const acc = accuracy ?? (total ? confusion.reduce((a, row, k) => a + row[k], 0) / total : 0);

    let h = `<p class="cm-acc">Accuracy <strong>${pct(acc)}</strong> <span>of ${int(total)} samples</span></p>`;
    h += `<div class="cm-body"><div class="cm-scroll"><table class="cm-matrix"><caption>Confusion matrix: rows are the true class, columns the predicted class; shading is the share of the row</caption>`;
    h += `<thead><tr><th class="cm-corner" scope="col"><span>true ↓</span> <span>pred →</span></th>`;
    for (let k = 0; k < K; k++) h += `<th scope="col" title="${esc(name(k))}"><abbr title="${esc(name(k))}">${esc(abbreviate(name(k)))}</abbr></th>`;
    h += `</tr></thead><tbody>`;
    for (let t = 0; t < K; t++) {
      const row = confusion[t], sum = row.reduce((a, v) => a + v, 0);
      h += `<tr><th scope="row" title="${esc(name(t))}">${esc(name(t))}</th>`;
      for (let p = 0; p < K; p++) {
        const v = row[p], share = sum ? v / sum : 0;
        const kind = t === p ? 'good' : 'bad';
        // Off-diagonal shares are small; a square root makes a 5% confusion visible without
        // letting it compete with a 95% diagonal.
        // Shading stops where dark text would fall below 4.5:1 contrast (WCAG AA): at 85% for
        // green, 70% for red. Between light and dark shades neither white nor dark text would do.
        const alpha = t === p ? Math.min(0.85, share) : Math.min(0.7, Math.sqrt(share) * 0.9);
        const tip = `true ${name(t)}, predicted ${name(p)}: ${int(v)} (${pct(share)} of ${name(t)})`;
        h += `<td class="cm-${kind}${v ? '' : ' cm-zero'}" style="--a:${alpha.toFixed(3)}" title="${esc(tip)}">${int(v)}</td>`;
      }
      h += `</tr>`;
    }
    h += `</tbody></table></div>`;

    h += `<div class="cm-scroll"><table class="cm-metrics"><caption>Per-class precision, recall, F1 and support</caption>`;
    h += `<thead><tr><th scope="col">class</th><th scope="col">precision</th><th scope="col">recall</th><th scope="col">F1</th><th scope="col">support</th></tr></thead><tbody>`;
    perClass.forEach((c, k) => {
      h += `<tr><th scope="row" title="${esc(name(k))}">${esc(name(k))}</th>${num(c.precision)}${num(c.recall)}${num(c.f1, true)}<td>${int(c.support)}</td></tr>`;
    });
    h += `</tbody><tfoot>`;
    const support = perClass.reduce((a, c) => a + (c.support ?? 0), 0);
    if (macro) h += `<tr><th scope="row">macro avg</th>${num(macro.precision)}${num(macro.recall)}${num(macro.f1, true)}<td>${int(support)}</td></tr>`;
    if (weighted) h += `<tr><th scope="row">weighted avg</th>${num(weighted.precision)}${num(weighted.recall)}${num(weighted.f1, true)}<td>${int(support)}</td></tr>`;
    h += `</tfoot></table></div></div>`;
    root.innerHTML = h;
  }

  reset();
  return { update, reset, destroy() { root.remove(); } };
}

// 'T-shirt/top' -> 'T-sh.', 'Ankle boot' -> 'Ankl.': four characters keep ten columns inside a phone.
function abbreviate(s) {
  return s.length <= 5 ? s : `${s.slice(0, 4).trimEnd()}.`;
}

// F1 gets a bar behind the number so weak classes stand out when scanning the column.
function num(v, bar = false) {
  const ok = Number.isFinite(v);
  const style = bar && ok ? ` class="cm-bar" style="--v:${Math.max(0, Math.min(1, v)).toFixed(3)}"` : '';
  return `<td${style}>${ok ? v.toFixed(3) : '–'}</td>`;
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;
const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
