// seq2seq.mjs: the text page's second tab: an encoder-decoder with attention learns a toy task
// made in code (reverse a string, add two numbers). Training uses teacher forcing (the decoder
// reads the true previous tokens), or not (its own greedy choices), or a mix; the views compare
// scoring with a teacher and decoding on its own, greedily
// and by beam search: the loss, exact match and teacher-forced accuracy as it trains, decoded
// test examples side by side, and any source the learner types.
import { createStudio } from './studio.mjs';
import { SEQ2SEQ_PARAMS } from '../state.mjs';
import { TASKS, makeData, seq2seqSpec, seq2seqProgram, score, decode, spell } from '../seq2seq.mjs';
import { createLineChart } from '../components/line-chart.mjs';

const net = (task) => seq2seqSpec(task).networks;
const PRESETS = {
  reverse: { title: 'Reverse a string', about: 'The target is the source backwards ("abcd" -> "dcba"): each output step must find its letter at the mirrored place, which attention makes easy.', nets: () => net('reverse'), settings: { task: 'reverse' } },
  add: { title: 'Add two numbers', about: 'The source is a sum written in digits ("12+345"), the target its result ("357"): the carries make it much harder than reversing.', nets: () => net('add'), settings: { task: 'add' } },
};
const TEST = 100; // test examples scored while training (beam search on the first 30)

const CONFIG = `
  <nav class="tabs" aria-label="Text models"><a href="text.html">Language model</a><a href="seq2seq.html" aria-current="page">Sequence to sequence</a></nav>
  <div class="card" data-control="data">
    <h2>Task</h2>
    <label class="row">Task<select data-part="task"><option value="reverse">reverse a string</option><option value="add">add two numbers</option></select></label>
    <label class="row">Training examples<input data-part="examples" type="number" min="100" max="100000" step="100"></label>
    <p data-part="data-status" class="note" aria-live="polite"></p>
  </div>
  <div class="card" data-control="training">
    <h2>Training</h2>
    <div class="grid2">
      <label>Learning rate<input data-part="lr" type="number" min="0.000001" max="0.1" step="any"></label>
      <label>Teacher forcing (share)<input data-part="teacher" type="number" min="0" max="1" step="0.1"></label>
      <label>Batch<input data-part="batch" type="number" min="1" max="1024" step="1"></label>
      <label>Seed<input data-part="seed" type="number" min="0" step="1"></label>
      <label>Beam width<input data-part="beam" type="number" min="1" max="16" step="1"></label>
    </div>
    <p class="note">Teacher forcing (1): while training, the decoder reads the true previous token at every step (the loss is cross-entropy over the target, padding masked). Decoding has no teacher: each step reads the model's own previous output, so one mistake can lead to more. Set teacher forcing to 0 to train as it decodes, on its own greedy choices (a pass of the model per position: slower steps), or in between to mix the two at random (scheduled sampling). The curves compare scoring with and without a teacher.</p>
  </div>`;

const VIEWS = `
  <div class="card" data-control="curves">
    <h2>With and without a teacher</h2>
    <p data-part="headline" class="headline" aria-live="polite">Not trained yet.</p>
    <div data-part="score-chart"></div>
    <div data-part="loss-chart"></div>
  </div>
  <div class="card" data-control="samples">
    <h2>Test examples</h2>
    <p class="note">Sources the model never saw, decoded greedily and by beam search. ✓ marks an exact match.</p>
    <table class="s2s"><thead><tr><th>source</th><th>greedy</th><th>beam</th><th>target</th></tr></thead><tbody data-part="examples-table"></tbody></table>
  </div>
  <div class="card" data-control="next">
    <h2>Try your own</h2>
    <label class="stack">Source<input data-part="source" type="text" maxlength="12" spellcheck="false"></label>
    <button data-part="translate" type="button" class="secondary">Decode</button>
    <pre data-part="output" class="generated" aria-live="polite"></pre>
  </div>`;

