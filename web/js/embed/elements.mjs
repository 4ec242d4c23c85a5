// elements.mjs: dlplay as HTML elements for a course page, loaded with one module script:
//
//   <script type="module" src="https://example.edu/dlplay/js/embed/elements.mjs"></script>
//   <dl-playground preset="xor" hide="optimizer,lr" height="560"></dl-playground>
//   <dl-widget kind="activation" settings="activation=elu&alpha=0.5" heading="ELU"></dl-widget>
//
// Each element draws inside its own shadow root (the host page's styles and ours stay apart) and
// keeps its own models and graphs: playgrounds share one worker, widgets one engine, by id and
// by graph, so any number of them train side by side. An element out of view pauses (a widget's
// animation waits; a running playground pauses and resumes when it is back). The settings come
// from a preset (attribute preset: a name from web/presets/ or a .json address), then the
// attributes settings (as a page link's), seed and hide, which win.
import { attach } from '../../dlplay/worker-client.mjs';
import { createPlayground } from '../playground/index.mjs';
import { createWidget, widgetParams } from '../widgets/frame.mjs';
import { loadWidget } from '../widgets/index.mjs';
import { readPreset, fetchPreset } from './preset.mjs';
import { parseHash, settingsHash, PARAMS } from '../state.mjs';
import { site } from '../site.mjs';

let remote = null; // one worker for every playground element of the page, made on first use
const sharedRemote = () => (remote ??= attach());

const STYLES = ['css/dlplay.css', 'js/components/components.css', 'css/playground.css', 'css/widgets.css', 'css/embed.css'];

class DlElement extends HTMLElement {
  static observedAttributes = ['preset', 'settings', 'hide', 'seed', 'height', 'kind', 'heading'];

