// docs.test.mjs: every ```js block in docs/api.md runs as written (with `dlplay` mapped to
// wasm/), and prints what the doc says it prints, so the API docs cannot drift from the API.
//
// A line `console.log(...); // → text` states its output: what the call prints (util.format)
// must equal `text`, ignoring spaces, where `...` stands for anything. Every console.log in the
// doc states its output, except those inside callbacks marked `// (per epoch)`.
import { test } from 'node:test';
import { format } from 'node:util';
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
const squash = (t) => t.replace(/\s+/g, '');
const pattern = (expected) => new RegExp(`^${squash(expected).split('...').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

blocks.forEach(({ code, section }, i) => {
  test(`docs/api.md example ${i + 1} (${section}) runs as written and prints what it says`, async () => {
    const lines = code.split('\n');
    const expected = new Map(); // line -> stated output
    lines.forEach((l, k) => {
      if (!l.includes('console.log(')) return;
      const m = /\/\/ → (.*)$/.exec(l);
      if (m) expected.set(k, m[1].trim());
      else if (!l.includes('// (per epoch)')) throw new Error(`example ${i + 1}, line ${k + 1}: console.log without a stated output (// → ...)`);
    });
    const source = lines
      .map((l, k) => l.replace(/console\.log\(/g, `__docLog(${k}, `))
      .join('\n')
      .replace(/from '(dlplay(?:\/[\w-]+)?)'/g, (_, m) => `from '${new URL(modules[m], root).href}'`)
      .replace(/'web\/data\//g, `'${new URL('web/data/', root).pathname}`);
    const file = new URL(`example${i + 1}.mjs`, dir);
    await writeFile(file, source);
    const printed = new Map();
    globalThis.__docLog = (k, ...args) => printed.set(k, format(...args));
    try {
      await import(file.href);
    } finally {
      delete globalThis.__docLog;
    }
    for (const [k, want] of expected) {
      const got = printed.get(k);
      if (got === undefined) throw new Error(`example ${i + 1}, line ${k + 1}: nothing printed, the doc says ${want}`);
      if (!pattern(want).test(squash(got))) throw new Error(`example ${i + 1}, line ${k + 1}: printed\n  ${got}\nthe doc says\n  ${want}`);
    }
  });
});

// The layer table in docs/api.md names exactly the layers of the core's table (the catalog).
test('docs/api.md lists every layer of the catalog with its options, and no other', async () => {
  const { load } = await import(new URL('wasm/dlplay.mjs', root).href);
  const dl = await load();
  const table = doc.slice(doc.indexOf('| layer | options (defaults) |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const documented = rows.flatMap((r) => [...r.split('|')[1].matchAll(/`(\w+)`/g)].map((m) => m[1])).sort();
  const known = dl.catalog.layers.map((l) => l.name).sort();
  if (JSON.stringify(documented) !== JSON.stringify(known)) throw new Error(`docs: ${documented.join(', ')}; catalog: ${known.join(', ')}`);
  // and each row names exactly the options the catalog gives its layers
  for (const r of rows) {
    const [, names, options] = r.split('|');
    const said = [...new Set([...options.matchAll(/`(\w+)`/g)].map((m) => m[1]))].filter((o) => o !== 'activation').sort();
    for (const name of [...names.matchAll(/`(\w+)`/g)].map((m) => m[1])) {
      const has = dl.catalog.layers.find((l) => l.name === name).options.map((o) => o.name).sort();
      if (JSON.stringify(said) !== JSON.stringify(has)) throw new Error(`docs give ${name} the options ${said.join(', ')}; the catalog ${has.join(', ')}`);
    }
  }
});
