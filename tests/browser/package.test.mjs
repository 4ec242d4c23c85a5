// package.test.mjs: the installable package. `npm pack` makes the tarball from this checkout
// (package.json's files and exports map); it is installed into a fresh folder and used there the
// way a course site would: from Node (the engine trains XOR, a preset is checked, the types
// compile) and from a page that loads the elements out of node_modules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, openPage } from './browser.mjs';
import { serve } from '../../web/serve.mjs';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
let env, dir, server;
before(async () => {
  env = await start();
  dir = await mkdtemp(join(tmpdir(), 'dlplay-package-'));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repo });
  const tarball = join(dir, stdout.trim().split('\n').at(-1));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'course-site', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: dir });
  server = await serve(0, '127.0.0.1', `${dir}/`);
});
after(async () => {
  await env?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
  await rm(dir, { recursive: true, force: true });
});

test('the installed package works from Node: the engine trains, the exports map resolves, presets are checked', async () => {
  await writeFile(join(dir, 'use.mjs'), `
    import { load } from 'dlplay';
    import { readPreset } from 'dlplay/web/js/embed/preset.mjs';
    const dl = await load();
    const m = dl.model({ input: [2], layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: 2 }], seed: 3 });
    const data = { x: Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), y: Uint8Array.from([0, 1, 1, 0]) };
    await m.fit(data, { epochs: 400, batchSize: 4, lr: 0.05 });
    const preset = await readPreset({ kind: 'activation', settings: { activation: 'elu' } });
    console.log(JSON.stringify({ simd: dl.simd, accuracy: m.evaluate(data).accuracy, kind: preset.kind }));
  `);
  const { stdout } = await run('node', ['use.mjs'], { cwd: dir });
  assert.deepEqual(JSON.parse(stdout), { simd: true, accuracy: 1, kind: 'activation' });
  // the package's types: the engine's and the elements'
  await writeFile(join(dir, 'use.mts'), `
    import { load } from 'dlplay';
    import 'dlplay/elements';
    const dl = await load();
    const g = dl.graph(1);
    const x: number = g.input('x', [2]);
    const el = document.createElement('dl-widget');
    el.configure({ kind: 'activation', settings: { activation: 'gelu' } }).then(() => el.results());
    export { x };
  `);
  await run('node', [join(repo, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', 'use.mts'], { cwd: dir })
    .catch((e) => assert.fail(`tsc: ${e.stdout}${e.stderr}`));
});

test('the installed package works from a page: a widget and a playground load out of node_modules and run', async () => {
  await writeFile(join(dir, 'index.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>course</title><link rel="icon" href="data:,">
    <script type="module" src="node_modules/dlplay/web/js/embed/elements.mjs"></script></head>
    <body><main><dl-widget kind="perceptron"></dl-widget><dl-playground settings="dataset=xor&epochs=20&speed=fast"></dl-playground></main></body></html>`);
  const page = await openPage(env.browser, `http://127.0.0.1:${server.address().port}/index.html`, { requests: true });
  await page.waitForSelector('dl-widget [data-engine="ready"]');
  await page.waitForSelector('dl-playground [data-engine="ready"]');
  await page.$eval('dl-playground', (el) => el.start());
  await page.waitForFunction(() => document.querySelector('dl-playground').results().epochs >= 20, null, { timeout: 30000 });
  assert.deepEqual(page.errors, []);
  await page.close();
});
