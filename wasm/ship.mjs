// ship.mjs: copies the engine's modules into a page folder (web/dlplay/ by `make`), minified by
// terser without renaming or rewriting anything: comments and whitespace go, every name and
// statement stays, so a stack trace in the shipped copy still reads like the source. A page
// downloads code; the documentation stays in wasm/. (The engine's 150 KB budget counts these.)
//   node wasm/ship.mjs <folder> <file.mjs | file.d.mts | file.wasm> ...
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { minify } from 'terser';

/** The source without comments and whitespace; names and code as written. */
export async function shrink(source) {
  const { code } = await minify(source, { module: true, compress: false, mangle: false, format: { comments: false } });
  return code;
}

if (process.argv[1]?.endsWith('ship.mjs')) {
  const [dir, ...files] = process.argv.slice(2);
  for (const f of files) {
    const to = join(dir, basename(f));
    if (f.endsWith('.mjs')) writeFileSync(to, await shrink(readFileSync(f, 'utf8')));
    else copyFileSync(f, to);
  }
}
