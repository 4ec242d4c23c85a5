// frame.mjs: what every concept widget shares. A widget module (one per concept, listed in
// index.mjs) declares its settings as a state.mjs table and draws its figures; the frame reads
// the settings (an element's attributes, a page's hash or a JSON preset), builds a labelled
// control per setting, hides what the embedding asks, runs the widget's animation only while
// it is in view, and keeps the key numbers as text beside the figures (what a screen reader
// reads and what results() returns). Everything a widget holds lives in its context object, so
// any number of widgets share a page.
import { load } from '../../dlplay/dlplay.mjs';
import { parseHash, jsonValue, watchField } from '../state.mjs';

// One engine (one wasm instance) per page, made on first use: widgets keep their own graphs in it.
let enginePromise = null;
export const sharedEngine = () => (enginePromise ??= load());

/** The settings every widget takes besides its own: the seed (a lesson replays exactly) and what to hide. */
export function widgetParams(w) {
  return [
    ...w.params,
    { name: 'seed', type: 'int', min: 0, max: 2147483647, default: w.seed ?? 1, label: 'Seed', control: w.seedControl ? 'number' : false },
    { name: 'hide', type: 'list', values: hideable(w), default: [] },
  ];
}

/** Names a preset or an attribute may hide: each control, each figure or button the widget names. */
export function hideable(w) {
  return [...w.params.filter((p) => p.control).map((p) => p.name), ...(w.seedControl ? ['seed'] : []), ...(w.parts ?? []), 'summary'];
}

/**
 * Fill `root` with widget `w` (a module's default export).
 * @param {HTMLElement} root
 * @param {object} w  {kind, title, lede, params, parts, create(ctx)}
 * @param {{hash?: string, onChange?: (state: object) => void}} options
 *   hash: the settings, '#activation=elu&alpha=0.5', read as a page link is (what it ignores
 *   shows as notices); onChange: after each change a learner makes
 * @returns {{ready: Promise<void>, config(): object, start(): void, stop(): void, results(): object,
 *   visible(on: boolean): void, destroy(): void}}
 */
