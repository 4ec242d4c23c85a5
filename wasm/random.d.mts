/** A seeded generator of floats in [0, 1) (mulberry32): the same numbers in every JS engine. */
export function mulberry32(seed: number): () => number;
/** A standard normal draw using a uniform generator. */
export function gaussian(next: () => number): number;
/** Shuffles `indices` in place (Fisher-Yates) with draws from `next`; returns it. */
export function shuffle<T extends { length: number; [i: number]: any }>(indices: T, next: () => number): T;
