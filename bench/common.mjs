// common.mjs: timing and table helpers for the benchmarks. Figures are the best of several
// rounds, each round long enough (>= minMs) to swamp timer resolution; warm-up runs first so
// that V8's optimizing tier has compiled the wasm before anything is timed.

/** Best time per call in ms of `fn` over `rounds` rounds of at least `minMs` each. */
export function bestMs(fn, { rounds = 5, minMs = 200, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      fn();
      calls++;
      t = performance.now();
    } while (t - t0 < minMs);
    best = Math.min(best, (t - t0) / calls);
  }
  return best;
}

/** Print rows (arrays of cells) as an aligned table with a header. */
export function printTable(header, rows) {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}
