// layer-editor.mjs: the network's hidden layers as an editable stack of cards: add, remove,
// reorder, edit each layer's settings; residual blocks hold their own stack. After the page has
// checked the network, each card shows its output shape and parameter count, and the card the
// engine blamed shows the error. Knows nothing of the engine: it edits plain layer objects.

export const ACTIVATIONS = ['linear', 'relu', 'leakyRelu', 'prelu', 'elu', 'silu', 'gelu', 'softplus', 'sigmoid', 'tanh', 'step', 'softmax'];

// field: [key, kind, min/options, max, label]
const FIELDS = {
  dense: [['units', 'int', 1, 4096, 'units'], ['activation', 'act']],
  conv2d: [['filters', 'int', 1, 512, 'filters'], ['kernel', 'int', 1, 15, 'kernel'], ['stride', 'int', 1, 8, 'stride'], ['padding', 'enum', ['same', 'valid']], ['activation', 'act']],
  conv2dTranspose: [['filters', 'int', 1, 512, 'filters'], ['kernel', 'int', 1, 15, 'kernel'], ['stride', 'int', 1, 8, 'stride'], ['padding', 'enum', ['same', 'valid']], ['activation', 'act']],
  maxPool2d: [['size', 'int', 1, 8, 'size'], ['stride', 'int', 1, 8, 'stride']],
  avgPool2d: [['size', 'int', 1, 8, 'size'], ['stride', 'int', 1, 8, 'stride']],
  globalAvgPool: [],
  upsample: [['size', 'int', 1, 8, 'factor']],
  flatten: [],
  reshape: [['shape', 'shape']],
  dropout: [['rate', 'number', 0, 0.95, 'rate']],
  batchNorm: [],
  layerNorm: [],
  activation: [['activation', 'act']],
  residual: [['activation', 'act']],
};
export const LAYER_TYPES = Object.keys(FIELDS);
const NEW_LAYER = {
  dense: { units: 32, activation: 'relu' },
  conv2d: { filters: 8, kernel: 3, padding: 'same', activation: 'relu' },
  conv2dTranspose: { filters: 8, kernel: 3, stride: 2, padding: 'same', activation: 'relu' },
  maxPool2d: { size: 2 },
  avgPool2d: { size: 2 },
  upsample: { size: 2 },
  reshape: { shape: [1, 28, 28] },
  dropout: { rate: 0.25 },
  activation: { activation: 'relu' },
  residual: { layers: [{ type: 'dense', units: 16, activation: 'relu' }], activation: 'relu' },
};

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
};

let uid = 0;

/**
 * @param {HTMLElement} container
 * @param {{onChange: (layers: object[]) => void}} options called after every edit
 * @returns {{set(layers), get(): object[], showResult(result), flatten(): object[], destroy()}}
 *   showResult({ok, layers: [{shape, params}], error, errorIndex}) takes the engine's summary in
 *   the flattened order of flatten() (a residual card, then its inner layers).
 */
