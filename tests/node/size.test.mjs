// size.test.mjs: what a page downloads to run the engine (the SIMD module and the JS it needs,
// the worker included) stays within 150 KB gzipped. A size is deterministic, so it is a test;
// load times are measured in bench/browser.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

const ENGINE = ['dlplay.wasm', 'loader.mjs', 'bindings.mjs', 'dlplay.mjs', 'model.mjs', 'datasets.mjs', 'worker.mjs', 'worker-client.mjs', 'random.mjs'];

test('the engine (wasm + JS glue) is at most 150 KB gzipped', async () => {
  let total = 0;
  for (const f of ENGINE) total += gzipSync(await readFile(new URL(`../../web/dlplay/${f}`, import.meta.url)), { level: 9 }).length;
  assert.ok(total <= 150 * 1024, `${(total / 1024).toFixed(1)} KB`);
});

test('the shipped copies are the sources minified: the same exports, the same names inside, strings and templates untouched', async () => {
  const { shrink } = await import('../../wasm/ship.mjs');
  const src = ['// a comment', 'export const a = 1; // trailing', '/** a doc', ' * block */', 'export const t = `', '// inside a template', '  indented inside', '`;', 'export function twice(value) {', '  return value * 2; /* why */', '}'].join('\n');
  const out = await shrink(src);
  assert.doesNotMatch(out, /a comment|trailing|a doc|why/);
  const mod = await import(`data:text/javascript,${encodeURIComponent(out)}`);
  assert.equal(mod.t, '\n// inside a template\n  indented inside\n');
  assert.match(out, /function twice\(value\)\{return value\*2\}/);
  for (const f of ENGINE.filter((f) => f.endsWith('.mjs') && f !== 'worker.mjs')) {
    const [source, shipped] = await Promise.all([import(`../../wasm/${f}`), import(`../../web/dlplay/${f}`)]);
    assert.deepEqual(Object.keys(shipped).sort(), Object.keys(source).sort(), f);
  }
});
