// studio.mjs: what the generative pages (gan.html, vae.html) share: the bar, the run bar
// (Start / Pause, the page's step buttons, Stop, Reset, progress, keys), settings bound to the
// URL through a table of state.mjs, the data (image sets streamed into the worker, the test set
// in the page for the views; 2-D points sent to the worker), a layer editor per network checked
// by the engine, one or more models trained in the worker, a live loop that redraws, and saving
// and loading. A page module (studio/gan.mjs, studio/vae.mjs) brings its settings, presets,
// models and views. No math here.
//
// A run is one `train` call per model, open-ended until Pause or Stop; Start continues from
// where the last run ended (the weights and the optimizers' state stay in the worker). Between
// runs, the page's step buttons train single steps, also with a program of one step (a GAN's
// "step D"). Tests read root.dataset: engine (ready), training (idle, running), steps (done),
// drawn (views redrawn), loaded (a model file's name).
import { attach } from '../../dlplay/worker-client.mjs';
import { fetchDataset } from '../../dlplay/datasets.mjs';
import { parseHash, toHash, checkCatalog, watchField } from '../state.mjs';
import { createLayerEditor } from '../layer-editor.mjs';
import { site } from '../site.mjs';
import { createProgress } from '../components/progress.mjs';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function template(page) {
  const steps = page.steps.map((s) => `<button data-part="${s.part}" type="button" class="secondary"${s.key ? ` aria-keyshortcuts="${s.key}"` : ''} title="${esc(s.title)}">${esc(s.label)}</button>`).join('');
  const editors = page.networks.map((n) => `
        <h3>${esc(n.label)}</h3>
        <p class="note io">${esc(n.input)}</p>
        <div data-part="editor-${n.name}"></div>
        <p class="note io" data-part="out-${n.name}">${esc(n.output)}</p>`).join('');
  return `
  <a class="skip" href="#" data-part="skip">Skip to the training controls</a>
  <header class="bar">
    <a class="brand" href="index.html">dlplay</a>
    <span class="crumb">${esc(page.title)}</span>
    <span data-part="engine-status" class="engine" aria-live="polite">loading engine…</span>
    <button data-part="share" type="button" class="secondary">Copy link</button>
  </header>
  <div data-part="notices" class="notices" role="status" aria-live="polite"></div>
  <div class="runbar" role="toolbar" aria-label="Training">
    <div class="buttons">
      <button data-part="start" type="button" aria-keyshortcuts="k" title="Start or pause training (key: k)">Start</button>
      ${steps}
      <button data-part="reset" type="button" class="secondary" title="new weights">Reset</button>
    </div>
    <span data-part="start-why" class="note start-why" role="status"></span>
    <div data-part="progress" class="run-progress"></div>
    <span class="keys note">keys: <kbd>k</kbd> start/pause${page.steps.filter((s) => s.key).map((s) => ` · <kbd>${s.key}</kbd> ${esc(s.label.toLowerCase())}`).join('')}</span>
    <p data-part="file-status" class="note run-status" role="status" aria-live="polite"></p>
  </div>
  <div class="layout">
    <section class="col config" aria-label="Configuration">
      ${page.configHtml}
      <div class="card" data-control="network">
        <h2>Networks</h2>
        <label class="row">Preset <select data-part="preset">${Object.entries(page.presets).map(([k, p]) => `<option value="${k}">${esc(p.title)}</option>`).join('')}</select></label>
        <p data-part="preset-about" class="note"></p>
        ${editors}
        <p data-part="net-summary" class="summary" role="status"></p>
      </div>
      <div class="card" data-control="file">
        <h2>Model file</h2>
        <div class="buttons">
          <button data-part="save" type="button" class="secondary">Save model</button>
          <label class="filebtn">Load model<input data-part="load" type="file" accept=".dlpm"></label>
        </div>
        <p class="note">A saved file keeps the networks and their weights; loading one replaces the model here.</p>
      </div>
    </section>
    <section class="col views" aria-label="Views">${page.viewsHtml}</section>
  </div>`;
}

