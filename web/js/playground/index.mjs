// index.mjs: createPlayground(root, options), one playground inside `root`: its data, its
// network editor, its training controls and its views (data.mjs, network.mjs, training.mjs,
// views.mjs), wired to an engine in a worker. Everything a playground knows lives in the
// context object made here, and every element is found inside root, so several playgrounds
// can share a page (and a worker). No math here.
import { attach } from '../../dlplay/worker-client.mjs';
import { parseHash, toHash, checkCatalog, defaults, watchField, PARAMS } from '../state.mjs';
import { CLASSES_2D } from '../datasets2d.mjs';
import { site } from '../site.mjs';
import { template } from './template.mjs';
import { createDataPart } from './data.mjs';
import { createNetworkPart } from './network.mjs';
import { createTrainingPart } from './training.mjs';
import { createViewsPart } from './views.mjs';

// Settings that depend on the kind of data unless the user (or the link) chose them.
const AUTO = { images: { lr: 0.002, batch: 64, epochs: 5 }, plane: { lr: 0.01, batch: 16, epochs: 300 } };

/**
 * One playground, filling `root`.
 * @param {HTMLElement} root
 * @param {object} [options]
 *   url (true): read the settings from the page's URL hash and keep them there; a page with
 *     several playgrounds gives each its `settings` instead
 *   settings: a hash like '#dataset=xor&preset=mlp&epochs=50' (state.mjs lists every setting)
 *   worker: a Worker running worker.mjs that the page started early (see prefetch() in
 *     worker-client.mjs); remote: a RemoteEngine to share with other playgrounds (each keeps its
 *     own models and 2-D data in it); without either, the playground starts its own worker
 *   catalog: the engine's catalog if the page has it (else the worker is asked)
 *   title: the name in the playground's bar ('Playground')
 * @returns {{ready: Promise<void>, state: object, remote: RemoteEngine, destroy(): Promise<void>}}
 *   ready resolves once the engine runs and the editor shows the network. For tests and
 *   benchmarks root carries data-engine="ready", data-runs (finished runs), data-training
 *   (idle, running, paused), data-ready-ms (engine running and the first batch in the worker),
 *   data-epoch-seconds, data-boundary, data-drawn and data-fgsm.
 */
