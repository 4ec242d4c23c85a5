// training.mjs: a playground's training controls: optimizer, schedule (previewed with the
// engine's own formulas), batch, epochs, regularization; Start / Pause / Resume, Step, Stop,
// Reset; saving and loading the model. The optimizers, schedules and initializers offered are
// the engine's catalog's.
import { createSchedulePlot } from '../components/schedule-plot.mjs';
import { createProgress } from '../components/progress.mjs';

// How the page sets a schedule for a run of `total` steps (the engine's defaults suit a run of
// unknown length). A UI choice: options named for the run's length (total, period) get it for
// any schedule, so one the engine adds later works; these few get settings of their own.
const LENGTH_OPTIONS = ['total', 'period'];
const TUNING = {
  step: (total) => ({ step_size: Math.max(1, Math.round(total / 4)), gamma: 0.3 }),
  exponential: (total) => ({ gamma: Math.exp(Math.log(0.01) / Math.max(1, total)) }),
  cosine: () => ({ restart: 0 }),
  polynomial: () => ({ power: 2 }),
  cyclical: (total, lr) => ({ lr_max: lr * 5, step_size: Math.max(1, Math.round(total / 8)) }),
  plateau: () => ({ per: 'epoch', patience: 2, factor: 0.3 }), // follows the test loss, per epoch
};

// The 2-D speed control: the least time an epoch takes (TensorFlow Playground shows about as many).
const EPOCH_MS = { slow: 200, watch: 33, fast: 0 };

const clock = (s) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '–');

