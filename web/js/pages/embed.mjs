// embed.mjs: the iframe form of every page and widget, for hosts that strip scripts:
//   <iframe src="https://example.edu/dlplay/embed.html?kind=activation&hide=compare#activation=elu">
// The query names the element's attributes (kind, preset, hide, seed, heading; kind=playground
// or no kind with a playground preset gives a playground), the hash its settings. The host
// talks to it with postMessage (docs/embedding.md): every message is {dlplay: <request>, id?}
// and each answer carries the request's id back.
//   configure {preset}   use a preset (checked as a file is): answers {config} or {error, problems}
//   config               answers {config}: {kind, title, settings}
//   start, stop          start or resume, pause: answers {ok: true}
//   results              answers {results}: the key figures the widget shows as text
// When it is ready, and after each change a learner makes, it posts {dlplay: 'ready' | 'change', config}.
import '../embed/elements.mjs';
import { PresetError, fetchPreset } from '../embed/preset.mjs';

const q = new URLSearchParams(location.search);
// (a preset without a kind in the query says which element it needs; one that fails to load
// goes to the widget element, which shows why)
const kind = q.get('kind') ?? (q.has('preset') ? await fetchPreset(q.get('preset')).then((p) => p.kind, () => null) : null);
const el = document.createElement(kind === 'playground' ? 'dl-playground' : 'dl-widget');
for (const a of ['kind', 'preset', 'hide', 'seed', 'heading']) if (q.has(a) && !(a === 'kind' && kind === 'playground')) el.setAttribute(a, q.get(a));
if (location.hash.length > 1) el.setAttribute('settings', location.hash.slice(1));
document.querySelector('[data-slot]').append(el);

const host = window.parent !== window ? window.parent : null;
const tell = (message) => host?.postMessage({ ...message }, '*');
el.addEventListener('dl-ready', () => tell({ dlplay: 'ready', config: el.config }));
el.addEventListener('dl-change', () => tell({ dlplay: 'change', config: el.config }));

addEventListener('message', async (event) => {
  const m = event.data;
  if (!m || typeof m !== 'object' || typeof m.dlplay !== 'string') return; // (not ours)
  const answer = (body) => event.source?.postMessage({ dlplay: m.dlplay, id: m.id ?? null, ...body }, event.origin === 'null' ? '*' : event.origin);
  try {
    switch (m.dlplay) {
      case 'configure':
        await el.configure(m.preset);
        if (el.dataset.state === 'error') throw new Error(el.shadowRoot.querySelector('.dl-error')?.textContent ?? 'the preset could not be used');
        return answer({ config: el.config });
      case 'config':
        return answer({ config: el.config });
      case 'start':
        await el.ready;
        el.start();
        return answer({ ok: true });
      case 'stop':
        el.stop();
        return answer({ ok: true });
      case 'results':
        await el.ready;
        return answer({ results: el.results() });
      default:
        return answer({ error: `unknown request '${m.dlplay.slice(0, 40)}' (requests: configure, config, start, stop, results)` });
    }
  } catch (e) {
    answer({ error: e.message, ...(e instanceof PresetError && { problems: e.problems }) });
  }
});
