// widget.mjs: one concept explorer as a page: widget.html?kind=activation#activation=elu. The
// widget is the <dl-widget> element a course page embeds; its settings live in the URL hash, so
// a copied link reopens it as it was.
import '../embed/elements.mjs';
import { WIDGETS, loadWidget } from '../widgets/index.mjs';
import { widgetParams } from '../widgets/frame.mjs';
import { toHash } from '../state.mjs';

const kind = new URLSearchParams(location.search).get('kind') ?? 'activation';
const choose = document.querySelector('[data-part="kinds"]');
for (const k of Object.keys(WIDGETS)) choose.append(new Option(k, k, false, k === kind));
choose.addEventListener('change', () => (location.href = `widget.html?kind=${encodeURIComponent(choose.value)}`));

const el = document.createElement('dl-widget');
el.setAttribute('kind', kind);
el.setAttribute('settings', location.hash.slice(1));
document.querySelector('[data-slot]').append(el);
el.addEventListener('dl-ready', () => {
  const title = el.shadowRoot.querySelector('[data-part="title"]')?.textContent;
  if (title) (document.title = `dlplay — ${title}`), (document.querySelector('[data-part="crumb"]').textContent = title);
});
// each change a learner makes goes into the address (the values that differ from the defaults)
const params = loadWidget(kind).then(widgetParams, () => null);
el.addEventListener('dl-change', async () => {
  const table = await params;
  if (table) history.replaceState(null, '', `${location.pathname}${location.search}${toHash(el.config.settings, table) || '#'}`);
});