/** The seq2seq tab in root. */
export function createSeq2seqPage(root, options) {
  const data = { train: null, test: null, few: null }; // few: the first test examples, also searched by beam
  const page = {
    title: 'Sequence to sequence', file: 'seq2seq', params: SEQ2SEQ_PARAMS, presets: PRESETS,
    dataParams: ['task', 'examples'], programParams: ['lr', 'teacher', 'batch'], viewParams: ['beam', 'source'],
    networks: [
      { name: 'enc', label: 'Encoder', input: '← the source\'s token ids', output: '→ a vector per source step (keys and values of the attention)' },
      { name: 'dec', label: 'Decoder', input: '← the target shifted right (start token first)', output: '→ a vector per target step (the attention\'s queries)' },
      { name: 'out', label: 'Output', input: '← [decoder step, its attention context]', output: '→ a score per token at each target step' },
    ],
    steps: [{ part: 'step', label: 'Step', key: '.', title: 'one training step (key: .)', run: () => ({ iterations: 1 }) }],
    configHtml: CONFIG, viewsHtml: VIEWS,
    images: () => false,
    drawMs: () => 3000,
    async loadData(ctx, status) {
      const s = ctx.state;
      data.train = makeData(s.task, s.examples, s.seed);
      data.test = makeData(s.task, TEST, s.seed + 1000);
      data.few = makeData(s.task, 30, s.seed + 1000);
      const { src, src_mask, tgt_in, y, w } = data.train, name = `s2s-${Math.random().toString(36).slice(2, 8)}`;
      await ctx.remote.setDataset(name, { src, src_mask, tgt_in, y, w }, { n: s.examples, shape: [TASKS[s.task].source] });
      status.textContent = `${s.examples.toLocaleString()} training examples such as ${data.train.pairs[0][0]} → ${data.train.pairs[0][1]}; ${TEST} more for testing.`;
      return name;
    },
    models(ctx) {
      const s = ctx.state, spec = seq2seqSpec(s.task, { seed: s.seed });
      for (const n of ['enc', 'dec', 'out']) if (s[n]) spec.networks[n] = s[n];
      return [{ key: 's2s', spec, program: seq2seqProgram({ lr: s.lr, teacher: s.teacher }) }];
    },
    summary: (r) => `${r.params.toLocaleString()} parameters`,
    iterationsPerEpoch: (ctx) => Math.max(1, ctx.state.examples / ctx.state.batch),
    progress: (ctx, rec) => `loss ${rec.steps[0].value.toFixed(3)}`,
    fits: (ctx, s) => (s.spec.outputs?.context?.attend && s.spec.networks?.enc ? (s.spec.inputs.src.tokens === TASKS[ctx.state.task].symbols.length ? '' : 'it was trained on the other task') : 'this file is not an encoder-decoder of this page'),
    adopt: (ctx, s) => ({ enc: s.spec.networks.enc, dec: s.spec.networks.dec, out: s.spec.networks.out, teacher: 1 - (s.program?.feedback?.rate ?? 0) }),
    viewChanged: (ctx, name) => (name === 'beam' ? ctx.redraw() : null),
    views: (ctx) => views(ctx),
  };

  function views(ctx) {
    const { q, state } = ctx;
    const scores = createLineChart(q('score-chart'), { title: 'Share right on test examples', xLabel: 'step', yMin: 0, yMax: 1,
      series: [{ name: 'tokens, teacher forcing' }, { name: 'exact, greedy', dashed: true }, { name: 'exact, beam', dashed: true }] });
    const loss = createLineChart(q('loss-chart'), { title: 'Training loss', xLabel: 'step', log: true, series: [{ name: 'training' }] });
    const model = () => ctx.models.get('s2s');
    const cell = (text, ok) => Object.assign(document.createElement('td'), { textContent: text + (ok ? ' ✓' : '') });
    let drawnAt = -1;

    async function draw() {
      const m = model();
      if (!m || !data.test || drawnAt === ctx.steps) return;
      drawnAt = ctx.steps;
      const g = await score(m, state.task, data.test);
      const few = data.few, b = await score(m, state.task, few, { width: state.beam });
      scores.push(0, ctx.steps, g.forced);
      scores.push(1, ctx.steps, g.exact);
      scores.push(2, ctx.steps, b.exact);
      q('headline').textContent = `step ${ctx.steps}: ${(100 * g.forced).toFixed(1)}% of target tokens right with teacher forcing; exact match decoding alone ${(100 * g.exact).toFixed(1)}% greedy, ${(100 * b.exact).toFixed(1)}% with a beam of ${state.beam} (on the first 30).`;
      q('examples-table').replaceChildren(...few.pairs.slice(0, 8).map(([src, want], i) => {
        const tr = document.createElement('tr'), gr = spell(state.task, g.decoded[i].tokens), br = spell(state.task, b.decoded[i].tokens);
        tr.append(cell(src), cell(gr, gr === want), cell(br, br === want), cell(want));
        return tr;
      }));
      root.dataset.scored = String(ctx.steps);
    }

    async function translate() {
      const m = model(), t = TASKS[state.task], src = state.source;
      const out = q('output');
      try {
        if (!m) throw new Error('Press Start or Step first: there is no model yet.');
        const bad = [...src].filter((c) => t.symbols.indexOf(c) < 3);
        if (!src || bad.length || src.length > t.source) throw new Error(`a source is 1 to ${t.source} of ${t.symbols.slice(3).join('')}${bad.length ? `; not ${[...new Set(bad)].join(' ')}` : ''}`);
        const one = makeData(state.task, 1, 0);
        one.src.fill(0), one.src_mask.fill(0);
        [...src].forEach((c, k) => ((one.src[k] = t.symbols.indexOf(c)), (one.src_mask[k] = 1)));
        const [g] = await decode(m, state.task, one), [b] = await decode(m, state.task, one, { width: state.beam });
        out.textContent = `greedy: ${spell(state.task, g.tokens)} (log-probability ${g.logp.toFixed(2)})\nbeam ${state.beam}: ${spell(state.task, b.tokens)} (log-probability ${b.logp.toFixed(2)})`;
        out.classList.remove('error');
      } catch (e) {
        out.textContent = e.message;
        out.classList.add('error');
      }
      root.dataset.generated = String(Number(root.dataset.generated ?? 0) + 1);
    }
    q('translate').addEventListener('click', translate);
    ctx.redraw = () => ((drawnAt = -1), draw());

    return {
      draw,
      steps(key, records) {
        for (const r of records) loss.push(0, r.iteration + ctx.base, r.steps[0].value);
      },
      reset() {
        scores.reset();
        loss.reset();
        drawnAt = -1;
        q('examples-table').replaceChildren();
        q('headline').textContent = 'Not trained yet.';
      },
    };
  }

  return createStudio(root, page, options);
}
