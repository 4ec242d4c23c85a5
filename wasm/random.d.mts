/** A seeded generator of floats in [0, 1) (mulberry32): the same numbers in every JS engine. */
export function mulberry32(seed: number): () => number;
/** A standard normal draw using a uniform generator. */
export function gaussian(next: () => number): number;