/**
 * A generative page inside root.
 * @param {HTMLElement} root
 * @param {object} page  title, params (a state.mjs table), presets ({name: {title, about,
 *   settings, nets(state)}}), networks ([{name, label, input, output}]: one editor each, held
 *   in state[name]), steps ([{part, label, title, key?, run(ctx)}]), configHtml, viewsHtml,
 *   dataParams (the settings that change the data), programParams (that change the training
 *   program or the run only: the models keep their weights), viewParams (that change only what
 *   the views show: viewChanged(ctx), or a redraw; the rest build new models), images(state)
 *   (image data, else 2-D points), loadData(ctx, status) (other data: sends it to the worker,
 *   resolves to the held set's name),
 *   plane(state) (2-D points: Float32Array x),
 *   models(ctx) -> [{key, spec, program}], views(ctx) -> {draw(), reset(), steps(key, records)},
 *   drawMs(ctx) (how often a run redraws), trainOptions(ctx) (more options for train), chunk(ctx)
 *   (iterations per call into the engine: requests wait for a chunk to end; 8),
 *   iterationsPerEpoch(ctx), progress(ctx, record) (the losses for the run bar),
 *   summary(models) (a line for the network card), check(ctx) (a reason Start is blocked, or ''),
 *   fits(ctx, summary) (why a loaded file does not fit the page, or ''), adopt(ctx, summary) (the
 *   settings a loaded file implies)
 * @param {{worker?: Worker}} [options]  a worker the page started early (prefetch)
 */
