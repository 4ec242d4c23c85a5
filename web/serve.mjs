// serve.mjs: a small static server for web/ and the sample course page (`make serve`), on 127.0.0.1 only. Node's own
// http module, so nothing beyond Node is needed; .mjs and .wasm get the MIME types browsers
// insist on for module scripts and WebAssembly.instantiateStreaming.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
// the sample course page (examples/course/) at /course/: a page outside web/ that embeds dlplay,
// as a teacher's would
const MOUNTS = { '/course/': fileURLToPath(new URL('../examples/course/', import.meta.url)) };
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Start serving web/ (or the folder `root`, a path ending in /) on `port` (0 = any free port);
 * resolves to the server once listening.
 */
export function serve(port = 8017, host = '127.0.0.1', base = ROOT) {
  const mounts = base === ROOT ? MOUNTS : {};
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      const mount = Object.keys(mounts).find((m) => path.startsWith(m));
      const root = mount ? mounts[mount] : base;
      let file = normalize(join(root, mount ? path.slice(mount.length) : path));
      if (file !== root.slice(0, -1) && !file.startsWith(root)) throw Object.assign(new Error('outside root'), { status: 403 });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch (e) {
      const status = e.status ?? (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? 404 : 500);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`${status}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const port = Number(process.env.PORT ?? process.argv[2] ?? 8017);
  const server = await serve(port);
  console.log(`dlplay is at http://localhost:${server.address().port}/  (Ctrl-C stops it)`);
}
