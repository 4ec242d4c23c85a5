// image-sets.mjs: the image files the widgets read (MNIST and Fashion-MNIST, as DLDS files in
// web/data/), downloaded once per page and shared by every widget on it. A widget waits only for
// the records it needs: each record carries its label, so the start of a file is usable while the
// rest still comes (and the rest is let come: a download cut short would be a failed request).
import { fetchDataset } from '../../dlplay/datasets.mjs';
import { site } from '../site.mjs';

export const SIDE = 28, PIXELS = SIDE * SIDE;
const files = new Map(); // file -> {waiting, done}

/** Records [from, from + n) of data/<file>.dlds.gz ('mnist-test', ...): {x (bytes), y, n}, views into the download. */
export function records(file, from, n) {
  if (!files.has(file)) {
    const waiting = new Set();
    const done = fetchDataset(site(`data/${file}.dlds.gz`), { onProgress: (s) => waiting.forEach((x) => s.count >= x.need && (waiting.delete(x), x.resolve(s))) });
    done.then((set) => (files.get(file).set = set), () => files.delete(file)); // (a failed download is tried again by the next request)
    files.set(file, { waiting, done });
  }
  const f = files.get(file), need = from + n;
  const arrived = f.set ? Promise.resolve(f.set) : new Promise((resolve) => f.waiting.add({ need, resolve }));
  return Promise.race([arrived, f.done]).then((set) => {
    if (set.count < need) throw new Error(`${file} holds ${set.count} images, fewer than ${need}`);
    return { x: set.x.subarray(from * PIXELS, need * PIXELS), y: set.y.subarray(from, need), n };
  });
}

/** Image i of a file: {x: its pixels in [0, 1], label}. */
export async function image(file, i) {
  const r = await records(file, i, 1);
  return { x: Float32Array.from(r.x, (v) => v / 255), label: r.y[0] };
}
