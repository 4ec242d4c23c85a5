// ship.mjs: copies the engine's modules into a page folder (web/dlplay/ by `make`) without the
// comments that stand on lines of their own, and without lines' leading indentation: a page
// downloads code, the documentation stays in wasm/. Only whole-line `//` comments and comment
// blocks that open a line go, and indentation only outside template literals, so every line of
// code is the source's, bar its indentation. (No source line ends in a backslash inside a
// string, where the next line's indentation would count.)
//   node wasm/ship.mjs <folder> <file.mjs | file.d.mts | file.wasm> ...
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export function stripComments(source) {
  const out = [];
  let inTemplate = false, inBlock = false;
  for (const line of source.split('\n')) {
    if (inBlock) {
      if (line.includes('*/')) inBlock = false;
      continue;
    }
    if (!inTemplate && /^\s*\/\//.test(line)) continue;
    if (!inTemplate && /^\s*\/\*/.test(line)) {
      if (!line.includes('*/')) inBlock = true;
      else if (!/^\s*\/\*.*\*\/\s*$/.test(line)) out.push(line); // code after the comment stays
      continue;
    }
    out.push(inTemplate ? line : line.trimStart());
    if ((line.match(/`/g) ?? []).length % 2) inTemplate = !inTemplate;
  }
  return out.join('\n');
}

if (process.argv[1]?.endsWith('ship.mjs')) {
  const [dir, ...files] = process.argv.slice(2);
  for (const f of files) {
    const to = join(dir, basename(f));
    if (f.endsWith('.mjs')) writeFileSync(to, stripComments(readFileSync(f, 'utf8')));
    else copyFileSync(f, to);
  }
}
