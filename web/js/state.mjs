// state.mjs: the pages' whole configuration, kept in the URL hash so a copied link
// reopens the same network, data and settings (TensorFlow Playground's approach). One table
// lists every parameter with its type, default and allowed values; anything invalid in a URL
// falls back to its default and is reported once, so the page can show a notice. The names the
// engine knows (optimizers, schedules, initializers) are allowed by its catalog, not by a list
// kept here: parseHash checks them when given the catalog, or checkCatalog does once it arrives.

export const DATASETS = ['mnist', 'fashion', 'spiral', 'xor', 'circles', 'gaussians', 'custom'];
export const PRESETS = ['perceptron', 'mlp', 'lenet', 'allconv', 'resnet', 'bndropout'];

// The playground's panels (data-control names in its template) and the settings shown as fields.
export const PANELS = ['data', 'network', 'training', 'controls', 'file', 'share', 'boundary', 'draw', 'layers', 'metrics', 'mistakes', 'inside'];
const FIELDS = ['dataset', 'noise', 'ratio', 'preset', 'optimizer', 'lr', 'momentum', 'beta1', 'beta2', 'schedule', 'warmup', 'batch', 'epochs', 'init', 'seed', 'l1', 'l2', 'dropout', 'shift', 'rotate', 'scale', 'crop', 'flip', 'cutout', 'pixelnoise', 'patience', 'speed'];

/**
 * name, type, default, and the allowed values or range: `values` (enum), `catalog` (enum: a
 * function from the engine's catalog to the names it allows), or min and max (number, int).
 */
export const PARAMS = [
  { name: 'dataset', type: 'enum', values: DATASETS, default: 'spiral' },
  { name: 'noise', type: 'number', min: 0, max: 0.5, default: 0.1 },
  { name: 'ratio', type: 'number', min: 0.1, max: 0.9, default: 0.5 },
  { name: 'points', type: 'points', default: [] },
  { name: 'preset', type: 'enum', values: PRESETS, default: 'mlp' },
  { name: 'layers', type: 'layers', default: null },
  { name: 'optimizer', type: 'enum', catalog: (c) => c.optimizers.map((o) => o.name), default: 'adam' },
  { name: 'lr', type: 'number', min: 1e-6, max: 10, default: 0.003 },
  { name: 'momentum', type: 'number', min: 0, max: 0.999, default: 0.9 },
  { name: 'beta1', type: 'number', min: 0, max: 0.999, default: 0.9 },
  { name: 'beta2', type: 'number', min: 0, max: 0.99999, default: 0.999 },
  { name: 'schedule', type: 'enum', catalog: (c) => c.schedules.map((o) => o.name), default: 'cosine' },
  { name: 'warmup', type: 'int', min: 0, max: 100000, default: 0 },
  { name: 'batch', type: 'int', min: 1, max: 1024, default: 32 },
  { name: 'epochs', type: 'int', min: 1, max: 1000, default: 20 },
  { name: 'init', type: 'enum', catalog: (c) => ['auto', ...c.initializers.map((o) => o.name)], default: 'auto' },
  { name: 'l1', type: 'number', min: 0, max: 1, default: 0 },
  { name: 'l2', type: 'number', min: 0, max: 1, default: 0 },
  { name: 'dropout', type: 'number', min: 0, max: 0.9, default: 0 },
  { name: 'shift', type: 'number', min: 0, max: 8, default: 0 },
  { name: 'rotate', type: 'number', min: 0, max: 45, default: 0 },
  { name: 'scale', type: 'number', min: 0, max: 0.5, default: 0 },
  { name: 'crop', type: 'number', min: 0, max: 0.5, default: 0 },
  { name: 'flip', type: 'number', min: 0, max: 1, default: 0 },
  { name: 'cutout', type: 'number', min: 0, max: 16, default: 0 },
  { name: 'pixelnoise', type: 'number', min: 0, max: 1, default: 0 },
  { name: 'patience', type: 'int', min: 0, max: 1000, default: 0 },
  { name: 'seed', type: 'int', min: 0, max: 2147483647, default: 1 },
  // 2-D runs are over in a blink at full speed: paced, a person can watch the boundary form
  { name: 'speed', type: 'enum', values: ['slow', 'watch', 'fast'], default: 'watch' },
  // a trained model file on the same site, loaded at start (a teacher's ready-trained drawing pad)
  { name: 'model', type: 'path', default: '' },
  // what a link may hide: a panel (data-control names of the playground's template), one field
  // of a setting, or one button of the run bar
  { name: 'hide', type: 'list', values: [...PANELS, ...FIELDS, 'start', 'step', 'stop', 'reset', 'save', 'load'], default: [] },
  { name: 'simd', type: 'enum', values: ['auto', 'off'], default: 'auto' }, // off: the plain build, as old browsers get
];

