// two-playgrounds.mjs: two playgrounds side by side, to compare two networks on the same data.
// Both use one worker: their models and data live in it by id and name, and their runs take
// turns between chunks. Each side's settings come from the page's hash, as a playground hash of
// its own: #a=<settings>&b=<settings> (URL-encoded), e.g. a=dataset%3Dxor%26preset%3Dperceptron.
import { attach } from '../../dlplay/worker-client.mjs';
import { createPlayground } from '../playground/index.mjs';

const params = new URLSearchParams(location.hash.slice(1));
const remote = attach({ ...(params.get('simd') === 'off' ? { simd: false } : {}) });
const SIDES = { a: ['Network A', 'dataset=xor&preset=perceptron'], b: ['Network B', 'dataset=xor&preset=mlp'] };
for (const [slot, [title, settings]] of Object.entries(SIDES))
  createPlayground(document.querySelector(`[data-slot="${slot}"]`), { remote, url: false, title, settings: `#${params.get(slot) ?? settings}` });
