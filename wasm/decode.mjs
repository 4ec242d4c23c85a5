// decode.mjs: choosing tokens from a language model's scores, one step at a time through the
// model's Generator (model.generator(): the one-token graph, a key-value cache for attention):
// temperature, top-k and top-p (nucleus) sampling, greedy decoding and beam search. Here rather
// than with the pages because the worker runs whole samples next to the model it trains (one
// message per sample, not per token); web/js/text.mjs re-exports it.
import { mulberry32 } from './random.mjs';

/**
 * The distribution sampling draws from: softmax(logits / temperature), then only the k most
 * likely tokens (topK > 0), then only the smallest set whose probability reaches topP (< 1),
 * renormalized. temperature 0 is greedy: all the mass on the most likely token.
 */
export function nextDistribution(logits, { temperature = 1, topK = 0, topP = 1 } = {}, from = 0, V = logits.length - from) {
  const p = new Float64Array(V);
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[from + i] > logits[from + best]) best = i;
  if (!(temperature > 0)) {
    p[best] = 1;
    return p;
  }
  let sum = 0;
  for (let i = 0; i < V; i++) sum += p[i] = Math.exp((logits[from + i] - logits[from + best]) / temperature);
  for (let i = 0; i < V; i++) p[i] /= sum;
  if ((topK > 0 && topK < V) || topP < 1) {
    const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
    let keep = topK > 0 ? Math.min(topK, V) : V, mass = 0;
    if (topP < 1) for (let i = 0; i < keep; i++) if ((mass += p[order[i]]) >= topP) { keep = i + 1; break; }
    let kept = 0;
    for (let i = 0; i < keep; i++) kept += p[order[i]];
    const q = new Float64Array(V);
    for (let i = 0; i < keep; i++) q[order[i]] = p[order[i]] / kept;
    return q;
  }
  return p;
}

/** log softmax of the V scores a[from..from+V), as an array: the log-probabilities beams add up. */
export function logSoftmax(a, from, V) {
  let m = -Infinity, s = 0;
  for (let v = 0; v < V; v++) m = Math.max(m, a[from + v]);
  for (let v = 0; v < V; v++) s += Math.exp(a[from + v] - m);
  const lse = m + Math.log(s);
  return Array.from({ length: V }, (_, v) => a[from + v] - lse);
}

/** One draw from a distribution with the uniform number u in [0, 1). */
export function draw(p, u) {
  let acc = 0, last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] <= 0) continue;
    last = i;
    if ((acc += p[i]) > u) return i;
  }
  return last;
}

// A window-limited model (the GPT) starts over on its last tokens when its window is full.
function feed(gen, history, token) {
  if (gen.window && gen.position >= gen.window) {
    gen.reset();
    const keep = history.slice(-Math.floor(gen.window / 2));
    for (const t of keep.slice(0, -1)) gen.step([t]);
    return gen.step([keep[keep.length - 1]]);
  }
  return gen.step([token]);
}

/**
 * Continue `prompt` (token ids, at least one) by `length` tokens, drawing each from
 * nextDistribution with a seeded generator: the same seed gives the same text.
 * onToken(id, distribution) sees each choice. Returns the new ids.
 */
export function sample(model, prompt, length, { temperature = 1, topK = 0, topP = 1, seed = 1, onToken } = {}) {
  if (!prompt.length) throw new Error('sample: the prompt needs at least one token');
  const gen = model.generator(1), rand = mulberry32(seed), history = [...prompt], out = [];
  let logits;
  for (const t of prompt.slice(0, -1)) feed(gen, history, t);
  logits = feed(gen, history, prompt[prompt.length - 1]);
  for (let i = 0; i < length; i++) {
    const p = nextDistribution(logits, { temperature, topK, topP }), id = draw(p, rand());
    onToken?.(id, p);
    out.push(id), history.push(id);
    if (i + 1 < length) logits = feed(gen, history, id);
  }
  return out;
}

/**
 * Beam search: keep the `width` continuations with the highest total log-probability, extend each
 * by every token, keep the best `width` again, `length` times. Returns {tokens, logp, tree}: the
 * best continuation, its log-probability, and every step's beams ({token, parent, logp}) for
 * drawing the search. Width 1 is greedy decoding. Works within the model's window.
 */
export function beamSearch(model, prompt, length, width = 4) {
  if (!prompt.length) throw new Error('beamSearch: the prompt needs at least one token');
  const gen = model.generator(width), V = gen.vocab;
  if (gen.window && prompt.length + length > gen.window) throw new Error(`beamSearch: ${prompt.length} + ${length} tokens exceed the model's window of ${gen.window}`);
  let logits;
  for (const t of prompt) logits = gen.step(new Array(width).fill(t));
  let beams = [{ logp: 0, tokens: [] }], tree = [];
  for (let step = 0; step < length; step++) {
    const cands = [];
    beams.forEach((b, i) => logSoftmax(logits, i * V, V).forEach((lp, v) => cands.push({ parent: i, token: v, logp: b.logp + lp })));
    cands.sort((a, b) => b.logp - a.logp || a.parent - b.parent || a.token - b.token);
    const kept = cands.slice(0, width);
    tree.push(kept.map(({ token, parent, logp }) => ({ token, parent, logp })));
    beams = kept.map((c) => ({ logp: c.logp, tokens: [...beams[c.parent].tokens, c.token], parent: c.parent }));
    if (step + 1 === length) break;
    const from = Array.from({ length: width }, (_, i) => beams[i % beams.length].parent);
    gen.reorder(from);
    logits = gen.step(Array.from({ length: width }, (_, i) => beams[i % beams.length].tokens.at(-1)));
  }
  return { tokens: beams[0].tokens, logp: beams[0].logp, tree };
}

/** Greedy decoding: the most likely token each step. */
export const greedy = (model, prompt, length) => sample(model, prompt, length, { temperature: 0 });

/** Perplexity from a loss in nats per token: the number of equally likely choices it amounts to. */
export const perplexity = (nats) => Math.exp(nats);