// The generative pages' tables (gan.html, vae.html). A preset sets the values a link leaves out
// (see PRESETS in studio/gan.mjs and studio/vae.mjs); layers null means the preset's networks.
const COMMON = [
  { name: 'seed', type: 'int', min: 0, max: 2147483647, default: 1 },
  { name: 'batch', type: 'int', min: 1, max: 1024, default: 64 },
  { name: 'model', type: 'path', default: '' },
  { name: 'simd', type: 'enum', values: ['auto', 'off'], default: 'auto' },
];
export const GAN_PARAMS = [
  { name: 'dataset', type: 'enum', values: ['mnist', 'fashion', 'ring', 'spiral', 'moons', 'custom'], default: 'mnist' },
  { name: 'points', type: 'points', default: [] },
  { name: 'preset', type: 'enum', values: ['mlp', 'collapse', 'dcgan', 'lsgan', 'wgan', 'toy'], default: 'mlp' },
  { name: 'G', type: 'layers', default: null },
  { name: 'D', type: 'layers', default: null },
  { name: 'loss', type: 'enum', values: ['bce', 'lsgan', 'wgan'], default: 'bce' },
  { name: 'k', type: 'int', min: 1, max: 20, default: 1 },
  { name: 'lrD', type: 'number', min: 1e-6, max: 0.1, default: 0.002 },
  { name: 'lrG', type: 'number', min: 1e-6, max: 0.1, default: 0.002 },
  { name: 'latent', type: 'int', min: 1, max: 256, default: 64 },
  { name: 'smooth', type: 'number', min: 0, max: 0.45, default: 0 },
  { name: 'noise', type: 'number', min: 0, max: 2, default: 0 },
  { name: 'speed', type: 'enum', values: ['slow', 'watch', 'fast'], default: 'watch' }, // 2-D: paced, as the playground's
  ...COMMON,
];
export const VAE_PARAMS = [
  { name: 'dataset', type: 'enum', values: ['mnist', 'fashion'], default: 'mnist' },
  { name: 'preset', type: 'enum', values: ['small', 'dense', 'conv'], default: 'small' },
  { name: 'encoder', type: 'layers', default: null },
  { name: 'decoder', type: 'layers', default: null },
  { name: 'kind', type: 'enum', values: ['vae', 'ae'], default: 'vae' },
  { name: 'compare', type: 'enum', values: ['on', 'off'], default: 'on' }, // an autoencoder trained beside the VAE
  { name: 'latent', type: 'int', min: 1, max: 64, default: 2 },
  { name: 'beta', type: 'number', min: 0, max: 100, default: 1 },
  { name: 'warmup', type: 'int', min: 0, max: 100000, default: 0 },
  { name: 'recon', type: 'enum', values: ['bce', 'mse'], default: 'bce' },
  { name: 'denoise', type: 'number', min: 0, max: 2, default: 0 },
  { name: 'lr', type: 'number', min: 1e-6, max: 0.1, default: 0.001 },
  ...COMMON,
];