export function createPlayground(root, options = {}) {
  const url = options.url ?? true;
  const hash = options.settings ?? (url ? location.hash : '');
  const parsed = parseHash(hash);
  const key = Math.random().toString(36).slice(2, 8); // names this playground's data in a shared worker
  root.classList.add('playground');
  root.dataset.playground = key;
  root.innerHTML = template({ key });
  root.querySelector('[data-part="title"]').textContent = options.title ?? 'Playground';

  const ctx = {
    root,
    key,
    ownsPage: url, // the page is this playground's (its URL, its keyboard shortcuts)
    state: parsed.state,
    touched: parsed.given, // settings the link chose (a value it gave that failed follows the data)
    remote: null,
    catalog: null,
    model: null, // the RemoteModel the views show and Start trains
    built: null, // the spec that model was built from (null for a model loaded from a file)
    loadedModel: false, // the model came from a file
    session: null, // while a run exists: {paused, started, done, live, model} (see training.mjs)
    epochBase: 0, // where the current run starts on the charts' x axis (in epochs, fractional after a Stop)
    lastX: 0, // the last x the charts were given
    dataReady: null, // promise: the current data set is in the worker
    trainSize: 60000,
    parts: {},
    timers: {},

    q: (part) => root.querySelector(`[data-part="${part}"]`),
    images: () => ctx.state.dataset === 'mnist' || ctx.state.dataset === 'fashion',
    auto: (k) => (ctx.touched.has(k) ? ctx.state[k] : AUTO[ctx.images() ? 'images' : 'plane'][k]),
    inputShape: () => (ctx.images() ? [1, 28, 28] : [2]),
    classCount: () => (ctx.images() ? 10 : ctx.state.dataset === 'custom' ? Math.max(2, ...ctx.state.points.map((p) => p.label + 1)) : CLASSES_2D[ctx.state.dataset]),
    stepsPerEpoch: () => Math.ceil(ctx.trainSize / ctx.auto('batch')),

    // Start and Step wait until nothing blocks them (data to train on, a network that builds);
    // the reason shows beside them. `what` names the blocker: each clears its own.
    blockStart(what, why) {
      ctx.blocked[what] = why;
      // every reason, the ones the learner can fix now before the data still loading
      const reason = Object.entries(ctx.blocked).filter(([, w]) => w).sort(([a], [b]) => (a === 'data') - (b === 'data')).map(([, w]) => w).join(' ');
      for (const b of ['start', 'step']) ctx.q(b).disabled = Boolean(reason) && !ctx.session;
      ctx.q('start-why').textContent = reason;
    },
    blocked: {},
    notice(text) {
      const box = ctx.q('notices'), p = document.createElement('p');
      p.textContent = text;
      if (!box.firstChild) { // one button dismisses them all
        const close = Object.assign(document.createElement('button'), { type: 'button', className: 'notices-close secondary', textContent: 'Dismiss' });
        close.setAttribute('aria-label', 'Dismiss these notices');
        close.addEventListener('click', () => box.replaceChildren());
        box.append(close);
      }
      box.append(p);
    },
    status(part, text, error = false) {
      const e = ctx.q(part);
      e.textContent = text;
      e.classList.toggle('error', error);
    },
    // The settings as a hash; lr, batch and epochs only when chosen (else they follow the data).
    hash() {
      const s = { ...ctx.state };
      for (const k of ['lr', 'batch', 'epochs']) if (!ctx.touched.has(k)) s[k] = defaults()[k];
      return toHash(s);
    },
    writeHash() {
      if (url) history.replaceState(null, '', ctx.hash() || location.pathname);
    },
    link: () => (url ? location.href : site(`playground.html${ctx.hash()}`)),
    // setTimeout that destroy() clears: `name` keeps one pending call per name
    later(name, f, ms) {
      clearTimeout(ctx.timers[name]);
      ctx.timers[name] = setTimeout(f, ms);
    },

    /**
     * Bind a setting's input: show the state, check each change against the state table (the
     * catalog's names for optimizer, schedule, initializer), store it, call `after`.
     */
    bind(name, after) {
      const input = ctx.q(name), p = PARAMS.find((x) => x.name === name);
      const show = () => {
        const out = ctx.q(`${name}-out`);
        if (out) out.textContent = String(input.value);
      };
      input.value = ['lr', 'batch', 'epochs'].includes(name) ? ctx.auto(name) : ctx.state[name];
      show();
      watchField(input, p, {
        catalog: () => ctx.catalog,
        block: (why) => ctx.blockStart(`field ${name}`, why),
        commit(v) {
          ctx.state[name] = v;
          ctx.touched.add(name);
          show();
          ctx.writeHash();
          after?.();
        },
      });
    },
  };

  const data = (ctx.parts.data = createDataPart(ctx));
  const network = (ctx.parts.network = createNetworkPart(ctx));
  const training = (ctx.parts.training = createTrainingPart(ctx));
  const views = (ctx.parts.views = createViewsPart(ctx));
  const ownsWorker = !options.remote;

  async function start() {
    // attach first: a worker the page started early is already loading the engine and
    // streaming the data; data requests go now, engine requests wait for remote.ready
    ctx.remote = options.remote ?? attach({ worker: options.worker, ...(ctx.state.simd === 'off' ? { simd: false } : {}) });
    // a sign while the worker keeps a quick request waiting (the engine starting, a long chunk)
    ctx.stopBusy = ctx.remote.onBusy((busy) => {
      ctx.q('busy').hidden = !busy;
      root.dataset.busy = busy ? 'yes' : 'no';
    });
    for (const n of parsed.notices) ctx.notice(n);
    // a panel, or one setting's field with its label, or a button; `hidden` stays the code's own
    // (fields for one optimizer show and hide with it), the class is the link's and wins
    for (const name of new Set(ctx.state.hide))
      root.querySelectorAll(`[data-control="${CSS.escape(name)}"], [data-part="${CSS.escape(name)}"]`).forEach((e) => {
        const field = e.closest('label') ?? e;
        field.classList.add('hidden-by-link');
        if (e.dataset.control) e.hidden = true; // (a panel counts as hidden when its column is weighed below)
      });
    // a column whose every card is hidden gives its room to the other (no empty column)
    for (const col of root.querySelectorAll('.layout > .col')) col.hidden = [...col.children].every((c) => c.hidden);
    root.querySelector('.layout').classList.toggle('one-column', [...root.querySelectorAll('.layout > .col')].some((c) => c.hidden));
    views.create();
    network.showInput();
    data.showKind();
    data.wire();
    network.wire();
    training.wire();
    views.wire();
    root.querySelector('[data-part="share"]').addEventListener('click', share);
    training.setRunning(false);
    data.refresh();
    const engineStatus = ctx.q('engine-status');
    try {
      await ctx.remote.ready;
      ctx.catalog = options.catalog ?? (await ctx.remote.catalog());
    } catch (e) {
      engineStatus.textContent = `The engine failed to start: ${e.message}`;
      engineStatus.className = 'engine warn';
      throw e;
    }
    for (const n of checkCatalog(ctx.state, ctx.catalog)) ctx.notice(n);
    const info = await ctx.remote.ready;
    engineStatus.textContent = info.simd
      ? `engine ${info.version} · WebAssembly SIMD128`
      : `engine ${info.version} · plain WebAssembly (${ctx.state.simd === 'off' ? 'SIMD turned off by the link' : 'this browser lacks SIMD128'}): slower`;
    if (!info.simd) engineStatus.className = 'engine warn';
    try {
      training.useCatalog();
      network.useCatalog();
      training.drawSchedule();
      await network.validate();
      if (ctx.state.model) training.loadLinked(ctx.state.model); // (its own errors show as a file's do)
    } catch (e) { // a bug, not bad input (links are checked as they are read): say so, never hang silently
      engineStatus.textContent = `The playground could not start: ${e.message}`;
      engineStatus.className = 'engine warn';
      console.error(e);
      throw e;
    }
    root.dataset.engine = 'ready';
  }

  async function share() {
    const button = ctx.q('share');
    ctx.writeHash();
    try {
      await navigator.clipboard.writeText(ctx.link());
      button.textContent = 'Link copied';
    } catch {
      button.textContent = 'Copy the address bar';
    }
    ctx.later('share', () => (button.textContent = 'Copy link'), 1500);
  }

  const ready = start();
  ready.catch(() => {}); // shown in the engine status; callers awaiting ready still see it
  return {
    ready,
    state: ctx.state,
    get remote() {
      return ctx.remote;
    },
    /** The settings as a link's hash (the values that differ from the defaults). */
    hash: () => ctx.hash(),
    /** Start training, or resume a paused run (as the Start button). */
    start: () => training.play(),
    /** Pause a running run (Resume or start() goes on from there). */
    pause: () => training.pause(),
    /** The key figures: whether it trains, epochs so far, the last epoch's losses and accuracy. */
    results() {
      const e = ctx.lastEpoch;
      return {
        training: root.dataset.training ?? 'idle',
        epochs: ctx.lastX,
        ...(e && { loss: e.loss, valLoss: e.valLoss, valAccuracy: e.valAccuracy ?? null }),
      };
    },
    /** Stop training, free this playground's models and data in the worker, empty root. */
    async destroy() {
      for (const t of Object.values(ctx.timers)) clearTimeout(t);
      ctx.stopBusy?.();
      await ctx.session?.model?.stop().catch(() => {});
      await ctx.model?.dispose().catch(() => {});
      ctx.model = null;
      views.destroy();
      training.destroy();
      if (ownsWorker) ctx.remote?.terminate();
      else await data.forget();
      root.replaceChildren();
      delete root.dataset.playground;
    },
  };
}
