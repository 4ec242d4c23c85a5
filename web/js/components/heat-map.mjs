// heat-map.mjs: a matrix as coloured cells with row and column labels (characters of a prompt),
// for attention weights (rows attend to columns) and for a recurrent layer's units over time.
// A canvas for the cells; the caption carries the numbers a screen reader needs.
import { diverging } from './colormap.mjs';
import { fitCanvas } from './hidpi.mjs';

/**
 * @param {HTMLElement} container
 * @param {{title?: string, cell?: number, signed?: boolean}} options  signed: values in [-1, 1] on
 *   the diverging map (states, gates centred at 0); else [0, 1] from white to red (probabilities)
 * @returns {{update({values, rows, cols, rowLabels?, colLabels?, note?}): void, reset(): void, destroy(): void}}
 * @example
 * const map = createHeatMap(el, { title: 'layer 1, head 2' });
 * map.update({ values: p, rows: 5, cols: 5, rowLabels: [...'ROMEO'], colLabels: [...'ROMEO'] });
 */
export function createHeatMap(container, { title = '', cell = 12, signed = false } = {}) {
  const fig = document.createElement('figure');
  fig.className = 'hm';
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  const caption = document.createElement('figcaption');
  fig.append(canvas, caption);
  container.append(fig);
  const label = (s) => (s === '\n' ? '↵' : s === ' ' ? '␣' : s);
  return {
    update({ values, rows, cols, rowLabels = [], colLabels = [], note = '' }) {
      const pad = 14, w = pad + cols * cell, h = pad + rows * cell, g = fitCanvas(canvas, w, h), px = new Uint8ClampedArray(4);
      g.clearRect(0, 0, w, h);
      g.font = `${Math.min(11, cell)}px monospace`;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillStyle = '#555';
      for (let c = 0; c < cols; c++) if (colLabels[c] != null) g.fillText(label(colLabels[c]), pad + (c + 0.5) * cell, pad / 2);
      for (let r = 0; r < rows; r++) if (rowLabels[r] != null) g.fillText(label(rowLabels[r]), pad / 2, pad + (r + 0.5) * cell);
      let most = 0, at = [0, 0];
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const v = values[r * cols + c];
          if (Math.abs(v) > Math.abs(most)) (most = v), (at = [r, c]);
          diverging(signed ? v : Math.max(0, Math.min(1, v)), px, 0);
          g.fillStyle = `rgb(${px[0]},${px[1]},${px[2]})`;
          g.fillRect(pad + c * cell, pad + r * cell, cell - (cell > 6 ? 1 : 0), cell - (cell > 6 ? 1 : 0));
        }
      const strongest = rows && cols ? ` The strongest cell is row ${at[0] + 1}${rowLabels[at[0]] != null ? ` (${JSON.stringify(rowLabels[at[0]])})` : ''}, column ${at[1] + 1}${colLabels[at[1]] != null ? ` (${JSON.stringify(colLabels[at[1]])})` : ''}: ${most.toFixed(2)}.` : '';
      canvas.setAttribute('aria-label', `${title}: ${rows} by ${cols} values.${strongest}`);
      caption.textContent = `${title}${note ? ` — ${note}` : ''}`;
    },
    reset() {
      canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
      caption.textContent = title;
    },
    destroy() {
      fig.remove();
    },
  };
}
