// seq2seq.mjs: an encoder-decoder with attention on toy tasks generated in code, shared by
// examples/seq2seq.mjs and the tests. A GRU encoder reads the source; a GRU decoder reads the
// target shifted right (teacher forcing: while training it sees the true previous token, or,
// as the program chooses, its own previous choice); each
// decoder step attends over the encoder's steps (scaled dot product, padding masked), and a
// dense layer per position turns [decoder state, context] into scores over the vocabulary.
// Decoding feeds the model its own output: greedily, or by beam search. The functions await
// model.run, so they take a Model or a worker's RemoteModel alike.
import { mulberry32 } from '../dlplay/random.mjs';
import { logSoftmax } from '../dlplay/decode.mjs';

export const PAD = 0, BOS = 1, EOS = 2;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Tasks: `reverse` a string of letters, or `add` two numbers written in digits ("12+345" ->
 * "357"). Each has its alphabet after PAD, BOS and EOS, and the longest source and target.
 */
export const TASKS = {
  reverse: { symbols: ['·', '^', '$', ...LETTERS.slice(0, 12)], source: 10, target: 11,
    make(r) {
      const n = 3 + Math.floor(r() * 8), s = Array.from({ length: n }, () => LETTERS[Math.floor(r() * 12)]).join('');
      return [s, [...s].reverse().join('')];
    } },
  add: { symbols: ['·', '^', '$', ...'0123456789+'], source: 9, target: 6,
    make(r) {
      const a = Math.floor(r() * 10 ** (1 + Math.floor(r() * 4))), b = Math.floor(r() * 10 ** (1 + Math.floor(r() * 4)));
      return [`${a}+${b}`, String(a + b)];
    } },
};

/**
 * n examples of a task as the model's data: src [S] (padded), src_mask, tgt_in [T] (BOS and the
 * target), y [T] (the target and EOS) and w (1 where y is real), plus the strings.
 */
export function makeData(task, n, seed) {
  const t = TASKS[task], r = mulberry32(seed), S = t.source, T = t.target, id = (c) => t.symbols.indexOf(c);
  const d = { src: new Uint8Array(n * S), src_mask: new Float32Array(n * S), tgt_in: new Uint8Array(n * T), y: new Uint8Array(n * T), w: new Float32Array(n * T), pairs: [] };
  for (let i = 0; i < n; i++) {
    const [a, b] = t.make(r);
    d.pairs.push([a, b]);
    [...a].forEach((c, k) => ((d.src[i * S + k] = id(c)), (d.src_mask[i * S + k] = 1)));
    const out = [...[...b].map(id), EOS];
    out.forEach((v, k) => {
      d.y[i * T + k] = v;
      d.w[i * T + k] = 1;
      d.tgt_in[i * T + k] = k ? out[k - 1] : BOS;
    });
  }
  return d;
}

/** The model: source and (shifted) target token ids in, scores per target position out. */
export function seq2seqSpec(task, { units = 64, embed = 32, seed = 1 } = {}) {
  const t = TASKS[task], V = t.symbols.length;
  return {
    seed,
    inputs: { src: { shape: [t.source], tokens: V }, src_mask: [t.source], tgt_in: { shape: [t.target], tokens: V } },
    networks: {
      enc: [{ type: 'embedding', vocab: V, units: embed }, { type: 'gru', units: units / 2, bidirectional: true }],
      dec: [{ type: 'embedding', vocab: V, units: embed }, { type: 'gru', units }],
      out: [{ type: 'dense', units, activation: 'tanh', perPosition: true }, { type: 'dense', units: V, perPosition: true }],
    },
    outputs: {
      enc_out: { net: 'enc', from: 'src' }, dec_h: { net: 'dec', from: 'tgt_in' },
      context: { attend: 'dec_h', to: 'enc_out', mask: 'src_mask' },
      both: { concat: ['dec_h', 'context'], axis: 2 },
      logits: { net: 'out', from: 'both' },
    },
  };
}

/**
 * Cross-entropy of each next target token. With teacher forcing (teacher = 1) the decoder reads
 * the true tokens before it; with less, each position reads the model's own greedy choice
 * instead with probability 1 - teacher (0: always, as when decoding alone; between: scheduled
 * sampling, Bengio et al. 2015), filled in order by the engine before every step.
 */
export function seq2seqProgram({ lr = 3e-3, teacher = 1 } = {}) {
  return { losses: { s2s: [{ type: 'softmax_ce', on: 'logits', target: { data: 'y' }, mask: { data: 'w' } }] },
    optimizers: { main: { type: 'adam', lr, clipNorm: 1 } },
    ...(teacher < 1 ? { feedback: { input: 'tgt_in', from: 'logits', rate: 1 - teacher } } : {}) };
}

/**
 * Decode sources one step at a time, feeding back the model's own tokens (no teacher): each
 * step runs the whole decoder on the prefix so far, so T steps cost T runs of the model (fine
 * for toy lengths). width 1 is greedy; more keeps the `width` likeliest prefixes per source.
 * Returns, per source, the best token sequence (without EOS) and its log-probability.
 */
export async function decode(model, task, data, { width = 1 } = {}) {
  const t = TASKS[task], S = t.source, T = t.target, V = t.symbols.length, n = data.src.length / S, out = [];
  for (let i = 0; i < n; i++) {
    let beams = [{ tokens: [], logp: 0, done: false }];
    for (let step = 0; step < T && beams.some((b) => !b.done); step++) {
      const k = beams.length, src = new Uint8Array(k * S), mask = new Float32Array(k * S), tgt = new Uint8Array(k * T);
      beams.forEach((b, j) => {
        src.set(data.src.subarray(i * S, (i + 1) * S), j * S);
        mask.set(data.src_mask.subarray(i * S, (i + 1) * S), j * S);
        [BOS, ...b.tokens].slice(0, T).forEach((v, p) => (tgt[j * T + p] = v));
      });
      const logits = await model.run('logits', { src, src_mask: mask, tgt_in: tgt }), cands = [];
      beams.forEach((b, j) => {
        if (b.done) return cands.push(b);
        const lp = logSoftmax(logits, (j * T + step) * V, V);
        for (let v = 0; v < V; v++) if (v !== PAD && v !== BOS) cands.push({ tokens: [...b.tokens, v], logp: b.logp + lp[v], done: v === EOS });
      });
      cands.sort((a, b) => b.logp - a.logp);
      beams = cands.slice(0, width);
    }
    const best = beams[0];
    out.push({ tokens: best.tokens.filter((v) => v !== EOS), logp: best.logp });
  }
  return out;
}

/** The text a decoded token list spells. */
export const spell = (task, tokens) => tokens.map((v) => TASKS[task].symbols[v]).join('');

/**
 * How well the model does on data: exact match (the whole target right) when it decodes
 * alone, greedily or by beam; and with teacher forcing, the share of target tokens it gets right
 * when given the true tokens before each (what training sees).
 */
export async function score(model, task, data, { width = 1 } = {}) {
  const T = TASKS[task].target, V = TASKS[task].symbols.length, n = data.pairs.length;
  const decoded = await decode(model, task, data, { width });
  const exact = decoded.filter((d, i) => spell(task, d.tokens) === data.pairs[i][1]).length / n;
  const logits = await model.run('logits', { src: data.src, src_mask: data.src_mask, tgt_in: data.tgt_in });
  let right = 0, total = 0;
  for (let r = 0; r < n * T; r++) {
    if (!data.w[r]) continue;
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[r * V + v] > logits[r * V + best]) best = v;
    right += best === data.y[r];
    total++;
  }
  return { exact, forced: right / total, decoded };
}
