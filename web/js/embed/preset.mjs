// preset.mjs: presets, the small JSON files a teacher writes to set up a playground or a widget
// for a lesson. One is checked against the tables the pages use (state.mjs for the playground,
// each widget's own), every problem listed with where it is, before anything is built; the
// JSON Schema in web/presets/preset.schema.json is written from the same tables (schema.mjs).
//
//   {"kind": "activation", "title": "Why ReLU", "seed": 7, "hide": ["compare"],
//    "settings": {"activation": "elu", "alpha": 0.5}}
import { PARAMS } from '../state.mjs';
import { loadWidget, WIDGETS } from '../widgets/index.mjs';
import { widgetParams, checkSettings } from '../widgets/frame.mjs';
import { site } from '../site.mjs';

export const KINDS = ['playground', ...Object.keys(WIDGETS)];
const TOP = ['$schema', 'kind', 'title', 'seed', 'hide', 'settings'];

/** A preset that cannot be used: `problems` lists each with its place (settings.lr: ...). */
export class PresetError extends Error {
  constructor(problems, where = 'preset') {
    super(`${where} is not valid: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The table of a kind's settings: the playground's, or a widget's (with its seed and hide). */
export async function paramsOf(kind) {
  return kind === 'playground' ? PARAMS : widgetParams(await loadWidget(kind));
}

/**
 * Check a preset (its JSON text or the parsed object). Returns {kind, title, settings} where
 * settings holds the checked values, seed and hide among them; throws PresetError otherwise.
 */
export async function readPreset(json, where = 'the preset') {
  let p = json;
  if (typeof json === 'string')
    try {
      p = JSON.parse(json);
    } catch (e) {
      throw new PresetError([`not JSON (${e.message})`], where);
    }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new PresetError(['expected a JSON object {"kind": ..., "settings": {...}}'], where);
  const problems = [];
  for (const k of Object.keys(p)) if (!TOP.includes(k)) problems.push(`${k}: no such field (fields: ${TOP.join(', ')})`);
  if (!KINDS.includes(p.kind)) throw new PresetError([...problems, `kind: ${p.kind === undefined ? 'missing' : JSON.stringify(p.kind).slice(0, 40)}; expected one of ${KINDS.join(', ')}`], where);
  if (p.title !== undefined && (typeof p.title !== 'string' || p.title.length > 120)) problems.push('title: expected text of at most 120 characters');
  const params = await paramsOf(p.kind);
  const given = { ...(p.settings ?? {}) };
  if (p.settings !== undefined && (typeof p.settings !== 'object' || p.settings === null || Array.isArray(p.settings))) problems.push('settings: expected an object of settings');
  const checked = checkSettings(typeof given === 'object' ? given : {}, params);
  problems.push(...checked.errors);
  for (const k of ['seed', 'hide']) {
    if (p[k] === undefined) continue;
    const top = checkSettings({ [k]: p[k] }, params, '');
    problems.push(...top.errors.map((e) => e.replace(/^\./, '')));
    Object.assign(checked.settings, top.settings);
  }
  if (problems.length) throw new PresetError(problems, where);
  return { kind: p.kind, title: p.title ?? null, settings: checked.settings };
}

/**
 * A preset named by an attribute or a link: a bare name is one of dlplay's own (web/presets/),
 * anything else an address relative to the page. Returns the checked preset.
 */
export async function fetchPreset(name, base = document.baseURI) {
  const url = /^[\w-]{1,64}$/.test(name) ? site(`presets/${name}.json`) : new URL(name, base).href;
  let text;
  try {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`the server answered ${r.status}`);
    text = await r.text();
  } catch (e) {
    throw new PresetError([`could not be read (${e.message})`], `preset ${name}`);
  }
  return readPreset(text, `preset ${name}`);
}