// The text page's table (text.html): a preset (studio/text.mjs) sets what a link leaves out.
export const TEXT_PARAMS = [
  { name: 'corpus', type: 'enum', values: ['shakespeare', 'custom'], default: 'shakespeare' },
  { name: 'vocab', type: 'enum', values: ['chars', 'bpe'], default: 'chars' },
  { name: 'merges', type: 'int', min: 1, max: 2000, default: 200 },
  { name: 'preset', type: 'enum', values: ['rnn', 'lstm', 'gru', 'gpt'], default: 'lstm' },
  { name: 'body', type: 'layers', default: null },
  { name: 'embed', type: 'int', min: 2, max: 1024, default: 64 },
  { name: 'steps', type: 'int', min: 2, max: 512, default: 100 },
  { name: 'lr', type: 'number', min: 1e-6, max: 0.1, default: 0.002 },
  { name: 'clip', type: 'number', min: 0, max: 100, default: 1 },
  { name: 'decay', type: 'number', min: 0, max: 1, default: 0 }, // AdamW's weight decay (0: Adam)
  { name: 'warmup', type: 'int', min: 0, max: 100000, default: 0 }, // updates of a linear rise of the rate
  { name: 'carry', type: 'enum', values: ['off', 'on'], default: 'off' }, // recurrent models: state carried between batches
  { name: 'every', type: 'int', min: 10, max: 100000, default: 200 },
  { name: 'prompt', type: 'text', max: 200, default: 'ROMEO:' },
  { name: 'temperature', type: 'number', min: 0, max: 3, default: 0.8 },
  { name: 'topk', type: 'int', min: 0, max: 100000, default: 0 },
  { name: 'topp', type: 'number', min: 0.01, max: 1, default: 1 },
  { name: 'beam', type: 'int', min: 1, max: 16, default: 4 },
  { name: 'length', type: 'int', min: 1, max: 2000, default: 300 },
  ...COMMON.map((p) => (p.name === 'batch' ? { ...p, default: 16 } : p)),
];

// The seq2seq tab's table (seq2seq.html): the preset is the task.
export const SEQ2SEQ_PARAMS = [
  { name: 'preset', type: 'enum', values: ['reverse', 'add'], default: 'reverse' },
  { name: 'task', type: 'enum', values: ['reverse', 'add'], default: 'reverse' },
  { name: 'enc', type: 'layers', default: null },
  { name: 'dec', type: 'layers', default: null },
  { name: 'out', type: 'layers', default: null },
  { name: 'examples', type: 'int', min: 100, max: 100000, default: 8000 },
  { name: 'lr', type: 'number', min: 1e-6, max: 0.1, default: 0.003 },
  { name: 'teacher', type: 'number', min: 0, max: 1, default: 1 }, // teacher forcing: 1 on, 0 off, between: scheduled sampling
  { name: 'beam', type: 'int', min: 1, max: 16, default: 4 },
  { name: 'source', type: 'text', max: 12, default: 'abcdefg' },
  ...COMMON.map((p) => (p.name === 'batch' ? { ...p, default: 32 } : p)),
];

// base64url of UTF-8 JSON: a layer list survives copying and pasting a link.
const encodeJson = (v) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(v)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const decodeJson = (s) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));

/** The values an enum parameter allows: its list, or the catalog's names (null until the catalog is known). */
export function allowed(p, catalog) {
  return p.values ?? (catalog ? p.catalog(catalog) : null);
}

/**
 * A field's text as its setting's value, or why it is not allowed: {value} or {error} (the
 * error names the value, and the range of a number). Enum names the catalog allows need it.
 */
export function fieldValue(p, raw, catalog) {
  if (p.type === 'text') return raw.length <= p.max ? { value: raw } : { error: `longer than ${p.max} characters` };
  if (p.type === 'bool') return { value: raw === 'on' };
  const v = p.type === 'enum' ? raw : Number(raw);
  const ok = p.type === 'enum'
    ? (allowed(p, catalog) ?? []).includes(v)
    : raw !== '' && Number.isFinite(v) && v >= p.min && v <= p.max && (p.type !== 'int' || Number.isInteger(v));
  return ok ? { value: v } : { error: `${raw === '' ? 'empty' : raw} is not allowed${p.type === 'enum' ? '' : ` (${p.min} to ${p.max})`}` };
}

/**
 * Watch a settings field (a playground's or a studio's): each change is checked against its
 * table entry. A value not allowed is marked in the field and goes to block(reason), so nothing
 * trains until it is fixed (never the old value in silence); an allowed one clears the reason
 * and goes to commit(value). A range counts as it moves; other fields once typed (on change).
 * @param {HTMLInputElement|HTMLSelectElement} input
 * @param {object} p  the parameter's table entry
 * @param {{catalog: () => object|null, block: (reason: string|null) => void, commit: (value) => void}} how
 */
