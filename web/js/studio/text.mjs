// text.mjs: the text page: a character-level language model (RNN, LSTM, GRU or a small GPT)
// trained in the page's worker on tinyshakespeare or text the learner brings. Views: training and
// validation loss (nats per character, perplexity), samples as it learns, the next character's
// distribution for a prompt under temperature, top-k and top-p, generation one token at a time,
// beam search and its tree, and inside the model: each attention head's weights over the prompt
// (GPT), or each recurrent layer's state, cell and gates along it.
import { createStudio } from './studio.mjs';
import { TEXT_PARAMS } from '../state.mjs';
import { LM_NETS, lmBody, lmSpec, lmProgram, charVocab, bpeVocab, vocabFrom, windows, splitIds, nextDistribution, draw, perplexity } from '../text.mjs';
import { mulberry32 } from '../../dlplay/random.mjs';
import { createLineChart } from '../components/line-chart.mjs';
import { createHeatMap } from '../components/heat-map.mjs';
import { createTokenBars } from '../components/token-bars.mjs';
import { createBeamTree } from '../components/beam-tree.mjs';

const PRESETS = Object.fromEntries(Object.entries(LM_NETS).map(([k, n]) => [k, {
  title: n.title, about: n.about, nets: () => ({ body: lmBody(n) }), settings: { embed: n.embed, steps: n.steps, lr: n.lr, decay: n.decay ?? 0, warmup: n.warmup ?? 0, batch: 16 },
}]));
const VALID_WINDOWS = 128; // validation windows evaluated every `every` steps
const INSIDE = 32;         // the prompt's last characters shown inside the model

const RECURRENT = ['simpleRnn', 'lstm', 'gru'];
// State is carried for recurrent presets only (a GPT has none).
const carrying = (ctx) => ctx.state.carry === 'on' && LM_NETS[ctx.state.preset].cell !== 'gpt';

const CONFIG = `
  <nav class="tabs" aria-label="Text models"><a href="text.html" aria-current="page">Language model</a><a href="seq2seq.html">Sequence to sequence</a></nav>
  <div class="card" data-control="data">
    <h2>Text</h2>
    <label class="row">Corpus
      <select data-part="corpus">
        <option value="shakespeare">tinyshakespeare (1.1 M characters)</option>
        <option value="custom">your own text</option>
      </select>
    </label>
    <div class="only-custom-text">
      <label class="stack">Paste text here, or drop a .txt file on it (at least 2,000 characters)
        <textarea data-part="custom-text" rows="5" spellcheck="false"></textarea></label>
      <button data-part="use-text" type="button" class="secondary">Train on this text</button>
    </div>
    <label class="row">Tokens
      <select data-part="vocab">
        <option value="chars">characters</option>
        <option value="bpe">byte-pair merges (BPE)</option>
      </select>
    </label>
    <label class="row only-bpe">Merges<input data-part="merges" type="number" min="1" max="2000" step="1"></label>
    <p data-part="data-status" class="note" aria-live="polite"></p>
  </div>
  <div class="card" data-control="training">
    <h2>Training</h2>
    <div class="grid2">
      <label>Window (steps)<input data-part="steps" type="number" min="2" max="512" step="1"></label>
      <label>Embedding width<input data-part="embed" type="number" min="2" max="1024" step="1"></label>
      <label>Learning rate<input data-part="lr" type="number" min="0.000001" max="0.1" step="any"></label>
      <label>Clip gradient norm<input data-part="clip" type="number" min="0" max="100" step="any"></label>
      <label>Weight decay<input data-part="decay" type="number" min="0" max="1" step="any"></label>
      <label>Warm-up (updates)<input data-part="warmup" type="number" min="0" max="100000" step="1"></label>
      <label>Batch<input data-part="batch" type="number" min="1" max="1024" step="1"></label>
      <label>Seed<input data-part="seed" type="number" min="0" step="1"></label>
      <label>Sample every (steps)<input data-part="every" type="number" min="10" max="100000" step="10"></label>
      <label class="only-rnn">State between batches<select data-part="carry"><option value="off">starts at zero</option><option value="on">carried (stateful)</option></select></label>
    </div>
    <p class="note">The model reads a window of characters and predicts each next one: the loss is the cross-entropy in nats per character (ln 65 = 4.17 is guessing among 65 characters); perplexity e<sup>loss</sup> is how many characters it is still choosing between. Adam, or AdamW when the weight decay is above 0 (it pulls the weights, not the biases or norms, toward 0 at each step); with a warm-up the rate rises from 0 over its first updates, which keeps a freshly started GPT from a loss spike; the gradient's norm is clipped (0: off), which keeps recurrent networks from exploding. For the GPT the embedding width is its width. A recurrent model can carry its state from batch to batch: the text is then read as one stream per batch row, in order, so a window starts where the row's last one ended (its gradient still stops at the window's start: truncated backpropagation through time).</p>
  </div>`;

