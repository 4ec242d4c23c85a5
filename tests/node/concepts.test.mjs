// concepts.test.mjs: docs/concepts.md, the concept index, against the course's list
// (../shared/course-notes/CONCEPTS.md). Every concept has its row, with its own words, and either
// a place that shows it or a stated reason; every link leads somewhere real: a file of the
// project, a widget kind that exists, settings its page accepts without a notice, a preset that
// passes its check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, access } from 'node:fs/promises';
import { load } from '../../web/dlplay/dlplay.mjs';
import { PARAMS, GAN_PARAMS, VAE_PARAMS, TEXT_PARAMS, SEQ2SEQ_PARAMS, parseHash, checkCatalog } from '../../web/js/state.mjs';
import { WIDGETS, loadWidget } from '../../web/js/widgets/index.mjs';
import { widgetParams } from '../../web/js/widgets/frame.mjs';
import { readPreset } from '../../web/js/embed/preset.mjs';

const root = new URL('../../', import.meta.url);
const engine = await load();
const rows = (text, cells) => text.split('\n').filter((l) => /^\| \d+ \|/.test(l)).map((l) => l.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '').trim())).filter((r) => r.length === cells);
const course = rows(await readFile(new URL('../shared/course-notes/CONCEPTS.md', root), 'utf8'), 4);
const index = rows(await readFile(new URL('docs/concepts.md', root), 'utf8'), 5);
const PAGES = { 'playground.html': PARAMS, 'gan.html': GAN_PARAMS, 'vae.html': VAE_PARAMS, 'text.html': TEXT_PARAMS, 'seq2seq.html': SEQ2SEQ_PARAMS };

test('every concept of the course has its row in docs/concepts.md, in order, in its own words', () => {
  assert.equal(course.length, 227);
  assert.deepEqual(index.map((r) => Number(r[0])), course.map((r) => Number(r[0])));
  course.forEach(([n, , concept], i) => assert.equal(index[i][1], concept, `concept ${n}`));
});

test('every row names a place that shows it or says why not, and its coverage marks read E C P', () => {
  for (const [n, , where, now, before] of index) {
    assert.ok(/\]\(/.test(where) || /why: \S/.test(where), `concept ${n}: neither a link nor a reason`);
    for (const mark of [now, before]) assert.match(mark, /^[E-] [C-] [P-]$/, `concept ${n}: coverage '${mark}'`);
  }
});

test('every link in the concept index leads to a page, widget, setting or preset that exists', async () => {
  const links = index.flatMap(([n, , where]) => [...where.matchAll(/\]\(([^)]+)\)/g)].map((m) => [n, m[1]]));
  assert.ok(links.length > 150, `${links.length} links`);
  for (const [n, link] of links) {
    const url = new URL(link, new URL('docs/', root));
    const at = `concept ${n}: ${link}`;
    await access(url).catch(() => assert.fail(`${at}: no such file`));
    const page = url.pathname.split('/').at(-1);
    if (page === 'widget.html') {
      const kind = url.searchParams.get('kind');
      assert.ok(Object.hasOwn(WIDGETS, kind), `${at}: no widget kind '${kind}'`);
      const { notices } = parseHash(url.hash, engine.catalog, widgetParams(await loadWidget(kind)));
      assert.deepEqual(notices, [], at);
    } else if (PAGES[page]) {
      const { state, notices } = parseHash(url.hash, engine.catalog, PAGES[page]);
      assert.deepEqual([...notices, ...checkCatalog(state, engine.catalog, PAGES[page])], [], at);
    } else if (url.pathname.endsWith('.json')) await readPreset(await readFile(url, 'utf8'), at);
  }
});

test('the sample course page holds every widget kind, so one page shows (and a11y.test.mjs checks) them all', async () => {
  const html = await readFile(new URL('examples/course/index.html', root), 'utf8');
  const kinds = new Set([...html.matchAll(/<dl-widget[^>]*\skind="([^"]+)"/g)].map((m) => m[1]));
  assert.deepEqual([...kinds].sort(), Object.keys(WIDGETS).sort());
});