export function watchField(input, p, { catalog, block, commit }) {
  input.addEventListener(input.type === 'range' ? 'input' : 'change', () => {
    const { value, error } = fieldValue(p, input.type === 'checkbox' ? (input.checked ? 'on' : 'off') : input.value, catalog());
    input.setAttribute('aria-invalid', error ? 'true' : 'false');
    const label = input.closest('label')?.firstChild?.textContent?.trim() || p.name;
    block(error ? `${label}: ${error}; fix it to train.` : null);
    if (!error) commit(value);
  });
}

// A layer list from a link holds plain objects with a string type, whose options are numbers,
// names, booleans or lists of numbers, and only `layers` nests (a residual block's inner layers).
// Whether the engine knows the type or takes the values is left to the engine: it names the
// layer in the editor, as it does for a layer a learner edits.
function checkLayers(v, depth = 0) {
  if (!Array.isArray(v) || v.length > 64) throw new Error('not a layer list (an array of up to 64 layers)');
  v.forEach((l, i) => {
    const at = `layer ${depth ? `${i + 1} inside a block` : i + 1}`;
    if (!l || typeof l !== 'object' || Array.isArray(l) || typeof l.type !== 'string') throw new Error(`${at} is not an object with a type`);
    for (const [k, x] of Object.entries(l)) {
      if (!/^[A-Za-z][A-Za-z0-9]{0,39}$/.test(k)) throw new Error(`${at} has an option named '${k.slice(0, 40)}'`);
      if (k === 'layers') {
        if (!Array.isArray(x)) throw new Error(`${at}: layers is not a list of layers`);
        if (depth >= 3) throw new Error(`${at}: blocks nest at most 3 deep`);
        checkLayers(x, depth + 1);
      } else if (!['number', 'string', 'boolean'].includes(typeof x) && !(Array.isArray(x) && x.length <= 4 && x.every((n) => typeof n === 'number')))
        throw new Error(`${at}: ${k} is not a number, a name or a list of numbers`);
    }
  });
  return v;
}

function parseValue(p, raw, catalog) {
  switch (p.type) {
    case 'enum': {
      const values = allowed(p, catalog);
      // before the catalog has come, a name is held as given and checked by checkCatalog
      if (values ? !values.includes(raw) : !/^[\w-]{1,40}$/.test(raw)) throw new Error(`expected one of ${values?.join(', ') ?? 'the engine\'s names'}`);
      return raw;
    }
    case 'number':
    case 'int': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new Error('not a number');
      if (p.type === 'int' && !Number.isInteger(v)) throw new Error('not a whole number');
      if (v < p.min || v > p.max) throw new Error(`outside [${p.min}, ${p.max}]`);
      return v;
    }
    case 'bool':
      if (!['true', 'false', 'on', 'off'].includes(raw)) throw new Error('expected true or false');
      return raw === 'true' || raw === 'on';
    case 'layers':
      return checkLayers(decodeJson(raw));
    case 'path':
      // a relative path on this site: no scheme, no leading slash, no way up out of the page's folder
      if (!/^(?![/.])(?!.*\.\.)[\w./-]{1,200}\.dlpm$/.test(raw)) throw new Error('expected a path to a .dlpm file beside the page, e.g. models/mnist-mlp.dlpm');
      return raw;
    case 'points':
      // x,y,label;x,y,label
      return raw.split(';').filter(Boolean).map((t) => {
        const [x, y, label] = t.split(',').map(Number);
        if (![x, y].every(Number.isFinite) || !Number.isInteger(label) || label < 0 || label > 3 || Math.abs(x) > 6 || Math.abs(y) > 6)
          throw new Error(`bad point '${t}'`);
        return { x, y, label };
      });
    case 'text':
      if (raw.length > p.max) throw new Error(`longer than ${p.max} characters`);
      return raw;
    case 'list': {
      const v = raw.split(',').filter(Boolean), bad = v.find((x) => !p.values.includes(x));
      if (bad !== undefined) throw new Error(`'${bad.slice(0, 40)}' is not one of ${p.values.join(', ')}`);
      return v;
    }
  }
  throw new Error(`unknown type ${p.type}`);
}

/**
 * A value read from JSON (a preset file) for parameter `p`: returned when allowed, else an Error
 * saying what is wrong with it (the caller adds where it was). Enum names the catalog allows
 * are held as given until the catalog has come (checkCatalog), as parseHash does.
 */
