// layer-editor.mjs: the network's hidden layers as an editable stack of cards: add, remove,
// reorder, edit each layer's settings; residual blocks hold their own stack. After the page has
// checked the network, each card shows its output shape and parameter count, and the card the
// engine blamed shows the error. It edits plain layer objects and knows nothing of the engine
// but its catalog: the layer types, each one's options (kinds, ranges, defaults, docs) and the
// activations all come from there, so a layer the engine gains appears here unchanged.

// Options a card shows at once; the rest wait behind "more". Required options always show.
// A UI choice, by option name: it applies to any layer that has such an option.
const MAIN = new Set(['stride', 'padding', 'size', 'rate']);
// Where a new layer starts, by option name (the catalog gives no default for required ones).
const START = { units: 32, filters: 8, kernel: 3, padding: 'same', rate: 0.25, shape: [1, 28, 28], layers: [{ type: 'dense', units: 16, activation: 'relu' }] };
// Values of the 'padding' option kind besides numbers (core/layers.c reads 'valid', 'same', n or [h, w]).
const PADDING = ['valid', 'same'];

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'checked' || k === 'open') e[k] = Boolean(v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
};

// "3" -> 3, "3, 5" -> [3, 5], "" -> undefined: the pair and shape options as typed.
const numbers = (text, single) => {
  const v = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return v.length === 0 ? undefined : single && v.length === 1 ? v[0] : v;
};

/**
 * @param {HTMLElement} container
 * @param {{catalog: {layers: object[], activations: object[], initializers: object[]},
 *   onChange: (layers: object[]) => void}} options  catalog: the engine's (engine.catalog);
 *   onChange is called after every edit
 * @returns {{set(layers), get(): object[], showResult(result), flatten(): object[], destroy()}}
 *   showResult({ok, layers: [{shape, params}], error, errorIndex}) takes the engine's summary in
 *   the flattened order of flatten() (a residual card, then its inner layers).
 */
