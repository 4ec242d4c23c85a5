// toy-net.mjs: the small problems the training widgets share, fixed draws with inputs scaled to
// about unit size: the two-arm spiral, and three overlapping Gaussian clusters (a loss that
// never reaches 0, so too high a rate shows as a blow-up). Small enough to train a thousand
// batches in a blink on the page's thread, hard enough that the learning rate and its schedule
// show in the result.
import { makeToySet, toArrays, CLASSES_2D } from '../datasets2d.mjs';

const NOISE = { spiral: 0.1, gaussians: 0.3 }, POINTS = 400, TRAIN_SHARE = 0.75;
const sets = {};
export const BATCH = 16;
export const BATCHES = Math.ceil(Math.round(POINTS * TRAIN_SHARE) / BATCH); // batches in an epoch

/** A toy set's training or test split as model data {x, y}, inputs divided by 3. */
export function toyData(name, split) {
  sets[name] ??= makeToySet(name, { n: POINTS, noise: NOISE[name], ratio: TRAIN_SHARE, seed: 5 });
  const d = toArrays(sets[name][split]);
  d.x = d.x.map((v) => v / 3);
  return d;
}

/** A 2-32-32-K ReLU network for a toy set, with the given seed. */
export const toyNet = (engine, name, seed) =>
  engine.model({ input: [2], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: CLASSES_2D[name] }], seed });

/** Batch losses as a moving average over about 20 batches, corrected for its start at 0 (as Adam's moments are). */
export function smoothed(losses) {
  let avg = 0;
  return losses.map((v, i) => (avg = 0.95 * avg + 0.05 * v) / (1 - 0.95 ** (i + 1)));
}