export function jsonValue(p, v) {
  const kind = Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
  const want = (what) => new Error(`expected ${what}, not ${kind}`);
  switch (p.type) {
    case 'enum':
      if (typeof v !== 'string') throw want(p.values ? `one of ${p.values.join(', ')}` : 'a name');
      return parseValue(p, v, null);
    case 'number':
    case 'int':
      if (typeof v !== 'number') throw want(p.type === 'int' ? 'a whole number' : 'a number');
      return parseValue(p, String(v), null);
    case 'bool':
      if (typeof v !== 'boolean') throw want('true or false');
      return v;
    case 'layers':
      return checkLayers(v);
    case 'points':
      if (!Array.isArray(v)) throw want('a list of points {x, y, label}');
      return parseValue(p, v.map((q) => `${q?.x},${q?.y},${q?.label}`).join(';'), null);
    case 'list':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw want(`a list of names (${p.values.join(', ')})`);
      return parseValue(p, v.join(','), null);
    default:
      if (typeof v !== 'string') throw want('text');
      return parseValue(p, v, null);
  }
}

/** The hash for the settings given (every one of them, defaults too: a preset's lr counts even when it is the default). */
export function settingsHash(settings, params = PARAMS) {
  const out = new URLSearchParams(), byName = new Map(params.map((p) => [p.name, p]));
  for (const [k, v] of Object.entries(settings)) out.set(k, formatValue(byName.get(k), v));
  return `#${out}`;
}

function formatValue(p, v) {
  if (p.type === 'layers') return v ? encodeJson(v) : '';
  if (p.type === 'points') return v.map((q) => `${+q.x.toFixed(3)},${+q.y.toFixed(3)},${q.label}`).join(';');
  if (p.type === 'list') return v.join(',');
  return String(v);
}

/** The defaults for every parameter (of the playground, or of the table given). */
export function defaults(params = PARAMS) {
  return Object.fromEntries(params.map((p) => [p.name, structuredClone(p.default)]));
}

const ignored = (p, raw, why) => `Ignored ${p.name}=${raw.length > 24 ? raw.slice(0, 24) + '…' : raw}: ${why}; using ${formatValue(p, p.default) || 'the default'}.`;

/**
 * Read a hash like "#dataset=mnist&preset=lenet&lr=0.002". Returns {state, notices, given}: each
 * notice names a parameter that was ignored and why; `given` holds the names read as given
 * (the rest follow their defaults, or the data set's). Without the engine's catalog, the names it
 * allows are checked later by checkCatalog.
 */
export function parseHash(hash, catalog = null, params = PARAMS) {
  const state = defaults(params), notices = [], given = new Set(), byName = new Map(params.map((p) => [p.name, p]));
  const seen = new Set();
  for (const [name, raw] of new URLSearchParams(hash.replace(/^#/, ''))) {
    const p = byName.get(name);
    if (seen.has(name) && p) notices.push(`"${name}" is given more than once; the last value counts.`);
    seen.add(name);
    if (!p) {
      notices.push(`Ignored unknown setting "${name}".`);
      continue;
    }
    try {
      state[name] = parseValue(p, raw, catalog);
      given.add(name);
    } catch (e) {
      notices.push(ignored(p, raw, e.message));
    }
  }
  return { state, notices, given };
}

/**
 * Check the names the engine's catalog allows (optimizer, schedule, initializer) once it has
 * come: a name it does not know falls back to the default. Returns the notices.
 */
export function checkCatalog(state, catalog, params = PARAMS) {
  const notices = [];
  for (const p of params) {
    if (!p.catalog) continue;
    const values = p.catalog(catalog);
    if (values.includes(state[p.name])) continue;
    notices.push(ignored(p, String(state[p.name]), `expected one of ${values.join(', ')}`));
    state[p.name] = structuredClone(p.default);
  }
  return notices;
}

/** The hash for a state: only values that differ from their defaults. */
export function toHash(state, params = PARAMS) {
  const out = new URLSearchParams();
  for (const p of params) {
    const v = state[p.name];
    if (JSON.stringify(v) !== JSON.stringify(p.default)) out.set(p.name, formatValue(p, v));
  }
  const s = out.toString();
  return s ? `#${s}` : '';
}
