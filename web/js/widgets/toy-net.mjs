// toy-net.mjs: the small problems the training widgets share, fixed draws with inputs scaled to
// about unit size: the two-arm spiral, and three overlapping Gaussian clusters (a loss that
// never reaches 0, so too high a rate shows as a blow-up). Small enough to train a thousand
// batches in a blink on the page's thread, hard enough that the learning rate and its schedule
// show in the result.
import { makeToySet, toArrays, CLASSES_2D } from '../datasets2d.mjs';

const NOISE = { spiral: 0.1, gaussians: 0.3 }, POINTS = 400, TRAIN_SHARE = 0.75;
const splits = new Map();
export const BATCH = 16;
export const BATCHES = Math.ceil(Math.round(POINTS * TRAIN_SHARE) / BATCH); // batches in an epoch

/**
 * A fixed draw of a toy set as model data: {train, test}, each {x (inputs divided by 3), y, n};
 * the same draw for the same arguments, whatever the widget's seed (made once per page).
 */
export function toySplit(name, { train, test, noise, seed = 5 }) {
  const key = `${name} ${train} ${test} ${noise} ${seed}`;
  if (!splits.has(key)) {
    const set = makeToySet(name, { n: train + test, noise, ratio: train / (train + test), seed });
    const data = (pts) => {
      const d = toArrays(pts);
      return { x: d.x.map((v) => v / 3), y: d.y, n: pts.length };
    };
    splits.set(key, { train: data(set.train), test: data(set.test) });
  }
  return splits.get(key);
}

/** The training widgets' toy set: its training or test split. */
export function toyData(name, split) {
  const train = Math.round(POINTS * TRAIN_SHARE);
  return toySplit(name, { train, test: POINTS - train, noise: NOISE[name] })[split];
}

/** A 2-32-32-K ReLU network for a toy set, with the given seed. */
export const toyNet = (engine, name, seed) =>
  engine.model({ input: [2], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: CLASSES_2D[name] }], seed });

/** Batch losses as a moving average over about 20 batches, corrected for its start at 0 (as Adam's moments are). */
export function smoothed(losses) {
  let avg = 0;
  return losses.map((v, i) => (avg = 0.95 * avg + 0.05 * v) / (1 - 0.95 ** (i + 1)));
}
