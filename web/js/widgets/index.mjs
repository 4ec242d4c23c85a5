// index.mjs: the one table of concept widgets, by kind. A kind's module is loaded when a page or
// an element first needs it; tests, the preset schema and the concept index read this table,
// which follows the course's order.
export const WIDGETS = {
  // Perceptron and MLP
  perceptron: () => import('./perceptron.mjs'),
  features: () => import('./features.mjs'),
  // Backpropagation
  backprop: () => import('./backprop.mjs'),
  bptt: () => import('./bptt.mjs'),
  // Activations
  activation: () => import('./activation.mjs'),
  // Losses and softmax
  softmax: () => import('./softmax.mjs'),
  losses: () => import('./losses.mjs'),
  // Optimizers and schedules
  'optimizer-race': () => import('./optimizer-race.mjs'),
  schedules: () => import('./schedules.mjs'),
  'lr-range': () => import('./lr-range.mjs'),
  // Initialization and gradient flow
  'init-flow': () => import('./init-flow.mjs'),
  // Regularization
  penalties: () => import('./penalties.mjs'),
  dropout: () => import('./dropout.mjs'),
  overfitting: () => import('./overfitting.mjs'),
  batchnorm: () => import('./batchnorm.mjs'),
  augment: () => import('./augment.mjs'),
  // Convolutions
  'conv-arithmetic': () => import('./conv-arithmetic.mjs'),
  kernels: () => import('./kernels.mjs'),
  'receptive-field': () => import('./receptive-field.mjs'),
  // Architectures, transfer, interpretation
  residual: () => import('./residual.mjs'),
  'fine-tune': () => import('./fine-tune.mjs'),
  adversarial: () => import('./adversarial.mjs'),
  'class-max': () => import('./class-max.mjs'),
  // Metrics
  metrics: () => import('./metrics.mjs'),
  // Embeddings
  'skip-gram': () => import('./skip-gram.mjs'),
  // Graph neural networks
  gcn: () => import('./gcn.mjs'),
  gat: () => import('./gat.mjs'),
};

/** A widget's module (its default export), or an error naming the kinds there are. */
export async function loadWidget(kind) {
  const load = Object.hasOwn(WIDGETS, kind) ? WIDGETS[kind] : null;
  if (!load) throw new Error(`no widget of kind '${String(kind).slice(0, 40)}' (kinds: ${Object.keys(WIDGETS).join(', ')})`);
  return (await load()).default;
}
