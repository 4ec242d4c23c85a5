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

test('the shipped copies lose only comment lines and indentation: code, and lines inside template literals, stay', async () => {
  const { stripComments } = await import('../../wasm/ship.mjs');
  const src = ['// a comment', 'const a = 1; // kept: code before it', '/** a doc', ' * block */', 'const t = `', '// inside a template', '  indented inside', '`;', '  /* one line */', '    export { a, t };'].join('\n');
  assert.equal(stripComments(src), ['const a = 1; // kept: code before it', 'const t = `', '// inside a template', '  indented inside', '`;', 'export { a, t };'].join('\n'));
});