export function createWidget(root, w, options = {}) {
  const params = widgetParams(w);
  const parsed = parseHash(options.hash ?? '', null, params);
  root.classList.add('dl-widget');
  root.dataset.widget = w.kind;
  root.innerHTML = `
    <section class="dl-card" aria-label="${escapeHtml(w.title)}">
      <h2 class="dl-title" data-part="title"></h2>
      <p class="dl-lede" data-part="lede"></p>
      <div class="dl-notices" data-part="notices" role="status"></div>
      <div class="dl-body">
        <div class="dl-controls" data-part="controls"></div>
        <div class="dl-figures" data-part="figures"></div>
      </div>
      <p class="dl-summary" data-part="summary" data-control="summary" aria-live="polite"></p>
      <p class="dl-status" data-part="status" role="status"></p>
    </section>`;
  const q = (part) => root.querySelector(`[data-part="${part}"]`);
  q('title').textContent = w.title;
  q('lede').textContent = w.lede ?? '';
  for (const n of parsed.notices) note(n);

  let instance = null, active = true, destroyed = false;
  const loops = new Set();
  const ctx = {
    root,
    state: parsed.state,
    engine: null,
    /** A figure box with its accessible name; `part` makes it hideable and findable. */
    figure(part, label, { wide = false } = {}) {
      const fig = document.createElement('figure');
      fig.className = `dl-figure${wide ? ' wide' : ''}`;
      fig.dataset.part = part;
      fig.dataset.control = part;
      const box = document.createElement('div');
      const cap = document.createElement('figcaption');
      cap.textContent = label;
      fig.append(box, cap);
      q('figures').append(fig);
      return box;
    },
    /** A figure holding one canvas drawn by hand (its aria-label set as it is drawn): {box, canvas}. */
    canvasFigure(part, label, options) {
      const box = ctx.figure(part, label, options), canvas = document.createElement('canvas');
      canvas.className = 'plot-canvas';
      canvas.setAttribute('role', 'img');
      box.append(canvas);
      return { box, canvas };
    },
    /** A button among the controls. */
    button(part, text, onClick, { secondary = true } = {}) {
      const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text, className: secondary ? 'secondary' : '' });
      b.dataset.part = part;
      b.dataset.control = part;
      b.addEventListener('click', onClick);
      q('controls').append(b);
      return b;
    },
    /** The key numbers as text (screen readers, and hosts reading results()). */
    summary(text) {
      q('summary').textContent = text;
    },
    /** Count an event on the widget's root (data-<name>: 1, 2, ...): what tests and hosts wait for, as 'trained'. */
    tally(name) {
      root.dataset[name] = String(Number(root.dataset[name] ?? 0) + 1);
    },
    status(text, error = false) {
      const s = q('status');
      s.textContent = text;
      s.classList.toggle('error', error);
    },
    /**
     * A per-frame loop: step(dt) runs while the loop is on and the widget is in view; it returns
     * false to end itself (onStop then runs, as after stop()). Returns {start(), stop(), get on()}.
     */
    loop(step, { onStop } = {}) {
      let on = false, raf = 0, last = 0;
      const tick = (t) => {
        raf = 0;
        if (!on || !active || destroyed) return;
        const keep = step(last ? Math.min(100, t - last) : 16);
        last = t;
        if (keep === false) return l.stop();
        raf = requestAnimationFrame(tick);
      };
      const l = {
        start() {
          on = true;
          root.dataset.running = 'yes';
          if (!raf && active) raf = requestAnimationFrame(tick);
        },
        stop() {
          on = false;
          last = 0;
          cancelAnimationFrame(raf);
          raf = 0;
          if (![...loops].some((x) => x !== l && x.on)) root.dataset.running = 'no';
          onStop?.();
        },
        resume() {
          if (on && !raf) raf = requestAnimationFrame(tick);
        },
        get on() {
          return on;
        },
      };
      loops.add(l);
      return l;
    },
  };

  function note(text) {
    const p = document.createElement('p');
    p.textContent = text;
    q('notices').append(p);
  }

  // One control per setting that has one: a range with its value written beside it, a choice, a
  // check box or a number; each checked by the table as it changes (state.mjs watchField).
  function buildControls() {
    for (const p of params) {
      if (!p.control) continue;
      if (p.control === 'checks') {
        checkGroup(p);
        continue;
      }
      const label = document.createElement('label');
      label.dataset.control = p.name;
      label.className = `dl-control ${p.control}`;
      const name = document.createElement('span');
      name.textContent = p.label ?? p.name;
      label.append(name);
      let input;
      if (p.control === 'select') {
        input = document.createElement('select');
        for (const v of p.values) input.append(new Option(p.labels?.[v] ?? v, v));
      } else {
        input = document.createElement('input');
        input.type = p.control === 'check' ? 'checkbox' : p.control;
        if (p.control !== 'check') Object.assign(input, { min: p.min, max: p.max, step: p.step ?? (p.type === 'int' ? 1 : 'any') });
      }
      input.dataset.part = p.name;
      if (p.control === 'range') {
        const out = document.createElement('output');
        out.dataset.part = `${p.name}-out`;
        name.append(' ', out);
      }
      label.append(input);
      q('controls').append(label);
      watchField(input, p, {
        catalog: () => null,
        block: (why) => ctx.status(why ?? '', Boolean(why)),
        commit(v) {
          ctx.state[p.name] = v;
          show(p);
          changed(p.name);
        },
      });
    }
    refreshControls();
  }

  // a list setting as a group of check boxes, one per name it allows
  function checkGroup(p) {
    const set = document.createElement('fieldset');
    set.dataset.control = p.name;
    set.dataset.part = p.name;
    set.className = 'dl-control checks';
    const legend = document.createElement('legend');
    legend.textContent = p.label ?? p.name;
    set.append(legend);
    for (const v of p.values) {
      const label = document.createElement('label');
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: v });
      label.append(box, ` ${p.labels?.[v] ?? v}`);
      set.append(label);
    }
    set.addEventListener('change', () => {
      ctx.state[p.name] = [...set.querySelectorAll('input:checked')].map((b) => b.value);
      changed(p.name);
    });
    q('controls').append(set);
  }

  function changed(name) {
    ctx.tally('settings'); // (for tests: settings applied)
    showApplicable();
    instance?.update(name);
    options.onChange?.(ctx.state);
  }

  function show(p) {
    const input = q(p.name), v = ctx.state[p.name];
    if (p.control === 'checks') for (const b of input.querySelectorAll('input')) b.checked = v.includes(b.value);
    else if (p.control === 'check') input.checked = Boolean(v);
    else input.value = String(v);
    const out = q(`${p.name}-out`);
    if (out) out.textContent = String(v);
  }

  // when(state, catalog): a setting that only matters for some choices of another hides
  // otherwise (the catalog is null until the engine has come)
  function showApplicable() {
    for (const o of params) if (o.when) q(o.name).closest('label').hidden = !o.when(ctx.state, ctx.engine?.catalog ?? null);
  }
  function refreshControls() {
    for (const p of params) if (p.control) show(p);
    showApplicable();
  }

  function applyHide() {
    for (const e of root.querySelectorAll('.hidden-by-link')) e.classList.remove('hidden-by-link');
    for (const name of ctx.state.hide) root.querySelectorAll(`[data-control="${CSS.escape(name)}"]`).forEach((e) => e.classList.add('hidden-by-link'));
  }

  async function start() {
    buildControls();
    ctx.engine = await sharedEngine();
    if (destroyed) return;
    showApplicable(); // (the controls that depend on the catalog)
    instance = await w.create(ctx);
    if (destroyed) return instance?.destroy?.(); // (taken down while it was starting: free what it made)
    applyHide();
    root.dataset.engine = 'ready';
  }
  const ready = start().catch((e) => {
    ctx.status(`The widget could not start: ${e.message}`, true);
    console.error(e);
    throw e;
  });
  ready.catch(() => {});

  return {
    ready,
    /** The settings as a preset's: {kind, settings} with every value of the table (hide and seed too). */
    config: () => structuredClone({ kind: w.kind, settings: Object.fromEntries(params.map((p) => [p.name, ctx.state[p.name]])) }),
    start: () => instance?.start?.(),
    stop: () => instance?.stop?.(),
    /** A copy: the arrays a widget keeps growing do not change in the caller's hands. */
    results: () => structuredClone({ kind: w.kind, running: root.dataset.running === 'yes', summary: q('summary').textContent, ...(instance?.results?.() ?? {}) }),
    /** In view or not: loops wait while the widget is out of view and go on when it is back. */
    visible(on) {
      active = on;
      root.dataset.visible = on ? 'yes' : 'no';
      if (on) for (const l of loops) l.resume();
    },
    destroy() {
      destroyed = true;
      for (const l of loops) l.stop();
      instance?.destroy?.();
      root.replaceChildren();
    },
  };
}

/**
 * A training run whose steps await (a widget's `run`, with `busy` set while a step is under way)
 * is let go when the settings change: freed now, or, mid-step, marked stale for `settle`.
 */
export function letGo(run, free) {
  if (run) run.busy ? (run.stale = true) : free(run);
}

/** After a run's awaited step: not busy any more; false, and freed, if it was let go meanwhile. */
export function settle(run, free) {
  run.busy = false;
  if (run.stale) free(run);
  return !run.stale;
}

/** Check a preset's settings against a widget's table: the values, or every problem found, each with its place. */
export function checkSettings(settings, params, where = 'settings') {
  const out = {}, errors = [], byName = new Map(params.map((p) => [p.name, p]));
  if (!settings || typeof settings !== 'object' || Array.isArray(settings)) return { errors: [`${where}: expected an object of settings`] };
  for (const [k, v] of Object.entries(settings)) {
    const p = byName.get(k);
    if (!p) errors.push(`${where}.${k}: no such setting (settings: ${params.map((x) => x.name).join(', ')})`);
    else
      try {
        out[k] = jsonValue(p, v);
      } catch (e) {
        errors.push(`${where}.${k}: ${e.message}`);
      }
  }
  return { settings: out, errors };
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