export function createLayerEditor(container, { onChange }) {
  let layers = [];
  const root = el('div', { class: 'le' });
  container.append(root);

  const changed = () => {
    render();
    onChange(get());
  };

  // strip editor ids: the spec the engine sees
  const clean = (ls) => ls.map(({ _id, layers: inner, ...rest }) => (inner ? { ...rest, layers: clean(inner) } : rest));
  const get = () => clean(layers);
  const withIds = (ls) => ls.map((l) => ({ ...l, _id: ++uid, ...(l.layers ? { layers: withIds(l.layers) } : {}) }));

  function flatten(ls = layers, out = []) {
    for (const l of ls) {
      out.push(l);
      if (l.layers) flatten(l.layers, out);
    }
    return out;
  }

  function field(layer, [key, kind, a, b, label]) {
    const id = `le-${layer._id}-${key}`;
    const set = (v) => {
      layer[key] = v;
      changed();
    };
    let input;
    if (kind === 'act') {
      input = el('select', { id, onchange: (e) => set(e.target.value) }, ...ACTIVATIONS.map((n) => el('option', { value: n, selected: (layer[key] ?? 'linear') === n }, n)));
      label = 'activation';
    } else if (kind === 'enum') {
      input = el('select', { id, onchange: (e) => set(e.target.value) }, ...a.map((n) => el('option', { value: n, selected: (layer[key] ?? a[1]) === n }, n)));
      label = key;
    } else if (kind === 'shape') {
      input = el('input', { id, value: (layer[key] ?? []).join(','), size: 8, onchange: (e) => set(e.target.value.split(',').map((s) => Number(s.trim()))) });
      label = 'shape';
    } else {
      input = el('input', { id, type: 'number', min: a, max: b, step: kind === 'int' ? 1 : 0.05, value: layer[key] ?? '', class: 'le-num',
        onchange: (e) => set(e.target.value === '' ? undefined : Number(e.target.value)) });
    }
    return el('label', { class: 'le-field', for: id }, el('span', {}, label), input);
  }

  function card(layer, list, i) {
    const move = (d) => {
      const j = i + d;
      if (j < 0 || j >= list.length) return;
      [list[i], list[j]] = [list[j], list[i]];
      changed();
    };
    const typeSelect = el('select', { 'aria-label': 'layer type', onchange: (e) => {
      const { _id } = list[i];
      list[i] = { type: e.target.value, _id, ...structuredClone(NEW_LAYER[e.target.value] ?? {}) };
      if (list[i].layers) list[i].layers = withIds(list[i].layers);
      changed();
    } }, ...LAYER_TYPES.map((t) => el('option', { value: t, selected: t === layer.type }, t)));
    const c = el('li', { class: 'le-card', 'data-id': layer._id },
      el('div', { class: 'le-head' },
        el('span', { class: 'le-index' }),
        typeSelect,
        el('span', { class: 'le-shape', 'aria-live': 'polite' }),
        el('span', { class: 'le-tools' },
          el('button', { type: 'button', class: 'le-btn', 'aria-label': 'move up', title: 'move up', onclick: () => move(-1), disabled: i === 0 }, '↑'),
          el('button', { type: 'button', class: 'le-btn', 'aria-label': 'move down', title: 'move down', onclick: () => move(1), disabled: i === list.length - 1 }, '↓'),
          el('button', { type: 'button', class: 'le-btn', 'aria-label': 'remove layer', title: 'remove', onclick: () => (list.splice(i, 1), changed()) }, '✕'))),
      el('div', { class: 'le-fields' }, ...(FIELDS[layer.type] ?? []).map((f) => field(layer, f))),
      el('div', { class: 'le-error', role: 'alert' }));
    if (layer.layers) c.append(el('div', { class: 'le-inner' }, el('div', { class: 'le-note' }, 'output = input + f(input), where f is:'), stack(layer.layers)));
    return c;
  }

  function stack(list) {
    const add = el('select', { 'aria-label': 'type of layer to add' }, ...LAYER_TYPES.map((t) => el('option', { value: t }, t)));
    return el('div', {},
      el('ol', { class: 'le-list' }, ...list.map((l, i) => card(l, list, i))),
      el('div', { class: 'le-add' }, add,
        el('button', { type: 'button', onclick: () => {
          const t = add.value;
          list.push({ type: t, _id: ++uid, ...structuredClone(NEW_LAYER[t] ?? {}) });
          if (list.at(-1).layers) list.at(-1).layers = withIds(list.at(-1).layers);
          changed();
        } }, 'Add layer')));
  }

  function render() {
    root.replaceChildren(stack(layers));
    flatten().forEach((l, i) => (root.querySelector(`[data-id="${l._id}"] .le-index`).textContent = String(i + 1)));
  }

  function showResult({ ok, layers: info = [], error, errorIndex }) {
    const flat = flatten();
    root.querySelectorAll('.le-card').forEach((c) => {
      c.classList.remove('le-bad');
      c.querySelector('.le-error').textContent = '';
      c.querySelector('.le-shape').textContent = '';
    });
    if (ok) {
      flat.forEach((l, i) => {
        const s = info[i];
        if (s) root.querySelector(`[data-id="${l._id}"] .le-shape`).textContent = `[${s.shape.join('×')}] · ${s.params.toLocaleString()} params`;
      });
    } else if (errorIndex != null && flat[errorIndex]) {
      const c = root.querySelector(`[data-id="${flat[errorIndex]._id}"]`);
      c.classList.add('le-bad');
      c.querySelector('.le-error').textContent = error;
    }
  }

  return {
    set(ls) {
      layers = withIds(structuredClone(ls));
      render();
    },
    get,
    flatten: () => flatten().map(({ _id, ...l }) => l),
    showResult,
    destroy: () => root.remove(),
  };
}