export function createLayerEditor(container, { catalog, onChange }) {
  const defs = new Map(catalog.layers.map((d) => [d.name, d]));
  const activations = new Map(catalog.activations.map((a) => [a.name, a]));
  let layers = [];
  let uid = 0;
  const root = el('div', { class: 'le' });
  container.append(root);

  // Layers that compute something take an activation: those with parameters, and the
  // activation layer, whose one option is the 'activation' key every layer accepts.
  const takesActivation = (def) => Boolean(def?.params) || def?.name === 'activation';

  function newLayer(type, _id = ++uid) {
    const def = defs.get(type), layer = { type, _id };
    for (const o of def.options) if (o.name in START && (o.required || MAIN.has(o.name))) layer[o.name] = structuredClone(START[o.name]);
    if (takesActivation(def) && (def.options.some((o) => o.required) || type === 'activation')) layer.activation = 'relu';
    if (layer.layers) layer.layers = withIds(layer.layers);
    return layer;
  }

  const changed = () => {
    render();
    onChange(get());
  };

  // strip editor ids: the spec the engine sees
  const clean = (ls) => ls.map(({ _id, _open, layers: inner, ...rest }) => (inner ? { ...rest, layers: clean(inner) } : rest));
  const get = () => clean(layers);
  const withIds = (ls) => ls.map((l) => ({ ...l, _id: ++uid, ...(l.layers ? { layers: withIds(l.layers) } : {}) }));

  function flatten(ls = layers, out = []) {
    for (const l of ls) {
      out.push(l);
      if (l.layers) flatten(l.layers, out);
    }
    return out;
  }

  const set = (layer, key, v) => {
    if (v === undefined) delete layer[key];
    else layer[key] = v;
    changed();
  };

  // One option's input, by its kind in the catalog; labels wrap their inputs (no ids, so two
  // editors can share a page).
  function field(layer, o) {
    const v = layer[o.name], on = (f) => (e) => set(layer, o.name, f(e.target));
    let input;
    switch (o.type) {
      case 'int':
      case 'number':
        input = el('input', { type: 'number', class: 'le-num', min: o.min, max: o.max, step: o.type === 'int' ? 1 : 'any', value: v ?? '', placeholder: o.default ?? '',
          onchange: on((t) => (t.value === '' ? undefined : Number(t.value))) });
        break;
      case 'pair':
        input = Array.isArray(v)
          ? el('input', { class: 'le-num', value: v.join(','), onchange: on((t) => numbers(t.value, true)) })
          : el('input', { type: 'number', class: 'le-num', min: o.min, max: o.max, step: 1, value: v ?? '', placeholder: o.default || '',
            onchange: on((t) => numbers(t.value, true)) });
        break;
      case 'bool':
        input = el('input', { type: 'checkbox', checked: v ?? o.default ?? false, onchange: on((t) => t.checked) });
        break;
      case 'padding': {
        const values = [...PADDING, ...(v != null && !PADDING.includes(v) ? [v] : [])];
        input = el('select', { onchange: on((t) => (PADDING.includes(t.value) ? t.value : numbers(t.value, true))) },
          ...values.map((p) => el('option', { value: String(p), selected: String(v ?? PADDING[0]) === String(p) }, String(p))));
        break;
      }
      case 'initializer':
        input = el('select', { onchange: on((t) => t.value || undefined) },
          el('option', { value: '' }, 'default'), ...catalog.initializers.map((i) => el('option', { value: i.name, selected: v === i.name, title: i.doc }, i.name)));
        break;
      case 'shape':
        input = el('input', { value: Array.isArray(v) ? v.join(',') : String(v ?? ''), size: 8, onchange: on((t) => numbers(t.value, false)) }); // a link may hold anything: shown as given, the engine names what is wrong
        break;
      default: // a kind this editor does not know yet: JSON, or the text as typed
        input = el('input', { value: v === undefined ? '' : JSON.stringify(v), size: 8, onchange: on((t) => {
          if (t.value === '') return undefined;
          try {
            return JSON.parse(t.value);
          } catch {
            return t.value;
          }
        }) });
    }
    return el('label', { class: 'le-field', title: o.doc }, el('span', {}, o.name), input);
  }

  function activationFields(layer) {
    const current = layer.activation ?? 'linear', act = activations.get(current);
    const select = el('select', { onchange: (e) => {
      for (const a of activations.values()) if (a.option) delete layer[a.option.name]; // alpha, beta belong to one activation
      set(layer, 'activation', e.target.value);
    } }, ...[...activations.values()].map((a) => el('option', { value: a.name, selected: a.name === current, title: a.doc }, a.name)));
    const out = [el('label', { class: 'le-field', title: act?.doc }, el('span', {}, 'activation'), select)];
    if (act?.option) out.push(field(layer, { ...act.option, doc: `${act.name}: ${act.option.name}` }));
    return out;
  }

  function typeOptions(selected) {
    return catalog.layers.map((d) => el('option', { value: d.name, selected: d.name === selected, title: d.doc }, d.name));
  }

  function card(layer, list, i) {
    const def = defs.get(layer.type);
    const move = (d) => {
      const j = i + d;
      if (j < 0 || j >= list.length) return;
      [list[i], list[j]] = [list[j], list[i]];
      changed();
    };
    const typeSelect = el('select', { 'aria-label': 'layer type', title: def?.doc, onchange: (e) => {
      list[i] = newLayer(e.target.value, list[i]._id);
      changed();
    } }, ...(def ? [] : [el('option', { value: layer.type, selected: true }, `${layer.type} (unknown)`)]), ...typeOptions(layer.type));
    const options = (def?.options ?? []).filter((o) => o.type !== 'layers');
    const main = options.filter((o) => o.required || MAIN.has(o.name)), more = options.filter((o) => !main.includes(o));
    const fields = [...main.map((o) => field(layer, o)), ...(takesActivation(def) || layer.activation ? activationFields(layer) : [])];
    if (more.length)
      fields.push(el('details', { class: 'le-more', open: layer._open, ontoggle: (e) => (layer._open = e.target.open) },
        el('summary', {}, 'more'), el('div', { class: 'le-fields' }, ...more.map((o) => field(layer, o)))));
    const c = el('li', { class: 'le-card', 'data-id': layer._id },
      el('div', { class: 'le-head' },
        el('span', { class: 'le-index' }),
        typeSelect,
        el('span', { class: 'le-shape', 'aria-live': 'polite' }),
        el('span', { class: 'le-tools' },
          el('button', { type: 'button', class: 'le-btn', 'aria-label': 'move up', title: 'move up', onclick: () => move(-1), disabled: i === 0 }, '↑'),
          el('button', { type: 'button', class: 'le-btn', 'aria-label': 'move down', title: 'move down', onclick: () => move(1), disabled: i === list.length - 1 }, '↓'),
          el('button', { type: 'button', class: 'le-btn', 'aria-label': 'remove layer', title: 'remove', onclick: () => (list.splice(i, 1), changed()) }, '✕'))),
      el('div', { class: 'le-fields' }, ...fields),
      el('div', { class: 'le-error', role: 'alert' }));
    if (layer.layers) c.append(el('div', { class: 'le-inner' }, el('div', { class: 'le-note' }, 'output = input + f(input), where f is:'), stack(layer.layers)));
    return c;
  }

  function stack(list) {
    const add = el('select', { 'aria-label': 'type of layer to add' }, ...typeOptions());
    return el('div', {},
      el('ol', { class: 'le-list' }, ...list.map((l, i) => card(l, list, i))),
      el('div', { class: 'le-add' }, add,
        el('button', { type: 'button', onclick: () => {
          list.push(newLayer(add.value));
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
    // shapes wherever they are known: every layer, or the ones before an invalid layer
    flat.forEach((l, i) => {
      const s = info[i];
      if (s) root.querySelector(`[data-id="${l._id}"] .le-shape`).textContent = `[${s.shape.join('×')}] · ${s.params.toLocaleString()} params`;
    });
    if (!ok && errorIndex != null && flat[errorIndex]) {
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
    flatten: () => flatten().map(({ _id, _open, ...l }) => l),
    showResult,
    destroy: () => root.remove(),
  };
}
