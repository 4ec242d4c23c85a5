// random.mjs: the JS side's seeded generator (mulberry32): shuffling orders, toy data sets,
// test data. Plain 32-bit integer math, so every JS engine gives the same numbers for a seed.
// (Weights, dropout and augmentation use the core's own RNG, in wasm.)

/** A function returning floats in [0, 1) from `seed`. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `indices` in place (Fisher-Yates) with draws from `next`; returns it. */
export function shuffle(indices, next) {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
  return indices;
}

/** A standard normal draw from a uniform generator (Box-Muller). */
export function gaussian(next) {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}
