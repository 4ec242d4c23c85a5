// text.mjs: language models on text, shared by the text page, examples/charlm.mjs, the tests
// and the benchmark, so a page and a script build, train and sample the same model.
//   vocabularies: characters (charVocab) or byte-pair merges learned from the corpus (bpeVocab);
//   data: the corpus cut into windows, each with the window shifted by one as its targets;
//   models: LM_NETS and lmSpec / lmProgram (RNN, LSTM, GRU or a GPT);
//   decoding (wasm/decode.mjs, re-exported here): temperature, top-k and top-p sampling, greedy,
//   beam search, through the model's Generator (one token per step; the GPT keeps a KV cache).
export { nextDistribution, draw, sample, beamSearch, greedy, perplexity } from '../dlplay/decode.mjs';

// ---- vocabularies ----

/** Every distinct character of the text, sorted: ids are indices into `symbols`. */
export function charVocab(text) {
  const symbols = [...new Set(text)].sort();
  return vocabOf(symbols, 'chars');
}

/**
 * Byte-pair encoding learned from the text: start from its characters and merge the most
 * frequent adjacent pair into a new symbol, `merges` times (Sennrich et al. 2016). Counting runs
 * on at most `sample` characters of the text, so learning stays quick on a large corpus.
 */
export function bpeVocab(text, { merges = 200, sample = 200000 } = {}) {
  const base = [...new Set(text)].sort(), symbols = [...base];
  let seq = Array.from(text.slice(0, sample), (c) => base.indexOf(c));
  for (let m = 0; m < merges; m++) {
    const counts = new Map();
    let best = -1, bestCount = 1;
    for (let i = 0; i + 1 < seq.length; i++) {
      const key = seq[i] * 65536 + seq[i + 1], c = (counts.get(key) ?? 0) + 1;
      counts.set(key, c);
      if (c > bestCount || (c === bestCount && key < best)) (best = key), (bestCount = c);
    }
    if (best < 0) break; // no pair occurs twice
    const a = Math.floor(best / 65536), b = best % 65536, id = symbols.length;
    symbols.push(symbols[a] + symbols[b]);
    const next = [];
    for (let i = 0; i < seq.length; i++)
      if (i + 1 < seq.length && seq[i] === a && seq[i + 1] === b) next.push(id), i++;
      else next.push(seq[i]);
    seq = next;
  }
  return vocabOf(symbols, 'bpe', base.length);
}

/** The vocabulary a model saved with its spec's meta ({kind, symbols}). */
export const vocabFrom = ({ kind, symbols }) => vocabOf(symbols, kind);

// Encoding takes the longest symbol that matches at each point (greedy), which reproduces the
// merges on text like the corpus; decoding joins the symbols.
function vocabOf(symbols, kind, chars = symbols.length) {
  const index = new Map(symbols.map((s, i) => [s, i])), longest = Math.max(...symbols.map((s) => s.length));
  return {
    kind,
    symbols,
    size: symbols.length,
    chars,
    encode(text) {
      const ids = [];
      for (let i = 0; i < text.length; ) {
        let n = Math.min(longest, text.length - i);
        while (n > 1 && !index.has(text.slice(i, i + n))) n--;
        const id = index.get(text.slice(i, i + n));
        if (id === undefined) throw new Error(`character ${JSON.stringify(text[i])} at ${i} is not in the vocabulary`);
        ids.push(id);
        i += n;
      }
      return symbols.length <= 256 ? Uint8Array.from(ids) : Float32Array.from(ids);
    },
    decode: (ids) => Array.from(ids, (i) => symbols[i] ?? '').join(''),
    /** The characters of `text` the vocabulary lacks (the page says which before encoding). */
    missing: (text) => [...new Set(text)].filter((c) => !index.has(c)),
  };
}

// ---- data ----

/**
 * Windows of `steps` tokens and their targets (each window shifted by one token), cut from ids
 * without overlap, starting at `offset` (a different offset each epoch shows the model other
 * cuts). Returns {x, y, n} with x and y [n x steps] in the ids' array type.
 */
export function windows(ids, steps, offset = 0) {
  const n = Math.max(0, Math.floor((ids.length - offset - 1) / steps)), Type = ids.constructor;
  const x = new Type(n * steps), y = new Type(n * steps);
  for (let i = 0; i < n; i++) {
    const at = offset + i * steps;
    x.set(ids.subarray(at, at + steps), i * steps);
    y.set(ids.subarray(at + 1, at + steps + 1), i * steps);
  }
  return { x, y, n };
}

/** The first `share` of the ids for training, the rest for validation. */
export function splitIds(ids, share = 0.9) {
  const cut = Math.floor(ids.length * share);
  return { train: ids.subarray(0, cut), valid: ids.subarray(cut) };
}

// ---- models ----