const VIEWS = `
  <div class="card" data-control="curves">
    <h2>Loss</h2>
    <p data-part="headline" class="headline" aria-live="polite">Not trained yet.</p>
    <div data-part="loss-chart"></div>
  </div>
  <div class="card" data-control="samples">
    <h2>What it writes</h2>
    <p class="note">A sample every so many steps (set under Training), from a newline, with the settings below: it goes from noise to letters, to words, to lines with speakers.</p>
    <ol data-part="sample-list" class="samples" aria-live="polite"></ol>
  </div>
  <div class="card" data-control="next">
    <h2>The next character</h2>
    <label class="stack">Prompt<input data-part="prompt" type="text" maxlength="200" spellcheck="false"></label>
    <div class="grid3">
      <label>Temperature <output data-part="t-out"></output><input data-part="temperature" type="range" min="0" max="2" step="0.05"></label>
      <label>Top-k (0: all) <output data-part="k-out"></output><input data-part="topk" type="range" min="0" max="65" step="1"></label>
      <label>Top-p <output data-part="p-out"></output><input data-part="topp" type="range" min="0.05" max="1" step="0.05"></label>
    </div>
    <div data-part="bars"></div>
    <div class="buttons">
      <button data-part="next-token" type="button" class="secondary" title="draw one character from these bars and add it to the prompt">Next character</button>
      <button data-part="generate" type="button" class="secondary">Generate</button>
      <label class="inline">length<input data-part="length" type="number" min="1" max="2000" step="1"></label>
      <button data-part="beam-search" type="button" class="secondary">Beam search</button>
      <label class="inline">width<input data-part="beam" type="number" min="1" max="16" step="1"></label>
    </div>
    <pre data-part="output" class="generated" aria-live="polite"></pre>
    <div data-part="tree"></div>
  </div>
  <div class="card" data-control="inside">
    <h2>Inside the model</h2>
    <p data-part="inside-note" class="note"></p>
    <label class="row only-rnn">Layer<select data-part="inside-layer"></select></label>
    <div data-part="inside" class="inside-maps"></div>
  </div>`;

