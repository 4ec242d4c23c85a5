// index.mjs: the one table of concept widgets, by kind. A kind's module is loaded when a page or
// an element first needs it; tests, the preset schema and the concept index read this table.
export const WIDGETS = {
  perceptron: () => import('./perceptron.mjs'),
  backprop: () => import('./backprop.mjs'),
  activation: () => import('./activation.mjs'),
  softmax: () => import('./softmax.mjs'),
  losses: () => import('./losses.mjs'),
  'optimizer-race': () => import('./optimizer-race.mjs'),
  schedules: () => import('./schedules.mjs'),
  'lr-range': () => import('./lr-range.mjs'),
  'conv-arithmetic': () => import('./conv-arithmetic.mjs'),
  metrics: () => import('./metrics.mjs'),
  'init-flow': () => import('./init-flow.mjs'),
};

/** A widget's module (its default export), or an error naming the kinds there are. */
export async function loadWidget(kind) {
  const load = Object.hasOwn(WIDGETS, kind) ? WIDGETS[kind] : null;
  if (!load) throw new Error(`no widget of kind '${String(kind).slice(0, 40)}' (kinds: ${Object.keys(WIDGETS).join(', ')})`);
  return (await load()).default;
}