  connectedCallback() {
    if (!this.shadowRoot) {
      const shadow = this.attachShadow({ mode: 'open' });
      for (const href of STYLES) shadow.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: site(href) }));
      this.box = document.createElement('div');
      this.box.className = 'dl-embed';
      shadow.append(this.box);
    }
    this.observer = new IntersectionObserver((entries) => this.seen(entries.at(-1).isIntersecting));
    this.observer.observe(this);
    this.ready = this.build();
  }

  disconnectedCallback() {
    this.observer?.disconnect();
    this.teardown();
  }

  attributeChangedCallback(name, old, value) {
    if (this.instance && old !== value) this.ready = this.build();
  }

  /** The configuration as a preset: {kind, title, settings} (settings with seed and hide). */
  get config() {
    return this.current ? this.describe() : null;
  }

  /**
   * Use a preset (an object or JSON text, checked as a file is): the element rebuilds with it
   * and the attributes no longer apply. Rejects with the problems, changing nothing.
   */
  async configure(preset) {
    const checked = await readPreset(preset);
    this.check(checked.kind);
    this.ready = this.build(checked);
    return this.ready;
  }

  async build(preset = null) {
    this.teardown();
    this.box.style.height = this.hasAttribute('height') ? `${Math.max(120, Number(this.getAttribute('height')) || 0)}px` : '';
    this.box.classList.toggle('scrolls', this.hasAttribute('height'));
    try {
      let hash;
      if (preset) hash = settingsHash(preset.settings, await this.tableOf(preset.kind));
      else {
        const name = this.getAttribute('preset');
        preset = name ? await fetchPreset(name) : { kind: this.defaultKind(), title: null, settings: {} };
        this.check(preset.kind);
        hash = this.attributeHash(preset.settings, await this.tableOf(preset.kind));
        preset.title = this.getAttribute('heading') ?? preset.title;
      }
      preset = { ...preset, hash };
      await this.make(preset);
      this.dataset.state = 'ready';
      this.dispatchEvent(new CustomEvent('dl-ready', { bubbles: true }));
    } catch (e) {
      this.showError(e);
      this.dataset.state = 'error';
      if (!e.problems) console.error(e);
    }
  }

  // The preset's settings with the attributes over them, as a link's hash (the pages read it so).
  attributeHash(settings, table) {
    const out = new URLSearchParams(settingsHash(settings, table).slice(1));
    for (const [k, v] of new URLSearchParams((this.getAttribute('settings') ?? '').replace(/^#/, ''))) out.set(k, v);
    for (const k of ['seed', 'hide']) if (this.hasAttribute(k)) out.set(k, this.getAttribute(k).replace(/\s+/g, ''));
    return `#${out}`;
  }

  showError(e) {
    this.box.replaceChildren();
    const p = document.createElement('div');
    p.className = 'dl-error';
    p.setAttribute('role', 'alert');
    p.textContent = `dlplay: ${e.message}`;
    this.box.append(p);
  }

  teardown() {
    this.instance?.destroy();
    this.instance = null;
    this.current = null;
    this.box?.replaceChildren();
  }

  // (an element out of view: see seenNow in each kind)
  seen(on) {
    this.visible = on;
    this.dataset.visible = on ? 'yes' : 'no';
    this.seenNow?.(on);
  }
}

/** <dl-playground>: a whole playground (data, network, training, views), as playground.html. */
class DlPlayground extends DlElement {
  defaultKind() {
    return 'playground';
  }
  check(kind) {
    if (kind !== 'playground') throw new Error(`<dl-playground> shows presets of kind playground, not ${kind} (use <dl-widget>)`);
  }
  async tableOf() {
    return PARAMS;
  }
  async make(preset) {
    const box = document.createElement('div');
    this.box.append(box);
    const pg = createPlayground(box, { remote: sharedRemote(), url: false, settings: preset.hash, title: preset.title ?? 'Playground' });
    this.instance = pg;
    this.current = preset;
    this.describe = () => ({ kind: 'playground', title: preset.title, settings: settingsOf(pg.hash()) });
    this.autoPaused = false;
    this.seenNow = (on) => {
      if (!on && pg.results().training === 'running') (this.autoPaused = true), pg.pause();
      else if (on && this.autoPaused) (this.autoPaused = false), pg.start();
    };
    await pg.ready;
    if (this.visible === false) this.seenNow(false);
  }
  // (started out of view, it waits until it is seen)
  start() {
    if (this.visible === false) this.autoPaused = true;
    else this.instance?.start();
  }
  stop() {
    this.autoPaused = false;
    this.instance?.pause();
  }
  results() {
    return this.instance ? { kind: 'playground', ...this.instance.results() } : null;
  }
}

/** <dl-widget kind="...">: one concept explorer (web/js/widgets/). */
class DlWidget extends DlElement {
  defaultKind() {
    const kind = this.getAttribute('kind');
    if (!kind) throw new Error('<dl-widget> needs kind="..." or preset="..."');
    return kind;
  }
  check(kind) {
    if (kind === 'playground') throw new Error('a playground preset belongs in <dl-playground>');
  }
  async tableOf(kind) {
    return widgetParams(await loadWidget(kind));
  }
  async make(preset) {
    const w = await loadWidget(preset.kind);
    const box = document.createElement('div');
    this.box.append(box);
    const widget = createWidget(box, preset.title ? { ...w, title: preset.title } : w, {
      hash: preset.hash,
      onChange: () => this.dispatchEvent(new CustomEvent('dl-change', { bubbles: true })),
    });
    this.instance = widget;
    this.current = preset;
    this.describe = () => ({ ...widget.config(), title: preset.title });
    this.seenNow = (on) => widget.visible(on);
    if (this.visible === false) widget.visible(false);
    await widget.ready;
  }
  start() {
    this.instance?.start();
  }
  stop() {
    this.instance?.stop();
  }
  results() {
    return this.instance?.results() ?? null;
  }
}

// the settings a playground's hash gives (its non-default values), as a preset holds them
function settingsOf(hash) {
  const { state, given } = parseHash(hash);
  return Object.fromEntries([...given].map((k) => [k, state[k]]));
}

if (!customElements.get('dl-playground')) customElements.define('dl-playground', DlPlayground);
if (!customElements.get('dl-widget')) customElements.define('dl-widget', DlWidget);