export function createStudio(root, page, options = {}) {
  root.classList.add('playground', 'studio');
  root.innerHTML = template(page);
  const parsed = parseHash(location.hash, null, page.params);
  const ctx = {
    root,
    page,
    state: parsed.state,
    touched: parsed.given,
    remote: null,
    catalog: null,
    models: new Map(), // key -> RemoteModel
    editors: {},
    running: null, // while a run lasts: {runs: [train promises], open: until Pause (else a step button's few steps)}
    test: null, // the test set in the page: {x, y, n} (images), for the views
    steps: 0, // training iterations done by the current models
    base: 0, // ctx.steps when the current run started
    dataName: '',
    blocked: {},
    timers: {},
    q: (part) => root.querySelector(`[data-part="${part}"]`),
    images: () => page.images(ctx.state),
    later(name, f, ms) {
      clearTimeout(ctx.timers[name]);
      ctx.timers[name] = setTimeout(f, ms);
    },
    notice(text) {
      const p = document.createElement('p');
      p.textContent = text;
      ctx.q('notices').append(p);
    },
    status(text, error = false) {
      const e = ctx.q('file-status');
      e.textContent = text;
      e.classList.toggle('error', error);
    },
    // Start and the step buttons wait until nothing blocks them; the reasons show beside them.
    blockStart(what, why) {
      ctx.blocked[what] = why;
      const reason = Object.values(ctx.blocked).filter(Boolean).join(' ');
      for (const b of ['start', ...page.steps.map((s) => s.part)]) ctx.q(b).disabled = Boolean(reason) && !ctx.running;
      ctx.q('start-why').textContent = reason;
    },
    writeHash: () => history.replaceState(null, '', toHash(ctx.state, page.params) || location.pathname),
    /** Bind a setting's element to the state (checked against the table), then call after(). */
    bind(name, after) {
      const input = ctx.q(name), p = page.params.find((x) => x.name === name);
      const set = () => (input.type === 'checkbox' ? (input.checked = ctx.state[name] === 'on') : (input.value = ctx.state[name]));
      set();
      watchField(input, p, {
        catalog: () => ctx.catalog,
        block: (why) => ctx.blockStart(`field ${name}`, why),
        commit(v) {
          ctx.state[name] = v;
          ctx.touched.add(name);
          ctx.writeHash();
          after?.();
        },
      });
      return set;
    },
  };
  const progress = createProgress(ctx.q('progress'));
  // Whatever changes the models (a new program, new models, a file, a run's start) takes its
  // turn: a field's change on blur and the click that caused the blur must not interleave.
  let lock = Promise.resolve();
  function acquire() { // resolves to the function that releases it
    let release;
    const held = new Promise((r) => (release = r)), turn = lock.then(() => release);
    lock = lock.then(() => held);
    return turn;
  }
  async function exclusive(fn) {
    const release = await acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
  /** Resolves once whatever changes the models now (a reset, a rebuild, a load) is done. */
  ctx.settled = () => exclusive(async () => {});
  let views = null, live = null;
  const showers = {}; // name -> refresh the field from the state (after a preset)

  // ---- settings and presets -----------------------------------------------------------------

  // A preset sets every value the link (or the user) did not choose.
  function applyPreset(all) {
    const p = page.presets[ctx.state.preset];
    for (const [k, v] of Object.entries(p.settings)) if (all || !ctx.touched.has(k)) ctx.state[k] = v;
    for (const n of page.networks) if (all) ctx.state[n.name] = null;
    ctx.q('preset-about').textContent = p.about;
  }

  function netLayers(name) {
    return ctx.state[name] ?? page.presets[ctx.state.preset].nets(ctx.state)[name];
  }

  // ---- the networks, checked by the engine ---------------------------------------------------

  async function validate() {
    const list = page.models(ctx), spec = list[0].spec, r = await ctx.remote.validate(spec);
    const summary = ctx.q('net-summary');
    for (const n of page.networks) {
      const editor = ctx.editors[n.name], offset = page.layerOffset?.(ctx, n.name) ?? 0;
      const mine = r.ok ? r.layers.filter((l) => l.name.startsWith(`${page.netOf?.(n.name) ?? n.name}/`)).slice(offset) : [];
      const m = !r.ok && new RegExp(`network '${page.netOf?.(n.name) ?? n.name}' layer (\\d+)`).exec(r.error);
      const at = m ? Number(m[1]) - 1 - offset : -1, count = editor.flatten().length;
      editor.showResult(r.ok ? { ok: true, layers: mine } : { ok: false, error: r.error, errorIndex: at >= 0 && at < count ? at : null, layers: [] });
      const out = ctx.q(`out-${n.name}`);
      out.textContent = m && at >= count ? `${n.output} Now: ${r.error.replace(/^network '\w+' layer \d+: /, '')}` : n.output;
      out.classList.toggle('error', Boolean(m && at >= count));
    }
    summary.textContent = r.ok ? page.summary(r) : /layer \d+/.test(r.error) ? 'Fix what is marked in red to train.' : r.error;
    summary.className = r.ok ? 'summary' : 'summary error';
    ctx.blockStart('network', r.ok ? null : 'Fix the networks first.');
    return r.ok;
  }

  function makeEditors() {
    for (const n of page.networks) {
      ctx.editors[n.name]?.destroy();
      const box = ctx.q(`editor-${n.name}`);
      box.replaceChildren();
      const editor = (ctx.editors[n.name] = createLayerEditor(box, {
        catalog: ctx.catalog,
        onChange: (layers) => {
          ctx.state[n.name] = layers;
          ctx.touched.add(n.name);
          ctx.writeHash();
          ctx.q('preset-about').textContent = `Started from the ${page.presets[ctx.state.preset].title} preset, then edited.`;
          changed();
        },
      }));
      editor.set(netLayers(n.name));
    }
  }

  // Anything that changes the models: the old ones go (after a running one stops), new ones
  // are built on the next Start or step; the views show the untrained models meanwhile.
  // (Start waits meanwhile: a run begun on the old models would be stopped by the rebuild)
  function changed() {
    ctx.blockStart('rebuild', 'Building the model…');
    ctx.later('rebuild', () => exclusive(async () => {
      await stopRun();
      await disposeModels();
      if (await validate().catch((e) => (ctx.status(e.message, true), false))) await ensureModels().then(() => draw()).catch((e) => ctx.status(e.message, true));
    }).finally(() => ctx.blockStart('rebuild', null)), 150);
  }

  async function disposeModels() {
    for (const m of ctx.models.values()) await m.dispose().catch(() => {});
    ctx.models.clear();
    ctx.steps = 0;
    root.dataset.steps = '0';
    views?.reset();
    progress.reset();
  }

  async function ensureModels() {
    if (ctx.models.size) return true;
    for (const { key, spec, program } of page.models(ctx)) {
      const m = await ctx.remote.create(spec);
      await m.setProgram(program);
      ctx.models.set(key, m);
    }
    return true;
  }

  // ---- data ----------------------------------------------------------------------------------

  async function loadData() {
    const s = ctx.state, status = ctx.q('data-status');
    ctx.blockStart('data', 'Loading the data…');
    try {
      if (page.loadData) {
        ctx.dataName = await page.loadData(ctx, status);
      } else if (ctx.images()) {
        const train = `${s.dataset}-train`;
        ctx.dataName = train;
        const testing = fetchDataset(site(`data/${s.dataset}-test.dlds.gz`));
        await ctx.remote.loadDataset(train, site(`data/${train}.dlds.gz`), (count, n) => {
          status.textContent = `${train}: ${count.toLocaleString()} of ${n.toLocaleString()} images`;
        });
        ctx.test = await testing;
        status.textContent = `${s.dataset === 'mnist' ? 'MNIST digits' : 'Fashion-MNIST'}: 60,000 training images; the views use test images.`;
      } else {
        const x = page.plane(s), why = page.check?.(ctx);
        if (why) { // (too few points drawn: nothing to send yet)
          status.textContent = `${(x.length / 2).toLocaleString()} points.`;
          return ctx.blockStart('data', why);
        }
        ctx.dataName = `studio-${s.dataset}-${Math.random().toString(36).slice(2, 8)}`;
        await ctx.remote.setDataset(ctx.dataName, { x }, { n: x.length / 2, shape: [2] });
        status.textContent = `${(x.length / 2).toLocaleString()} points.`;
      }
      ctx.blockStart('data', page.check?.(ctx) || null);
    } catch (e) {
      status.textContent = `Could not load the data: ${e.message}`;
      ctx.blockStart('data', 'The data could not be loaded.');
    }
  }

  // ---- running -------------------------------------------------------------------------------

  // The run bar while a run lasts: Pause for an open run; a step button's run ends by itself.
  function setRunning() {
    ctx.q('start').textContent = ctx.running?.open ? 'Pause' : ctx.steps ? 'Resume' : 'Start';
    root.dataset.training = ctx.running ? 'running' : 'idle';
    ctx.blockStart('run', null);
  }

  function onSteps(key, records) {
    if (key === [...ctx.models.keys()][0]) {
      ctx.steps += records.length;
      root.dataset.steps = String(ctx.steps);
    }
    views.steps(key, records);
  }

  // One train call per model (open-ended, or `iterations` long); they take turns in the worker
  // between chunks. `program`: a program for this run only (a GAN's "step D").
  async function start({ iterations, program } = {}) {
    if (ctx.running) return;
    const run = (ctx.running = { runs: [], open: !iterations }); // (open: until Pause)
    setRunning();
    ctx.status('');
    const t0 = performance.now(), s0 = ctx.steps;
    let where = ''; // the last step's place and losses
    const train = async (key, m, seed) => {
      try {
        return await m.train({ dataset: ctx.dataName }, {
          ...(iterations ? { iterations } : { epochs: 1e6, ...page.trainOptions?.(ctx) }), batchSize: ctx.state.batch, seed, chunk: page.chunk?.(ctx) ?? 8,
          onSteps: (records) => {
            onSteps(key, records);
            if (key !== [...ctx.models.keys()][0]) return;
            const sec = (performance.now() - t0) / 1000;
            // (an open run has no end: the bar moves without a fraction, the text says how far)
            const epochs = ctx.steps / page.iterationsPerEpoch(ctx);
            where = `step ${ctx.steps.toLocaleString()} (epoch ${epochs.toFixed(epochs < 10 ? 2 : 1)}) · ${page.progress(ctx, records.at(-1))}`;
            progress.update({ fraction: iterations ? 1 : null, text: `${where} · ${Math.round((ctx.steps - s0) / Math.max(sec, 1e-3))} steps/s` });
          },
        });
      } finally {
        if (program) await m.setProgram(page.models(ctx).find((x) => x.key === key).program);
      }
    };
    try {
      await ctx.ready;
      const release = await acquire(); // (held until every train call is posted: the worker keeps their order)
      try {
        await ensureModels();
        if (program) for (const m of ctx.models.values()) await m.setProgram(program);
        ctx.base = ctx.steps; // (each run's records count from 0; the curves go on from here)
        const seed = ctx.state.seed * 1000 + ctx.steps; // (a new shuffle for each run, the same for the same clicks)
        run.runs = [...ctx.models].map(([key, m]) => train(key, m, seed));
      } finally {
        release();
      }
      if (!iterations) live = setInterval(draw, page.drawMs(ctx));
      const failed = (await Promise.allSettled(run.runs)).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (e) {
      ctx.status(`Training stopped: ${e.message}`, true);
    } finally {
      clearInterval(live);
      if (where) progress.update({ fraction: 0, text: `${where} · paused` });
      await draw(); // (the views show where the run ended before the page says it is idle)
      ctx.running = null;
      setRunning();
    }
  }

  async function stopRun() {
    const run = ctx.running;
    if (!run) return;
    for (const m of ctx.models.values()) await m.stop().catch(() => {});
    await Promise.allSettled(run.runs);
    while (ctx.running) await new Promise((r) => setTimeout(r, 10));
  }

  // One drawing at a time; a call while one runs queues one more (which shows the latest state),
  // and calls meanwhile share it.
  let chain = Promise.resolve(), queued = null;
  function draw() {
    if (!ctx.models.size) return chain;
    return (queued ??= chain = chain.then(() => {
      queued = null;
      return views.draw().catch((e) => ctx.status(`Could not draw: ${e.message}`, true)).finally(() => {
        root.dataset.drawn = String(Number(root.dataset.drawn ?? 0) + 1);
      });
    }));
  }

  // ---- files ---------------------------------------------------------------------------------

  async function save() {
    const [key, m] = [...ctx.models][0] ?? [];
    if (!m) return ctx.status('Could not save: there is no model yet (press Start or a step button).', true);
    try {
      const { bytes } = await m.save({ optimizer: true });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      a.download = `dlplay-${page.file}-${ctx.state.dataset}-${key}.dlpm`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      ctx.status(`Saved ${a.download} (${bytes.length.toLocaleString()} bytes, with the optimizers' state).`);
    } catch (e) {
      ctx.status(`Could not save: ${e.message}`, true);
    }
  }

  // (callers stop a run first, then take the lock)
  async function load(name, bytes) {
    try {
      const m = await ctx.remote.load(new Uint8Array(await bytes()));
      const why = page.fits?.(ctx, m.summary);
      if (why) {
        await m.dispose();
        throw new Error(why);
      }
      await disposeModels();
      // the page's settings and editors follow the file (its latent size, loss, networks), so
      // the views read it rightly; editing a network afterwards builds a new model, as ever
      Object.assign(ctx.state, page.adopt(ctx, m.summary));
      for (const set of Object.values(showers)) set();
      makeEditors();
      ctx.writeHash();
      ctx.models.set(page.models(ctx)[0].key, m); // (a file holds one model: the page's first)
      root.dataset.loaded = name;
      ctx.status(`Loaded ${name}: ${m.summary.params.toLocaleString()} parameters. Start trains it further.`);
      await draw();
    } catch (e) {
      ctx.status(`Could not load ${name}: ${e.message}. The current model is unchanged.`, true);
    }
  }

  // ---- wiring --------------------------------------------------------------------------------

  function wire() {
    for (const p of page.params) {
      if (!ctx.q(p.name) || p.name === 'preset') continue;
      const n = p.name, view = () => (page.viewChanged ? page.viewChanged(ctx, n) : draw());
      const after = page.dataParams.includes(n) ? dataChanged : page.programParams.includes(n) ? programChanged : page.viewParams?.includes(n) ? view : changed;
      showers[n] = ctx.bind(n, after);
    }
    ctx.bind('preset', () => {
      applyPreset(true);
      for (const [k, set] of Object.entries(showers)) if (k in page.presets[ctx.state.preset].settings) set();
      makeEditors();
      ctx.writeHash();
      // (a preset that sets the data, as the seq2seq tab's task, loads it again)
      if (Object.keys(page.presets[ctx.state.preset].settings).some((k) => page.dataParams.includes(k))) dataChanged();
      else changed();
    });
    ctx.q('start').addEventListener('click', () => (ctx.running ? stopRun() : start()));
    for (const s of page.steps)
      ctx.q(s.part).addEventListener('click', async () => {
        await stopRun();
        await start(s.run(ctx));
      });
    ctx.q('reset').addEventListener('click', async () => {
      await stopRun();
      await exclusive(async () => {
        await disposeModels();
        ctx.status('');
        delete root.dataset.loaded;
        await ensureModels().then(() => draw()).catch((e) => ctx.status(e.message, true));
      });
    });
    ctx.q('save').addEventListener('click', save);
    ctx.q('load').addEventListener('change', (ev) => {
      const file = ev.target.files[0];
      ev.target.value = '';
      if (file) stopRun().then(() => exclusive(() => load(file.name, () => file.arrayBuffer())));
    });
    ctx.q('skip').addEventListener('click', (ev) => {
      ev.preventDefault();
      ctx.q('start').focus();
    });
    ctx.q('share').addEventListener('click', async () => {
      ctx.writeHash();
      const b = ctx.q('share');
      b.textContent = await navigator.clipboard.writeText(location.href).then(() => 'Link copied', () => 'Copy the address bar');
      ctx.later('share', () => (b.textContent = 'Copy link'), 1500);
    });
    document.addEventListener('keydown', (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.target.closest?.('input, select, textarea')) return;
      const part = ev.key === 'k' ? 'start' : page.steps.find((s) => s.key === ev.key)?.part;
      if (!part || ctx.q(part).disabled) return;
      ev.preventDefault();
      ctx.q(part).click();
    });
  }

  // A setting of the training program only (a learning rate, the loss): the models keep their
  // weights and a run goes on with the new program.
  async function programChanged() {
    const was = ctx.running?.open; // (a run of Step's few steps ends on its own)
    await stopRun();
    try {
      await exclusive(async () => {
        for (const { key, program } of page.models(ctx)) await ctx.models.get(key)?.setProgram(program);
      });
    } catch (e) {
      return ctx.status(`The training program was refused: ${e.message}`, true);
    }
    if (was) start();
  }

  // (playground.css shows .only-images, .only-2d and .only-custom by these)
  function showKind() {
    root.classList.toggle('is-images', ctx.images());
    root.classList.toggle('is-2d', !ctx.images());
    root.classList.toggle('is-custom', ctx.state.dataset === 'custom');
  }

  ctx.reloadData = () => dataChanged();
  async function dataChanged() {
    await stopRun();
    page.dataChanged?.(ctx);
    showKind();
    for (const [k, set] of Object.entries(showers)) if (k in page.presets[ctx.state.preset].settings) set();
    makeEditors();
    views.kind?.();
    await loadData();
    changed();
  }

  async function startUp() {
    ctx.remote = attach({ worker: options.worker, ...(ctx.state.simd === 'off' ? { simd: false } : {}) });
    for (const n of parsed.notices) ctx.notice(n);
    const engine = ctx.q('engine-status');
    try {
      const info = await ctx.remote.ready;
      ctx.catalog = await ctx.remote.catalog();
      for (const n of checkCatalog(ctx.state, ctx.catalog, page.params)) ctx.notice(n);
      engine.textContent = `engine ${info.version} · ${info.simd ? 'WebAssembly SIMD128' : 'plain WebAssembly: slower'}`;
    } catch (e) {
      engine.textContent = `The engine failed to start: ${e.message}`;
      engine.className = 'engine warn';
      throw e;
    }
    page.dataChanged?.(ctx, true);
    applyPreset(false);
    showKind();
    views = page.views(ctx);
    wire();
    makeEditors();
    const data = loadData();
    if (await validate()) await ensureModels();
    await data;
    await draw();
    if (ctx.state.model) {
      const path = ctx.state.model;
      await exclusive(() => load(path, async () => {
        const r = await fetch(new URL(path, document.baseURI));
        if (!r.ok) throw new Error(`the server answered ${r.status}`);
        return r.arrayBuffer();
      }));
    }
    setRunning();
    root.dataset.engine = 'ready';
  }

  ctx.ready = startUp();
  ctx.ready.catch((e) => console.error(e));
  return ctx;
}
