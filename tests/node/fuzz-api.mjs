// fuzz-api.mjs: a seeded fuzzer for the JS API as a hostile user drives it: random and mutated
// specs, programs, fit options, data and model-file bytes. Every case must end in success or a
// DlError (never a trap, another exception or a hang), and after it the module must be healthy:
// a bystander model predicts exactly as before and the heap in use is back where it was.
//   node tests/node/fuzz-api.mjs [cases] [seed]      (make fuzz runs 20,000; make test a few hundred)
import { load, DlError } from '../../wasm/dlplay.mjs';
import { mulberry32 } from '../../wasm/random.mjs';

export async function fuzzApi(cases, seed = 1, log = () => {}) {
  const dl = await load();
  const r = mulberry32(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const cat = dl.catalog;
  const weird = [0, -1, 1, 2, 3, 7, 64, 1e9, 2 ** 31, -(2 ** 31), 0.5, NaN, Infinity, -Infinity, null, '', 'x', '3', [], {}, [2, 2], true];
  const value = () => (r() < 0.15 ? pick(weird) : int(1, 9));
  const layer = (image) => {
    // mostly layers that fit the input (images take any; vectors the dense family)
    const fits = image || r() < 0.1 ? cat.layers : cat.layers.filter((d) => ['dense', 'dropout', 'gaussianNoise', 'batchNorm', 'layerNorm', 'activation', 'residual'].includes(d.name));
    const def = pick(fits), l = { type: r() < 0.03 ? pick(['convolution', '', null]) : def.name };
    for (const o of def.options) {
      if (o.type === 'layers') l.layers = [layer(image)];
      else if (o.type === 'shape') l.shape = [int(1, 8)];
      else if (o.required || r() < 0.3) l[o.name] = r() < 0.9 && o.min !== undefined ? int(Math.max(o.min, 1), Math.min(o.max, Math.max(o.min, 1) + (image ? 2 : 9))) : value();
    }
    if (r() < 0.4 || def.name === 'activation') l.activation = r() < 0.95 ? pick(cat.activations).name : pick(weird);
    if (r() < 0.05) l[pick(['units', 'bogus', 'alpha'])] = value();
    return l;
  };
  const spec = () => {
    const image = r() < 0.4, input = image ? [int(1, 3), int(6, 12), int(6, 12)] : [int(1, 16)];
    if (r() < 0.5) return { input: r() < 0.05 ? pick(weird) : input, seed: int(0, 9), layers: Array.from({ length: int(1, 3) }, () => layer(image)) };
    // a two-network model
    const nets = { A: Array.from({ length: int(1, 2) }, () => layer(image)), B: [{ type: 'flatten' }, { type: 'dense', units: int(1, 4) }] };
    return {
      seed: int(0, 9),
      inputs: { x: input, z: { shape: [int(1, 4)], noise: r() < 0.05 ? 'gaussian' : pick(['normal', 'uniform', 'bernoulli']) } },
      networks: nets,
      outputs: { a: { net: 'A', from: 'x' }, b: { net: 'B', from: pick(['a', 'a', 'x', 'z', 'nope']) }, d: { detach: 'b' }, s: { slice: 'b', start: int(0, 1), size: 1 } },
    };
  };
  const program = (m) => {
    const outs = m.tensors.filter((t) => t.kind === 'computed').map((t) => t.name);
    const loss = pick(cat.losses);
    const term = { type: r() < 0.05 ? 'nope' : loss.name, on: loss.inputs === 2 ? [pick(outs), pick(outs)] : pick(outs) };
    if (loss.target !== 'none') term.target = pick([0, 1, 0.5, { data: 'y' }, { data: 'y' }, pick(outs), null]);
    if (r() < 0.3) term.weight = value();
    if (r() < 0.2) term.reduce = pick(['sum', 'mean', 'max']);
    const opt = { type: r() < 0.05 ? 'adamx' : pick(cat.optimizers).name, lr: r() < 0.8 ? 0.01 : value() };
    if (r() < 0.3) opt[pick(cat.optimizerOptions).name] = value();
    if (r() < 0.2) opt.networks = [pick(m.networks.map((n) => n.name).concat(['Q']))];
    if (r() < 0.2) opt.schedule = { type: pick(cat.schedules).name, [pick(['period', 'gamma', 'total', 'bogus'])]: value() };
    return { losses: { l: [term] }, optimizers: { o: opt }, ...(r() < 0.2 ? { steps: [{ loss: pick(['l', 'k']), optimizer: 'o', repeat: value() }] } : {}) };
  };
  const data = (m, n) => {
    const out = {};
    for (const t of m.tensors.filter((x) => x.kind !== 'computed'))
      if (r() < 0.95) out[t.name] = Float32Array.from({ length: (t.classes ? 1 : t.shape.reduce((a, d) => a * d, 1)) * n + (r() < 0.05 ? 1 : 0) }, () => (r() < 0.01 ? NaN : r()));
    for (const d of m.info.program?.data ?? []) out[d.name] = Float32Array.from({ length: n }, () => (r() < 0.02 ? 9 : int(0, Math.max(1, (d.labels || 2) - 1))));
    return out;
  };

  const bystander = dl.model({ input: [4], seed: 1, layers: [{ type: 'dense', units: 3 }] });
  const probe = Float32Array.of(0.1, 0.2, 0.3, 0.4), expected = bystander.predict(probe);
  const counts = { cases: 0, ok: 0, refused: 0 };
  // first-use allocations (the catalog, the allocator's own) out of the count
  const warm = dl.model({ seed: 1, inputs: { x: [2] }, networks: { A: [{ type: 'dense', units: 1 }] }, outputs: { a: { net: 'A', from: 'x' } } });
  warm.setProgram({ losses: { l: [{ type: 'mse', on: 'a', target: 0 }] }, optimizers: { o: { type: 'adam' } } });
  await warm.train({ x: new Float32Array(4) }, { epochs: 1 });
  warm.dispose();
  for (let c = 0; c < cases; c++) {
    const heap = dl.heapBytes(), made = [];
    try {
      const m = dl.model(spec());
      made.push(m);
      if (r() < 0.7) {
        m.setProgram(program(m));
        const n = int(1, 40);
        const kind = r();
        if (kind < 0.5) await m.train(data(m, n), { epochs: int(1, 2), batchSize: pick([1, 8, 32, 0, 1e9, 2.5]), chunk: pick([1, 16, 2 ** 30]) });
        else if (kind < 0.8) m.run(pick(m.tensors).name, data(m, n));
        else m.evaluateLoss('l', data(m, n));
      }
      if (r() < 0.3) { // a file, perhaps damaged
        const bytes = m.save({ optimizer: r() < 0.5 && m.optimizers.length > 0 });
        for (let k = int(0, 3); k > 0; k--) bytes[int(0, bytes.length - 1)] ^= 1 << int(0, 7);
        made.push(dl.loadModel(r() < 0.2 ? bytes.subarray(0, int(0, bytes.length)) : bytes));
      }
      counts.ok++;
    } catch (e) {
      if (!(e instanceof DlError)) throw new Error(`case ${c} (seed ${seed}): not a DlError: ${e?.stack ?? e}`);
      counts.refused++;
      if (process.env.FUZZ_WHY) console.log(e.message.slice(0, 120)); // what refuses, to tune the generator
    } finally {
      for (const m of made) m.dispose();
    }
    counts.cases++;
    const now = bystander.predict(probe);
    if (now.some((v, i) => v !== expected[i])) throw new Error(`case ${c} (seed ${seed}): the bystander model changed`);
    if (dl.heapBytes() !== heap) throw new Error(`case ${c} (seed ${seed}): heap in use ${heap} -> ${dl.heapBytes()}`);
    if (c % 1000 === 999) log(`${c + 1} cases`);
  }
  bystander.dispose();
  return counts;
}

if (process.argv[1]?.endsWith('fuzz-api.mjs')) {
  const cases = Number(process.argv[2] ?? 20000), seed = Number(process.argv[3] ?? 1);
  const t0 = performance.now();
  const counts = await fuzzApi(cases, seed, (m) => console.log(m));
  console.log(`api fuzz: ${counts.cases} cases (${counts.ok} accepted, ${counts.refused} refused with a DlError), no trap, stray exception, leak or change to a bystander, in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