/** The part of a playground that trains (ctx: see index.mjs). */
export function createTrainingPart(ctx) {
  const { root, state, q } = ctx;
  const progress = createProgress(q('progress'));
  const schedulePlot = createSchedulePlot(q('schedule-plot'));

  // Whether an optimizer takes an option: the catalog lists the optimizers each option is for.
  function takes(type, option) {
    return Boolean(ctx.catalog?.optimizerOptions.find((x) => x.name === option)?.optimizers.includes(type));
  }

  function showOptimizerFields() {
    for (const e of root.querySelectorAll('[data-option]')) e.hidden = !takes(state.optimizer, e.dataset.option);
  }

  function fill(name, entries) {
    const select = q(name);
    select.replaceChildren(...entries.map(([value, label, title]) => Object.assign(document.createElement('option'), { value, textContent: label, title: title ?? '' })));
    select.value = state[name];
  }

  // The catalog has come: the engine's optimizers, schedules and initializers.
  function useCatalog() {
    const c = ctx.catalog;
    fill('optimizer', c.optimizers.map((o) => [o.name, o.name, `default learning rate ${o.lr}`]));
    fill('schedule', c.schedules.map((s) => [s.name, s.name, `options: ${s.options.map((o) => o.name).join(', ')}`]));
    fill('init', [['auto', 'auto (He for ReLU, else Xavier)'], ...c.initializers.map((i) => [i.name, i.name, i.doc])]);
    showOptimizerFields();
  }

  /** lr, batch and epochs follow the kind of data unless chosen. */
  function showAuto() {
    for (const k of ['lr', 'batch', 'epochs']) q(k).value = ctx.auto(k);
  }

  // The schedule over the whole run, in steps (batches).
  function scheduleSpec(epochs) {
    const total = epochs * ctx.stepsPerEpoch(), type = state.schedule;
    const def = ctx.catalog.schedules.find((s) => s.name === type), spec = { type };
    for (const o of def?.options ?? []) {
      if (o.name === 'warmup') spec.warmup = state.warmup;
      if (LENGTH_OPTIONS.includes(o.name)) spec[o.name] = Math.max(1, total);
    }
    return Object.assign(spec, TUNING[type]?.(total, ctx.auto('lr')));
  }

  function trainOptions() {
    const opt = { type: state.optimizer };
    for (const k of ['momentum', 'beta1', 'beta2']) if (takes(state.optimizer, k)) opt[k] = state[k];
    const epochs = ctx.auto('epochs'), batch = ctx.auto('batch');
    return {
      epochs, batchSize: batch, optimizer: opt, lr: ctx.auto('lr'), seed: state.seed,
      schedule: scheduleSpec(epochs),
      l1: state.l1, l2: state.l2,
      augment: ctx.images() ? { shift: state.shift, rotate: state.rotate, scale: state.scale, crop: state.crop, flip: state.flip, cutout: state.cutout, noise: state.pixelnoise } : undefined,
      earlyStopping: state.patience > 0 ? { monitor: 'valLoss', patience: state.patience, restoreBestWeights: true } : undefined,
      chunk: ctx.images() ? 8 : 32,
      minEpochMs: ctx.images() ? 0 : EPOCH_MS[state.speed],
    };
  }

  // Preview the schedule with the engine's own formulas (asked of the worker), over the whole run.
  function drawSchedule() {
    ctx.later('schedule', async () => {
      if (!ctx.catalog) return;
      const epochs = ctx.auto('epochs'), { type, per, ...options } = scheduleSpec(epochs);
      const steps = per === 'epoch' ? epochs : epochs * ctx.stepsPerEpoch();
      try {
        schedulePlot.update(await ctx.remote.scheduleCurve(type, ctx.auto('lr'), options, steps));
      } catch (e) {
        q('file-status').textContent = `Schedule: ${e.message}`;
      }
    }, 50);
  }

  function setRunning(running, paused = false) {
    q('start').textContent = running ? (paused ? 'Resume' : 'Pause') : 'Start';
    q('stop').disabled = !running;
    root.dataset.training = running ? (paused ? 'paused' : 'running') : 'idle';
  }

  // A run exists from the click on: `started` resolves once the worker has the fit request, so
  // Step and Pause pressed while the model is still being built wait for it instead of racing.
  async function startTraining({ paused = false } = {}) {
    const { views, network } = ctx.parts;
    let started, finish;
    const run = (ctx.session = { paused, started: new Promise((r) => (started = r)), done: new Promise((r) => (finish = r)), model: null });
    setRunning(true, paused);
    ctx.status('file-status', '');
    ctx.parts.views.startLive();
    try {
      await ctx.dataReady;
      if (!(await network.ensureModel())) return;
      const options = trainOptions(), names = ctx.parts.data.names();
      const t0 = performance.now(), total = options.epochs, smooth = { loss: null, acc: null };
      let where = { fraction: 0, text: '' }; // the last batch's place, for the bar after a Stop
      run.model = ctx.model;
      ctx.epochBase = ctx.lastX; // a run after a Stop continues the curves where they ended
      const fit = run.model.fit({ dataset: names.train }, {
        ...options,
        validationData: { dataset: names.test },
        paused: run.paused,
        onBatches: (batches) => {
          views.pushBatches(batches, smooth);
          const b = batches.at(-1);
          const fraction = (b.epoch * b.batches + b.batch + 1) / (total * b.batches), left = ((performance.now() - t0) / 1000) * (1 / fraction - 1);
          where = { fraction, text: `epoch ${b.epoch + 1}/${total} · batch ${b.batch + 1}/${b.batches}` };
          progress.update({
            fraction,
            // (paused or stepping, the clock says nothing about the time left)
            text: `epoch ${b.epoch + 1}/${total} · batch ${b.batch + 1}/${b.batches} · ${run.paused ? 'paused' : `${Math.round(b.samplesPerSec).toLocaleString()} samples/s · ${clock(left)} left`}`,
          });
        },
        onEpoch: (e) => {
          ctx.lastEpoch = e;
          views.pushEpoch(e);
          root.dataset.epochSeconds = e.seconds.toFixed(3); // read by bench/browser.mjs
          if (ctx.images()) views.refreshInsight(); // (2-D views follow the live loop)
        },
      });
      run.live = true;
      started();
      const h = await fit;
      if (h.stopped) {
        q('file-status').textContent = h.stopped === 'aborted' ? 'Training stopped.' : `Training ended: ${h.stopped}.`;
        // (not the time left of a run that is over)
        progress.update({ fraction: where.fraction, text: where.text ? `stopped at ${where.text}` : 'stopped' });
      }
      else progress.update({ fraction: 1, text: `done: ${h.epochs} epoch${h.epochs === 1 ? '' : 's'} in ${clock((performance.now() - t0) / 1000)}` });
    } catch (e) {
      ctx.status('file-status', `Training stopped: ${e.message}`, true);
    } finally {
      started();
      finish();
      ctx.session = null;
      views.stopLive();
      setRunning(false);
      root.dataset.runs = String(Number(root.dataset.runs ?? 0) + 1); // finished runs, for tests
      views.refreshInsight();
    }
  }

  async function save() {
    try {
      const { bytes } = await ctx.model.save();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      a.download = `dlplay-${state.dataset}-${state.preset}.dlpm`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      ctx.status('file-status', `Saved ${a.download} (${bytes.length.toLocaleString()} bytes).`);
    } catch (e) {
      ctx.status('file-status', `Could not save: ${ctx.model ? e.message : 'there is no model yet (press Start or Reset)'}`, true);
    }
  }

  // A model file, picked by the user or named by the link (`model=`); fetch(name) gives its bytes.
  async function load(name, bytes) {
    try {
      const m = await ctx.remote.load(new Uint8Array(await bytes()), { input: ctx.inputShape(), output: [ctx.classCount()] });
      await ctx.parts.network.showLoaded(m);
      const s = m.summary;
      ctx.status('file-status', `Loaded ${name}: ${s.layers.length} layers, ${s.params.toLocaleString()} parameters. Start trains it further; editing the layers builds a new model.`);
      root.dataset.loaded = name; // for tests
      await ctx.dataReady?.catch(() => {}); // (its scores need the test set)
      ctx.parts.views.refreshInsight();
    } catch (e) {
      ctx.status('file-status', `Could not load ${name}: ${e.message}. The current model is unchanged.`, true);
    }
  }
  async function loadLinked(path) {
    return load(path, async () => {
      const r = await fetch(new URL(path, document.baseURI));
      if (!r.ok) throw new Error(`the server answered ${r.status} ${r.statusText}`.trim());
      return r.arrayBuffer();
    });
  }

  // Start, or pause and resume: the Start button's, and an embedding's start() and stop().
  async function toggle() {
    if (!ctx.session) return startTraining();
    const run = ctx.session;
    run.paused = !run.paused;
    setRunning(true, run.paused);
    await run.started;
    if (run.live && ctx.session === run) await (run.paused ? run.model.pause() : run.model.resume());
  }
  const play = () => void ((!ctx.session || ctx.session.paused) && toggle());
  const pause = () => void (ctx.session && !ctx.session.paused && toggle());

  function wire() {
    const { network, data, views } = ctx.parts;
    for (const n of ['optimizer', 'lr', 'momentum', 'beta1', 'beta2', 'schedule', 'warmup', 'batch', 'epochs', 'l1', 'l2', 'shift', 'rotate', 'scale', 'crop', 'flip', 'cutout', 'pixelnoise', 'patience'])
      ctx.bind(n, () => {
        showOptimizerFields();
        drawSchedule();
        network.estimate();
      });
    ctx.bind('speed');
    for (const n of ['init', 'dropout', 'seed']) ctx.bind(n, () => (n === 'seed' && !ctx.images() ? data.refresh() : network.validate()));

    q('start').addEventListener('click', toggle);
    q('step').addEventListener('click', async () => {
      if (!ctx.session) startTraining({ paused: true });
      const run = ctx.session;
      await run.started;
      if (run.live && ctx.session === run) await run.model.step();
    });
    q('stop').addEventListener('click', async () => {
      const run = ctx.session;
      await run?.started;
      await (run?.model ?? ctx.model)?.stop();
    });
    q('reset').addEventListener('click', async () => {
      const run = ctx.session;
      if (run) {
        await run.started;
        await run.model?.stop();
        await run.done;
      }
      ctx.built = null;
      ctx.loadedModel = false;
      ctx.status('file-status', '');
      views.reset();
      await network.ensureModel();
      views.refreshInsight();
    });
    // k: start, pause or resume; '.': one batch. On the whole page when it is this playground's,
    // else while focus is inside it; never while typing in a field.
    (ctx.ownsPage ? document : root).addEventListener('keydown', (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.target.closest?.('input, select, textarea, [contenteditable]')) return;
      const button = { k: 'start', '.': 'step' }[ev.key];
      if (!button || q(button).disabled || q(button).closest('[hidden]')) return;
      ev.preventDefault();
      q(button).click();
    });
    q('skip').addEventListener('click', (ev) => { // (the template has no ids to link to: see template.mjs)
      ev.preventDefault();
      q('start').focus();
    });
    q('save').addEventListener('click', save);
    q('load').addEventListener('change', (ev) => {
      const file = ev.target.files[0];
      ev.target.value = '';
      if (file) load(file.name, () => file.arrayBuffer());
    });
  }

  return { useCatalog, showAuto, drawSchedule, setRunning, wire, trainOptions, loadLinked, play, pause, resetProgress: () => progress.reset(), destroy: () => (progress.destroy(), schedulePlot.destroy()) };
}
