// token-bars.mjs: the next token's distribution as bars, the most likely first: the token (spaces
// and newlines shown as ␣ and ↵), a bar and its probability, as real text. Tokens a sampling rule
// cuts (top-k, top-p) keep their bar greyed with their probability before the cut beside it.

/**
 * @param {HTMLElement} container
 * @param {{count?: number}} options  how many tokens to show (15)
 * @returns {{update({symbols, before, after, chosen?}): void, reset(): void, destroy(): void}}
 *   before: the softmax at temperature 1; after: the distribution sampling draws from.
 */
export function createTokenBars(container, { count = 15 } = {}) {
  const list = document.createElement('ol');
  list.className = 'tb';
  list.setAttribute('aria-label', 'Next-token probabilities');
  container.append(list);
  const show = (s) => (s === '\n' ? '↵' : s.replace(/ /g, '␣'));
  return {
    update({ symbols, before, after, chosen = -1 }) {
      const order = Array.from(after.keys()).sort((a, b) => after[b] - after[a] || before[b] - before[a]).slice(0, count);
      list.replaceChildren(...order.map((i) => {
        const li = document.createElement('li'), cut = after[i] === 0;
        li.className = `tb-row${cut ? ' cut' : ''}${i === chosen ? ' chosen' : ''}`;
        li.innerHTML = '<span class="tb-token"></span><span class="tb-track" aria-hidden="true"><span class="tb-bar"></span></span><span class="tb-value"></span>';
        li.querySelector('.tb-token').textContent = show(symbols[i]);
        li.querySelector('.tb-bar').style.width = `${(100 * (cut ? before[i] : after[i])).toFixed(1)}%`;
        li.querySelector('.tb-value').textContent = cut ? `cut (${(100 * before[i]).toFixed(1)}%)` : `${(100 * after[i]).toFixed(1)}%`;
        return li;
      }));
    },
    reset() {
      list.replaceChildren();
    },
    destroy() {
      list.remove();
    },
  };
}
