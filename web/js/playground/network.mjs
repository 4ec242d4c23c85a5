// network.mjs: a playground's network: the preset select, the layer editor (whose layer types,
// options and activations come from the engine's catalog), the spec the engine builds from it,
// and checking that spec in the worker on every edit, so the card the engine blames shows why.
import { presetLayers, PRESET_INFO } from '../presets.mjs';
import { createLayerEditor } from '../layer-editor.mjs';

/** The part of a playground that owns its network (ctx: see index.mjs). */
export function createNetworkPart(ctx) {
  const { state, q } = ctx;
  let editor = null;
  let editorReady;
  const haveEditor = new Promise((r) => (editorReady = r));
  let owners = []; // for each layer of the built spec: its index in editor.flatten(), or -1

  // The full spec: the editor's hidden layers with the chosen initializer and dropout, then the
  // output layer (one unit per class).
  function fullSpec() {
    const hidden = editor.get();
    const init = state.init === 'auto' ? null : state.init;
    // the layers that have a kernel to initialize, by the catalog
    const kernels = new Set(ctx.catalog.layers.filter((d) => d.options.some((o) => o.name === 'kernelInitializer')).map((d) => d.name));
    const layers = [];
    owners = [];
    let flatIndex = 0;
    const apply = (list, out, top) => {
      for (const l of list) {
        const copy = { ...l };
        const own = flatIndex++;
        if (init && kernels.has(l.type)) copy.kernelInitializer = init;
        if (l.layers) { /* the engine lists a residual block before its inner layers, as the editor does */
          const inner = [];
          owners.push(own);
          apply(l.layers, inner, false);
          copy.layers = inner;
          out.push(copy);
        } else {
          out.push(copy);
          owners.push(own);
        }
        if (top && state.dropout > 0 && l.type === 'dense') {
          out.push({ type: 'dropout', rate: state.dropout });
          owners.push(-1);
        }
      }
    };
    apply(hidden, layers, true);
    layers.push({ type: 'dense', units: ctx.classCount(), name: 'output', ...(init ? { kernelInitializer: init } : {}) });
    owners.push(-1);
    return { input: ctx.inputShape(), seed: state.seed, layers };
  }

  async function validate() {
    await haveEditor;
    const spec = fullSpec();
    const r = await ctx.remote.validate(spec);
    const flat = editor.flatten().length, summary = q('net-summary');
    if (r.ok) {
      const info = new Array(flat);
      r.layers.forEach((l, i) => owners[i] >= 0 && (info[owners[i]] = l));
      editor.showResult({ ok: true, layers: info });
      q('net-output').textContent = `→ output: dense ${ctx.classCount()} (one unit per class), then softmax in the loss`;
      summary.textContent = `${r.params.toLocaleString()} parameters`;
      summary.className = 'summary';
    } else {
      const m = /^layer (\d+)/.exec(r.error);
      const engineIndex = m ? Number(m[1]) - 1 : -1;
      const errorIndex = engineIndex >= 0 ? owners[engineIndex] : -1, known = owners.slice();
      // the layers before the invalid one keep their shapes: the engine checks that prefix alone
      const info = new Array(flat), prefix = topLevelBefore(spec.layers, engineIndex);
      if (prefix.length) {
        const p = await ctx.remote.validate({ ...spec, layers: prefix }).catch(() => null);
        p?.ok && p.layers.forEach((l, i) => known[i] >= 0 && (info[known[i]] = l));
      }
      editor.showResult({ ok: false, error: r.error, errorIndex: errorIndex >= 0 ? errorIndex : null, layers: info });
      summary.textContent = errorIndex >= 0 ? 'Fix the layer marked in red to train.' : r.error;
      summary.className = 'summary error';
    }
    ctx.blockStart('network', r.ok || ctx.loadedModel ? null : 'Fix the layer marked in red first.');
    if (r.ok) estimate(); else q('net-estimate').textContent = '';
    // the untrained network shows before Start (the model Start trains): on 2-D data its
    // boundary and units, on images its layers
    if (r.ok && !ctx.session && !ctx.loadedModel)
      ctx.later('preview', () => !ctx.session && ensureModel().then((ok) => ok && !ctx.session && (ctx.images() ? ctx.parts.views.previewLayers() : ctx.parts.views.refreshInsight())).catch(() => {}), 0);
    return r.ok;
  }

  // How long an epoch of image data will take here, before Start: the worker times a few
  // training steps of a throwaway copy of the network (a 2-D epoch takes milliseconds).
  function estimate() {
    ctx.later('estimate', async () => {
      const note = q('net-estimate');
      if (!ctx.images() || !ctx.catalog || ctx.session) return void (ctx.images() || (note.textContent = ''));
      const batch = ctx.auto('batch'), train = ctx.trainSize ?? 60000, test = ctx.testSize ?? 10000;
      try {
        const t = await ctx.remote.timeStep(fullSpec(), batch, ctx.parts.training.trainOptions());
        const s = (Math.ceil(train / batch) * t.stepMs + test * t.predictMs) / 1000;
        note.textContent = `About ${s < 10 ? s.toFixed(1) : Math.round(s)} s an epoch on this machine (${train.toLocaleString()} images in batches of ${batch}, then the ${test.toLocaleString()} test images).`;
        ctx.root.dataset.epochEstimate = s.toFixed(2); // for tests
      } catch {
        note.textContent = '';
      }
    }, 400);
  }

  // The whole top-level layers that the engine's flat list (a block, then its inner layers)
  // has finished before index `end`.
  function topLevelBefore(layers, end) {
    const size = (l) => 1 + (l.layers ?? []).reduce((a, x) => a + size(x), 0), out = [];
    let at = 0;
    for (const l of layers) {
      if ((at += size(l)) > end) break;
      out.push(l);
    }
    return out;
  }

  function showPresetAbout() {
    const info = PRESET_INFO[state.preset];
    q('preset-about').textContent = state.layers ? `Started from the ${info.title} preset, then edited.` : info.about;
  }

  function changed() {
    if (!editor) return; // before the catalog: the editor will start from the preset
    // the preset select keeps showing where the layers came from; layers equal to it are its
    const layers = editor.get(), preset = presetLayers(state.preset, ctx.inputShape());
    state.layers = JSON.stringify(layers) === JSON.stringify(preset) ? null : layers;
    showPresetAbout();
    ctx.writeHash();
    ctx.loadedModel = false;
    ctx.later('validate', validate, 120);
  }

  // Presets that need images are offered on 2-D data disabled, saying so; a link or an earlier
  // choice of one falls back to the MLP with a notice.
  function showPresetChoices() {
    for (const o of q('preset').options) {
      const needsImages = PRESET_INFO[o.value]?.images && !ctx.images();
      o.disabled = needsImages;
      o.textContent = `${PRESET_INFO[o.value].title}${needsImages ? ' (needs images: choose MNIST or Fashion-MNIST)' : ''}`;
    }
    if (PRESET_INFO[state.preset]?.images && !ctx.images()) {
      ctx.notice(`The ${PRESET_INFO[state.preset].title} preset needs images; using the MLP for the 2-D data.`);
      state.preset = 'mlp';
      q('preset').value = 'mlp';
      if (!ctx.touched.has('layers')) state.layers = null;
      ctx.writeHash();
    }
  }

  function setPresetLayers() {
    editor?.set(state.layers ?? presetLayers(state.preset, ctx.inputShape()));
    showPresetAbout();
    showInput();
  }

  function showInput() {
    q('net-input').textContent = `input: [${ctx.inputShape().join('×')}]`;
  }

  // Once the catalog has come: the editor, showing the link's layers or the preset's.
  function useCatalog() {
    editor = createLayerEditor(q('layer-editor'), { catalog: ctx.catalog, onChange: changed });
    setPresetLayers();
    editorReady();
  }

  // Replace the playground's model; the old one is freed in the worker (a run on it stops).
  function replaceModel(m) {
    const old = ctx.model;
    ctx.model = m;
    if (old && old !== m) old.dispose().catch(() => {});
  }

  /** A model for the current spec: the one built already, or a new one (false: the spec is invalid).
   * Calls take turns: a preview and a Start at once must not each make a model, the second
   * replacing (and so stopping) the one the first began to train. */
  let building = null;
  async function ensureModel() {
    while (building) await building.catch(() => {});
    building = buildModel().finally(() => (building = null));
    return building;
  }
  async function buildModel() {
    await haveEditor;
    const spec = fullSpec();
    if (ctx.model && ctx.loadedModel) return true;
    if (ctx.model && ctx.built && JSON.stringify(ctx.built) === JSON.stringify(spec)) return true;
    if (!(await validate())) return false;
    replaceModel(await ctx.remote.create(spec));
    ctx.built = spec;
    q('net-summary').textContent = `${ctx.model.summary.params.toLocaleString()} parameters`;
    ctx.parts.views.reset();
    ctx.parts.views.resetGallery();
    return true;
  }

  /** A model loaded from a file: its hidden layers go into the editor (the output layer stays implied). */
  async function showLoaded(m) {
    while (building) await building.catch(() => {}); // (a model being built must not replace this one after)
    replaceModel(m);
    ctx.parts.views.reset(); // the curves were another model's
    const hidden = m.summary.spec.layers.filter((l, i, all) => !(i === all.length - 1 && l.name === 'output'));
    editor.set(hidden);
    state.layers = editor.get();
    ctx.writeHash();
    showPresetAbout();
    ctx.loadedModel = true;
    ctx.built = null;
    await validate();
  }

  function wire() {
    ctx.bind('preset', () => {
      state.layers = null;
      ctx.touched.delete('layers');
      setPresetLayers();
      changed();
    });
  }

  return { fullSpec, validate, estimate, setPresetLayers, showPresetChoices, showInput, useCatalog, ensureModel, showLoaded, wire };
}