/** The text page in root. */
export function createTextPage(root, options) {
  const text = { vocab: null, train: null, valid: null, source: '', custom: '' }; // the data, as the page holds it
  const page = {
    title: 'Text', file: 'text', params: TEXT_PARAMS, presets: PRESETS,
    dataParams: ['corpus', 'vocab', 'merges', 'steps'], programParams: ['lr', 'clip', 'decay', 'warmup', 'batch'],
    viewParams: ['prompt', 'temperature', 'topk', 'topp', 'beam', 'length', 'every'],
    networks: [{ name: 'body', label: 'Layers', input: '← a vector per character [steps, width]: the embedding (and, for the GPT, the positions) come first',
      output: '→ a dense layer per position gives a score to every character (the GPT\'s shares the embedding\'s weights)' }],
    steps: [{ part: 'step', label: 'Step', key: '.', title: 'one training step (key: .)', run: () => ({ iterations: 1 }) }],
    configHtml: CONFIG, viewsHtml: VIEWS,
    images: () => false,
    netOf: () => 'lm',
    layerOffset: (ctx) => (ctx.state.preset === 'gpt' ? 2 : 1),
    drawMs: () => 2500,
    chunk: () => 2, // (a step of the larger models takes a good part of a second: requests wait for a chunk)
    loadData,
    models(ctx) {
      const s = ctx.state, n = LM_NETS[s.preset], vocab = text.vocab ?? { size: 65, kind: 'chars', symbols: [] };
      root.classList.toggle('is-rnn', n.cell !== 'gpt');
      const body = (s.body ?? lmBody(n)).map((l) => (s.carry === 'on' && RECURRENT.includes(l.type) ? { ...l, stateful: true } : l));
      const o = { ...n, vocab: vocab.size, steps: s.steps, embed: s.embed, units: n.cell === 'gpt' ? s.embed : n.units, body, seed: s.seed };
      return [{ key: 'lm', spec: { ...lmSpec(o), meta: { vocab: { kind: vocab.kind, symbols: vocab.symbols } } }, program: lmProgram({ lr: s.lr, clip: s.clip, decay: s.decay, warmup: s.warmup }) }];
    },
    summary: (r) => `${r.params.toLocaleString()} parameters`,
    check: () => (text.train ? '' : 'Load a text first.'),
    trainOptions: (ctx) => ({ streams: carrying(ctx) }), // (carried state: each batch row reads on where it stopped)
    iterationsPerEpoch: (ctx) => Math.max(1, (text.train?.n ?? 1) / ctx.state.batch),
    progress: (ctx, rec) => `loss ${rec.steps[0].value.toFixed(3)} nats/char`,
    fits(ctx, s) {
      const v = s.spec.meta?.vocab, x = s.tensors.find((t) => t.name === 'x');
      if (!v || !x?.tokens || !s.spec.networks?.lm) return 'this file is not a language model of this page (it needs a token input x, a network lm and a vocabulary)';
      if (text.vocab && v.symbols.join('\u0000') !== text.vocab.symbols.join('\u0000')) return `its vocabulary (${v.symbols.length} ${v.kind === 'bpe' ? 'tokens' : 'characters'}) is not the one of this text (${text.vocab.size}); choose the text it was trained on first`;
      return '';
    },
    adopt(ctx, s) {
      const layers = s.spec.networks.lm, gpt = layers[1]?.type === 'positionalEncoding';
      const preset = gpt ? 'gpt' : ({ simpleRnn: 'rnn', lstm: 'lstm', gru: 'gru' })[layers.find((l) => RECURRENT.includes(l.type))?.type] ?? ctx.state.preset;
      const body = layers.slice(gpt ? 2 : 1, -1), carry = body.some((l) => l.stateful) ? 'on' : 'off', main = s.program?.optimizers?.main;
      return { preset, carry, body: body.map(({ stateful, ...l }) => l), embed: layers[0].units, steps: s.spec.inputs.x.shape[0], lr: main?.lr ?? ctx.state.lr, decay: main?.weightDecay ?? 0, warmup: main?.schedule?.warmup ?? 0 };
    },
    viewChanged: (ctx, name) => ctx.viewChanged(name),
    views: (ctx) => views(ctx),
  };

  // The corpus into the worker: a vocabulary, then training windows there and validation windows here.
  async function loadData(ctx, status) {
    const s = ctx.state;
    root.classList.toggle('is-bpe', s.vocab === 'bpe');
    root.classList.toggle('is-custom-text', s.corpus === 'custom');
    if (s.corpus === 'custom') {
      if (text.custom.length < 2000) {
        text.train = null;
        status.textContent = text.custom ? `${text.custom.length.toLocaleString()} characters: at least 2,000 are needed.` : 'Paste or drop a text, then press "Train on this text".';
        return '';
      }
      text.source = text.custom;
    } else {
      status.textContent = 'Loading tinyshakespeare…';
      const r = await fetch(new URL('text/tinyshakespeare.txt', document.baseURI));
      if (!r.ok) throw new Error(`the server answered ${r.status}`);
      text.source = await r.text();
    }
    if (s.vocab === 'bpe') status.textContent = `Learning ${s.merges} byte-pair merges…`;
    await new Promise((r) => setTimeout(r, 0)); // (the status shows before the merges take their second)
    text.vocab = s.vocab === 'bpe' ? bpeVocab(text.source, { merges: s.merges }) : charVocab(text.source);
    const ids = text.vocab.encode(text.source), { train, valid } = splitIds(ids);
    text.train = windows(train, s.steps);
    const v = windows(valid, s.steps), n = Math.min(VALID_WINDOWS, v.n);
    text.valid = { x: v.x.subarray(0, n * s.steps), y: v.y.subarray(0, n * s.steps), n };
    if (text.train.n < s.batch) throw new Error(`the text makes ${text.train.n} windows of ${s.steps}: fewer than a batch`);
    const name = `text-${Math.random().toString(36).slice(2, 8)}`;
    await ctx.remote.setDataset(name, { x: text.train.x, y: text.train.y }, { n: text.train.n, shape: [s.steps] });
    const unit = text.vocab.kind === 'bpe' ? 'tokens' : 'characters';
    status.textContent = `${text.source.length.toLocaleString()} characters → ${ids.length.toLocaleString()} tokens of ${text.vocab.size} ${unit}; ${text.train.n.toLocaleString()} training windows of ${s.steps}, the last 10% for validation. Guessing: ${Math.log(text.vocab.size).toFixed(2)} nats.`;
    return name;
  }

  function views(ctx) {
    const { q, state } = ctx;
    const chart = createLineChart(q('loss-chart'), { title: 'Loss (nats per token)', xLabel: 'step', series: [{ name: 'training' }, { name: 'validation', dashed: true }] });
    const bars = createTokenBars(q('bars')), tree = createBeamTree(q('tree'));
    let maps = [], mapsKey = '', lastSampled = 0, sampling = null, logits = null, chosen = -1, rand = mulberry32(state.seed);
    const model = () => ctx.models.get('lm');
    const show = (s) => s.replace(/\n/g, '↵\n');
    const promptIds = () => {
      const v = text.vocab;
      if (!v) return [];
      const missing = v.missing(state.prompt);
      if (missing.length) throw new Error(`the prompt has characters this text never uses: ${missing.map((c) => JSON.stringify(c)).join(' ')}`);
      return state.prompt ? [...v.encode(state.prompt)] : startIds();
    };
    // (the counter tells tests an answer, or an error, is shown)
    // samples start from a newline, or from the text's first character when it has none
    const startIds = () => [...text.vocab.encode(text.vocab.missing('\n').length ? text.source[0] : '\n')];
    const say = (msg, error = false) => {
      q('output').textContent = msg;
      q('output').classList.toggle('error', error);
      if (msg) root.dataset.generated = String(Number(root.dataset.generated ?? 0) + 1);
    };
    // the model once a reset, rebuild or load under way is done
    const settledModel = async () => (await ctx.settled(), model());

    // the sliders show their values, and their top-k range follows the vocabulary
    const outputs = () => {
      q('t-out').textContent = state.temperature === 0 ? '0 (greedy)' : String(state.temperature);
      q('k-out').textContent = state.topk ? String(state.topk) : 'all';
      q('p-out').textContent = String(state.topp);
    };

    function showBars() {
      if (!logits || !text.vocab) return bars.reset();
      const before = nextDistribution(logits, { temperature: 1 });
      const after = nextDistribution(logits, { temperature: state.temperature, topK: state.topk, topP: state.topp });
      bars.update({ symbols: text.vocab.symbols, before, after, chosen });
    }

    async function drawBars() {
      const m = model();
      if (!m || !text.vocab) return;
      try {
        logits = await m.nextScores(promptIds());
        showBars();
      } catch (e) {
        say(e.message, true);
      }
    }

    // GPT: every head's attention over the prompt's last characters; RNN: a layer's state (and the
    // LSTM's cell and gates) at each of them, one row per unit.
    async function drawInside() {
      const m = model();
      if (!m || !text.vocab) return;
      let ids;
      try {
        ids = promptIds().slice(-Math.min(INSIDE, state.steps)); // (a GPT sees no more than its window)
      } catch {
        return;
      }
      const labels = text.vocab.decode(ids).length === ids.length ? [...text.vocab.decode(ids)] : ids.map((i) => text.vocab.symbols[i]);
      const layers = m.summary.layers, gpt = state.preset === 'gpt' || layers.some((l) => l.type === 'transformerBlock' || l.type === 'multiHeadAttention');
      root.classList.toggle('is-rnn', !gpt);
      const box = q('inside');
      if (gpt) {
        const att = layers.filter((l) => l.type === 'transformerBlock' || l.type === 'multiHeadAttention');
        const nodes = att.map((l) => ({ name: `${l.name}/attention`, scratch: true }));
        // each step leaves heads x window weights (generate.c): the window is the model's steps
        const out = await m.inspect(ids, nodes), window = m.summary.spec.inputs.x.shape[0], heads = (i) => out[i].length / (ids.length * window);
        const key = `gpt ${att.reduce((a, l, i) => a + heads(i), 0)} ${ids.length}`;
        if (mapsKey !== key) {
          mapsKey = key;
          maps.forEach((x) => x.destroy());
          box.replaceChildren();
          const cell = Math.max(7, Math.min(22, Math.floor(200 / ids.length)));
          maps = att.flatMap((l, i) => Array.from({ length: heads(i) }, (_, h) => createHeatMap(box, { title: `block ${i + 1}, head ${h + 1}`, cell })));
        }
        let k = 0;
        att.forEach((l, i) => {
          const H = heads(i), a = out[i], T = ids.length, C = window;
          for (let h = 0; h < H; h++) {
            const v = new Float32Array(T * T);
            for (let t = 0; t < T; t++) for (let s = 0; s < T; s++) v[t * T + s] = a[(t * H + h) * C + s];
            maps[k++].update({ values: v, rows: T, cols: T, rowLabels: labels, colLabels: labels });
          }
        });
        q('inside-note').textContent = `Attention weights on the prompt's last ${ids.length} characters, for every head of every block. Row t (the character reading) is how position t spreads its attention over positions 0..t (the columns: the characters read); causal, so nothing lies above the diagonal. Darker is more.`;
      } else {
        const rec = layers.filter((l) => RECURRENT.includes(l.type)), sel = q('inside-layer');
        if (sel.options.length !== rec.length) sel.replaceChildren(...rec.map((l, i) => new Option(`${i + 1}: ${l.type} ${l.name.replace(/^lm\//, '')}`, l.name)));
        const l = rec.find((x) => x.name === sel.value) ?? rec[0];
        if (!l) return;
        // the state, and (one replay of the prompt) the gates in the op's scratch: per step the
        // LSTM's i f g o then its cell, the GRU's r z n (rnn.c's layout)
        const [h, sc] = await m.inspect(ids, [{ name: l.name }, ...(l.type === 'simpleRnn' ? [] : [{ name: l.name, scratch: true }])]);
        const T = ids.length, H = h.length / T, S = sc ? sc.length / T : 0, show = Math.min(H, 32);
        const gates = { lstm: [['cell state c', 4 * H], ['input gate i', 0], ['forget gate f', H], ['candidate g', 2 * H], ['output gate o', 3 * H]],
          gru: [['reset gate r', 0], ['update gate z', H], ['candidate n', 2 * H]], simpleRnn: [] }[l.type];
        const panels = [['hidden state h', h, 0, H], ...gates.map(([name, off]) => [name, sc, off, S])];
        const key = `${l.name} ${panels.length} ${T}`;
        if (mapsKey !== key) {
          mapsKey = key;
          maps.forEach((x) => x.destroy());
          box.replaceChildren();
          const cell = Math.max(6, Math.min(11, Math.floor(360 / T)));
          maps = panels.map(([name]) => createHeatMap(box, { title: name, cell, signed: !/gate/.test(name) }));
        }
        panels.forEach(([name, a, off, stride], i) => {
          const v = new Float32Array(show * T); // rows: units; columns: positions
          for (let u = 0; u < show; u++) for (let t = 0; t < T; t++) v[u * T + t] = a[t * stride + off + u];
          maps[i].update({ values: v, rows: show, cols: T, colLabels: labels, note: `the first ${show} of ${H} units (rows) at each character (columns)${name.includes('gate') ? '; gates run 0 (white) to 1 (red)' : ''}` });
        });
        q('inside-note').textContent = `${l.type === 'simpleRnn' ? 'The' : 'The state, and the gates that set it, of the'} chosen layer at each of the prompt's last ${T} characters. Blue is negative, red positive; a unit that turns on at spaces or after newlines has learned what they mean.`;
      }
    }

    // A sample every `every` steps, and the validation loss beside it.
    async function sampleNow(step) {
      const m = model();
      if (!m || sampling || !text.vocab) return;
      sampling = (async () => {
        try {
          const v = await m.evaluateLoss('lm', { x: text.valid.x, y: text.valid.y });
          chart.push(1, step, v.loss);
          q('headline').textContent = `step ${step.toLocaleString()}: validation ${v.loss.toFixed(3)} nats per ${text.vocab.kind === 'bpe' ? 'token' : 'character'} · perplexity ${perplexity(v.loss).toFixed(2)} (guessing: ${text.vocab.size})`;
          const r = await m.generate(startIds(), 200, { temperature: state.temperature || 0.8, topK: state.topk, topP: state.topp, seed: state.seed + step });
          const li = document.createElement('li');
          li.innerHTML = '<span class="note"></span><pre></pre>';
          li.firstChild.textContent = `step ${step.toLocaleString()}, validation ${v.loss.toFixed(2)}`;
          li.lastChild.textContent = text.vocab.decode(r.tokens);
          q('sample-list').prepend(li);
          while (q('sample-list').children.length > 4) q('sample-list').lastChild.remove();
        } catch (e) {
          ctx.status(`Could not sample: ${e.message}`, true);
        } finally {
          sampling = null;
        }
      })();
    }

    async function generate() {
      const m = await settledModel();
      if (!m) return say('Press Start or Step first: there is no model yet.', true);
      try {
        const r = await m.generate(promptIds(), state.length, { temperature: state.temperature, topK: state.topk, topP: state.topp, seed: state.seed });
        tree.reset();
        say(show(state.prompt + text.vocab.decode(r.tokens)));
      } catch (e) {
        say(e.message, true);
      }
    }

    async function beam() {
      const m = await settledModel();
      if (!m) return say('Press Start or Step first: there is no model yet.', true);
      try {
        const ids = promptIds(), win = state.preset === 'gpt' ? state.steps : Infinity, length = Math.min(40, state.length, win - ids.length);
        if (length < 1) throw new Error(`the prompt fills the GPT's window of ${state.steps} characters: shorten it`);
        const r = await m.beam(ids, length, state.beam);
        tree.update({ tree: r.tree, symbols: text.vocab.symbols });
        say(`${show(state.prompt + text.vocab.decode(r.tokens))}\n— beam width ${state.beam}: the likeliest of the kept continuations, log-probability ${r.logp.toFixed(2)} (${length} characters; beam search stays in the window and is shown for up to 40)`);
      } catch (e) {
        say(e.message, true);
      }
    }

    // one character drawn from the bars (the page's seeded generator) and added to the prompt
    async function nextToken() {
      if (!logits) await drawBars();
      if (!logits) return say('Press Start or Step first: there is no model yet.', true);
      const p = nextDistribution(logits, { temperature: state.temperature, topK: state.topk, topP: state.topp });
      chosen = draw(p, rand());
      state.prompt = (state.prompt + text.vocab.symbols[chosen]).slice(-200);
      q('prompt').value = state.prompt;
      ctx.writeHash();
      showBars();
      await new Promise((r) => setTimeout(r, 250)); // (the chosen bar shows before the next distribution)
      chosen = -1;
      await drawBars();
      drawInside().catch(() => {});
    }

    q('generate').addEventListener('click', generate);
    q('beam-search').addEventListener('click', beam);
    q('next-token').addEventListener('click', nextToken);
    q('inside-layer').addEventListener('change', () => drawInside());
    q('use-text').addEventListener('click', () => {
      text.custom = q('custom-text').value;
      ctx.reloadData();
    });
    q('custom-text').addEventListener('dragover', (ev) => ev.preventDefault());
    q('custom-text').addEventListener('drop', async (ev) => {
      ev.preventDefault();
      const f = ev.dataTransfer.files[0];
      if (f) q('custom-text').value = (await f.text()).slice(0, 5e6);
    });
    outputs();

    ctx.viewChanged = (name) => {
      outputs();
      if (name === 'temperature' || name === 'topk' || name === 'topp') return showBars(); // no engine call: the scores stay
      if (name === 'prompt') return Promise.all([drawBars(), drawInside()]);
      if (name === 'seed') rand = mulberry32(state.seed);
      return null;
    };

    return {
      async draw() {
        q('topk').max = String(text.vocab?.size ?? 65);
        await drawBars();
        await drawInside().catch((e) => (q('inside-note').textContent = e.message));
      },
      steps(key, records) {
        for (const r of records) chart.push(0, r.iteration + ctx.base, r.steps[0].value);
        const step = ctx.steps;
        if (step - lastSampled >= state.every) {
          lastSampled = step - (step % state.every);
          sampleNow(step);
        }
      },
      reset() {
        chart.reset();
        bars.reset();
        tree.reset();
        lastSampled = 0;
        logits = null;
        q('sample-list').replaceChildren();
        q('headline').textContent = 'Not trained yet.';
        say('');
      },
    };
  }

  const ctx = createStudio(root, page, options);
  return ctx;
}
