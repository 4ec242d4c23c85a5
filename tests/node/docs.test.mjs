// docs.test.mjs: every ```js block in docs/api.md runs as written (with `dlplay` mapped to
// wasm/), so the API docs cannot drift from the API.
import { test } from 'node:test';
import { readFile, writeFile, mkdir } from 'node:fs/promises';

const root = new URL('../../', import.meta.url);
const doc = await readFile(new URL('docs/api.md', root), 'utf8');
// each block with the section heading above it, for the test name
const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => ({
  code: m[1],
  section: [...doc.slice(0, m.index).matchAll(/^## (.*)$/gm)].at(-1)?.[1] ?? 'top',
}));
const modules = { dlplay: 'wasm/dlplay.mjs', 'dlplay/datasets': 'wasm/datasets.mjs', 'dlplay/node-data': 'wasm/node-data.mjs' };

test('docs/api.md has runnable examples', () => {
  if (blocks.length < 5) throw new Error(`only ${blocks.length} js blocks found`);
});

const dir = new URL('build/doc-snippets/', root);
await mkdir(dir, { recursive: true });
blocks.forEach(({ code, section }, i) => {
  test(`docs/api.md example ${i + 1} (${section}) runs as written`, async () => {
    const source = code
      .replace(/from '(dlplay(?:\/[\w-]+)?)'/g, (_, m) => `from '${new URL(modules[m], root).href}'`)
      .replace(/'web\/data\//g, `'${new URL('web/data/', root).pathname}`);
    const file = new URL(`example${i + 1}.mjs`, dir);
    await writeFile(file, source);
    const log = console.log;
    console.log = () => {}; // the examples print; the test only needs them to run
    try {
      await import(file.href);
    } finally {
      console.log = log;
    }
  });
});

// The layer table in docs/api.md names exactly the layers of the core's table (the catalog).
test('docs/api.md lists every layer of the catalog, and no other', async () => {
  const { load } = await import(new URL('wasm/dlplay.mjs', root).href);
  const dl = await load();
  const table = doc.slice(doc.indexOf('| layer | options (defaults) |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const documented = rows.flatMap((r) => [...r.split('|')[1].matchAll(/`(\w+)`/g)].map((m) => m[1])).sort();
  const known = dl.catalog.layers.map((l) => l.name).sort();
  if (JSON.stringify(documented) !== JSON.stringify(known)) throw new Error(`docs: ${documented.join(', ')}; catalog: ${known.join(', ')}`);
});
