// beam-tree.mjs: what beam search kept. One column per step, one row per kept hypothesis, each
// cell the token it added, joined by a line to the hypothesis it extends; the best final path is
// drawn bold. SVG, so it scales and its text is real.
const NS = 'http://www.w3.org/2000/svg';

/**
 * @param {HTMLElement} container
 * @returns {{update({tree, symbols, best?}): void, reset(): void, destroy(): void}}
 *   tree: per step the kept beams [{token, parent, logp}] (decode.mjs beamSearch); best: the row
 *   of the final step to draw bold (0: the highest log-probability).
 */
export function createBeamTree(container) {
  const wrap = document.createElement('div');
  wrap.className = 'bt';
  container.append(wrap);
  const show = (s) => (s === '\n' ? '↵' : s === ' ' ? '␣' : s);
  return {
    update({ tree, symbols, best = 0 }) {
      const steps = tree.length, width = Math.max(...tree.map((t) => t.length), 1), dx = 26, dy = 22;
      const svg = document.createElementNS(NS, 'svg');
      svg.setAttribute('viewBox', `0 0 ${steps * dx + 10} ${width * dy + 6}`);
      svg.setAttribute('width', String(steps * dx + 10));
      svg.setAttribute('role', 'img');
      // the best path, walked back from the end
      const bold = new Set();
      for (let s = steps - 1, r = best; s >= 0 && r != null; s--) bold.add(`${s},${r}`), (r = tree[s][r]?.parent);
      const node = (s, r) => [10 + s * dx, 12 + r * dy];
      for (let s = 1; s < steps; s++)
        tree[s].forEach((b, r) => {
          const [x1, y1] = node(s - 1, b.parent), [x2, y2] = node(s, r), line = document.createElementNS(NS, 'line');
          Object.entries({ x1: x1 + 7, y1, x2: x2 - 7, y2 }).forEach(([k, v]) => line.setAttribute(k, v));
          line.setAttribute('class', bold.has(`${s},${r}`) && bold.has(`${s - 1},${b.parent}`) ? 'bt-best' : 'bt-edge');
          svg.append(line);
        });
      tree.forEach((beams, s) =>
        beams.forEach((b, r) => {
          const [x, y] = node(s, r), t = document.createElementNS(NS, 'text');
          t.setAttribute('x', x), t.setAttribute('y', y + 4), t.setAttribute('text-anchor', 'middle');
          t.setAttribute('class', bold.has(`${s},${r}`) ? 'bt-best' : '');
          t.textContent = show(symbols[b.token] ?? '?');
          const tip = document.createElementNS(NS, 'title');
          tip.textContent = `step ${s + 1}, beam ${r + 1}: log-probability ${b.logp.toFixed(2)}`;
          t.append(tip);
          svg.append(t);
        }));
      svg.setAttribute('aria-label', `Beam search over ${steps} steps keeping ${width} hypotheses; the best (bold) has log-probability ${tree.at(-1)?.[best]?.logp.toFixed(2)}.`);
      wrap.replaceChildren(svg);
    },
    reset() {
      wrap.replaceChildren();
    },
    destroy() {
      wrap.remove();
    },
  };
}