/**
 * Network presets: an embedding of the tokens (plus learned positions for the GPT), a body, and
 * a dense layer per position to the vocabulary. Recurrent bodies: `layers` recurrent layers of
 * `units` (dropout between them when set; `stateful` carries their state between batches). GPT: `layers` pre-LN transformer blocks and a final
 * layer norm, the output projection tied to the embedding (Press & Wolf 2017), as GPT-2 does.
 * The GPT's MLP is 2 x wide (mlpRatio), not GPT-2's 4 x: in 15 minutes a smaller model that
 * reads 40% more text learns more (validation 1.606 nats against 1.612); it trains with AdamW's
 * weight decay 0.1, as nanoGPT (`decay`: 1.590 against 1.604 without), its rate rising linearly
 * over the first 100 updates (`warmup`): from the std-0.02 start at the full rate the loss
 * spikes near update 13 (validation 1.571 against 1.603 without a warm-up).
 */
export const LM_NETS = {
  rnn: { title: 'Simple RNN', cell: 'simpleRnn', layers: 1, units: 256, embed: 32, steps: 64, lr: 4e-3,
    about: 'One tanh recurrent layer: a hidden state carried from character to character. Gradients through many steps vanish or explode; clipping keeps them in check.' },
  lstm: { title: 'LSTM (2 x 256)', cell: 'lstm', layers: 2, units: 256, embed: 64, steps: 100, lr: 4e-3,
    about: 'Two long short-term memory layers: gates decide what the cell state keeps, adds and shows, so information lasts over many steps.' },
  gru: { title: 'GRU (2 x 256)', cell: 'gru', layers: 2, units: 256, embed: 64, steps: 100, lr: 4e-3,
    about: 'Two gated recurrent units: an update gate mixes the old state with a candidate; no separate cell state.' },
  gpt: { title: 'Mini-GPT (4 x 128)', cell: 'gpt', layers: 4, units: 128, heads: 4, mlpRatio: 2, embed: 128, steps: 64, lr: 2e-3, decay: 0.1, warmup: 100,
    about: 'A small GPT: token and position embeddings, four transformer blocks of causal self-attention (4 heads) and an MLP, the output tied to the embedding.' },
};

/** The layers between the embedding and the output: a preset's, with sizes changed by o. */
export function lmBody({ cell, layers, units, heads, mlpRatio = 4, dropout = 0, stateful = false }) {
  if (cell === 'gpt') {
    const block = { type: 'transformerBlock', heads, mlp: mlpRatio * units, ...(dropout ? { dropout } : {}) };
    return [...Array.from({ length: layers }, () => ({ ...block })), { type: 'layerNorm' }];
  }
  const out = [];
  for (let i = 0; i < layers; i++) {
    if (i && dropout) out.push({ type: 'dropout', rate: dropout });
    out.push({ type: cell, units, ...(stateful ? { stateful } : {}) });
  }
  if (dropout) out.push({ type: 'dropout', rate: dropout });
  return out;
}

/** The whole layer list: the embedding (and positions), the body (o.body, or the preset's), the output. */
export function lmLayers(o) {
  const gpt = o.cell === 'gpt', width = gpt ? o.units : o.embed;
  return [{ type: 'embedding', vocab: o.vocab, units: width, name: 'tokens' }, ...(gpt ? [{ type: 'positionalEncoding' }] : []), ...(o.body ?? lmBody(o)),
    { type: 'dense', units: o.vocab, perPosition: true, name: 'logits', ...(gpt ? { tiedTo: 'tokens' } : {}) }];
}

/** A language model: token ids x [steps] -> scores over the vocabulary at every position. */
export function lmSpec(o) {
  return { seed: o.seed ?? 1, inputs: { x: { shape: [o.steps], tokens: o.vocab } }, networks: { lm: lmLayers(o) }, outputs: { logits: { net: 'lm', from: 'x' } } };
}

/** Next-token cross-entropy (nats per token) with Adam and gradient clipping (on by default);
 * the rate rises linearly over the first `warmup` updates and, with `total` updates, follows a
 * cosine down to lr / 10 (as nanoGPT's); both count the optimizer's updates from its first. */
export function lmProgram({ lr = 2e-3, clip = 1, warmup = 0, total = 0, decay = 0 } = {}) {
  const optimizer = { type: decay ? 'adamw' : 'adam', lr, ...(clip ? { clipNorm: clip } : {}), ...(decay ? { weightDecay: decay } : {}) };
  const ramp = warmup ? { warmup } : {};
  if (total) optimizer.schedule = { type: 'cosine', period: total, restart: 0, lr_min: lr / 10, ...ramp };
  else if (warmup) optimizer.schedule = { type: 'constant', ...ramp };
  return { losses: { lm: [{ type: 'softmax_ce', on: 'logits', target: { data: 'y' } }] }, optimizers: { main: optimizer } };
}

