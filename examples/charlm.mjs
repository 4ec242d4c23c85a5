// charlm.mjs: a character-level language model on tinyshakespeare (or any text), trained in
// WebAssembly from Node, then sampled. The model reads `steps` characters and predicts each next
// one; training shows a progress bar and a sample every --every updates, reports the validation
// loss in nats per character (and perplexity, e^loss), and saves the model with its vocabulary.
//   node examples/charlm.mjs --model rnn|lstm|gru|gpt [--minutes 15] [--layers N] [--units N] ...
//   node examples/charlm.mjs --load FILE --prompt "ROMEO:" [--temperature 0.8] [--top-k 0] [--top-p 1] [--beam 0] [--length 400]
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { load } from '../wasm/dlplay.mjs';
import { mulberry32, shuffle } from '../wasm/random.mjs';
import { ROOT, clock, parseFlags, loadModel } from './mnist-common.mjs';
import { charVocab, bpeVocab, vocabFrom, windows, splitIds, LM_NETS, lmSpec, lmProgram, sample, beamSearch, perplexity } from '../web/js/text.mjs';

const FLAGS = {
  model: 'lstm', layers: 0, units: 0, embed: 0, heads: 0, steps: 0, dropout: 0, stateful: false, bpe: 0,
  minutes: 15, epochs: 0, batch: 16, lr: 0, decay: -1, warmup: -1, seed: 1, every: 500, text: `${ROOT}web/text/tinyshakespeare.txt`, chars: 0,
  save: '', load: '', prompt: '\n', length: 400, temperature: 0.8, 'top-k': 0, 'top-p': 1, beam: 0,
};
const HELP = `node examples/charlm.mjs [flags]: train a character-level language model, or sample from one.
  --model M        rnn, lstm (2 x 256), gru or gpt (4 layers, 4 heads, 128 wide, MLP 256, 64 steps): the text page's presets
  --layers N, --units N, --embed N, --heads N, --steps N, --dropout X   change the preset's sizes
  --stateful       recurrent models: carry each row's state from batch to batch (the text read as
                   --batch streams side by side, in order) instead of starting every window at zero
  --bpe N          a byte-pair vocabulary of N merges learned on the text instead of characters (0)
  --minutes M      train for M minutes (15), the learning rate following a cosine to lr / 10 over them; or
  --epochs N       passes over the text instead (0: use --minutes)
  --batch N, --lr X, --seed N   training (16; the preset's rate: 0.004 recurrent, 0.002 GPT; 1)
  --decay X        AdamW's weight decay (the preset's: 0 recurrent, that is Adam; 0.1 GPT)
  --warmup N       updates over which the rate rises linearly from 0 (the preset's: 0 recurrent; 100 GPT)
  --every N        print a sample every N updates (500; 0: never)
  --text FILE      the corpus (web/text/tinyshakespeare.txt); --chars N uses its first N characters
  --save FILE      where the trained model goes (build/models/charlm-MODEL.dlpm)
  --load FILE      sample from a saved model instead of training, with:
  --prompt TEXT    what the sample continues ("\\n"); --length N characters (400); --seed N
  --temperature T  softmax temperature (0.8; 0 is greedy); --top-k K (0: all); --top-p P (1: all)
  --beam W         beam search of width W instead of sampling (0: sample)`;

const fail = (msg) => {
  console.error(msg);
  process.exit(1);
};

/** The windows `rows` of a cut, in that order. */
function gather(cut, rows, steps) {
  const x = new cut.x.constructor(rows.length * steps), y = new cut.y.constructor(rows.length * steps);
  rows.forEach((r, i) => (x.set(cut.x.subarray(r * steps, (r + 1) * steps), i * steps), y.set(cut.y.subarray(r * steps, (r + 1) * steps), i * steps)));
  return { x, y };
}

function decodeWith(vocab, flags, model) {
  const prompt = [...vocab.encode(flags.prompt || '\n')];
  if (flags.beam > 0) {
    const { tokens, logp } = beamSearch(model, prompt, flags.length, flags.beam);
    return { text: vocab.decode(tokens), note: `beam ${flags.beam}, log-probability ${logp.toFixed(1)}` };
  }
  const tokens = sample(model, prompt, flags.length, { temperature: flags.temperature, topK: flags['top-k'], topP: flags['top-p'], seed: flags.seed });
  return { text: vocab.decode(tokens), note: `temperature ${flags.temperature}, top-k ${flags['top-k']}, top-p ${flags['top-p']}, seed ${flags.seed}` };
}

async function sampleSaved(dl, flags) {
  const model = await loadModel(dl, flags.load);
  const meta = model.spec.meta?.vocab;
  if (!meta) fail(`${flags.load} is not a language model saved by this example (it has no vocabulary)`);
  const vocab = vocabFrom(meta);
  const missing = vocab.missing(flags.prompt);
  if (missing.length) fail(`the prompt has characters the model never saw: ${missing.map((c) => JSON.stringify(c)).join(' ')}`);
  const { window } = model.generator(1);
  if (flags.beam > 0 && window && flags.length + flags.prompt.length > window)
    fail(`beam search stays within the model's window: --length at most ${window - flags.prompt.length}`);
  const { text, note } = decodeWith(vocab, flags, model);
  console.log(`${flags.prompt}${text}\n-- ${note}`);
}

async function main() {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
  } catch (e) {
    fail(e.message);
  }
  if (flags.help) return console.log(HELP);
  const dl = await load();
  if (flags.load) return sampleSaved(dl, flags);
  const net = LM_NETS[flags.model];
  if (!net) fail(`--model must be one of ${Object.keys(LM_NETS).join(', ')}, not ${flags.model}`);
  let text = await readFile(flags.text, 'utf8').catch((e) => fail(`cannot read ${flags.text}: ${e.message}`));
  if (flags.chars > 0) text = text.slice(0, flags.chars);
  const vocab = flags.bpe > 0 ? bpeVocab(text, { merges: flags.bpe }) : charVocab(text), ids = vocab.encode(text);
  if (flags.stateful && net.cell === 'gpt') fail('--stateful is for recurrent models: a GPT has no state to carry');
  const o = { ...net, vocab: vocab.size, seed: flags.seed, dropout: flags.dropout, stateful: flags.stateful };
  for (const k of ['layers', 'units', 'embed', 'heads', 'steps']) if (flags[k] > 0) o[k] = flags[k];
  const { train, valid } = splitIds(ids);
  const val = windows(valid, o.steps);
  if (val.n < 1 || train.length < o.steps * flags.batch) fail(`the text is too short for windows of ${o.steps} in batches of ${flags.batch}`);
  const model = dl.model({ ...lmSpec(o), meta: { vocab: { kind: vocab.kind, symbols: vocab.symbols } } });
  const lr = flags.lr || net.lr, decay = flags.decay >= 0 ? flags.decay : net.decay ?? 0, warmup = flags.warmup >= 0 ? flags.warmup : net.warmup ?? 0;
  console.log(`${flags.model}: ${model.paramCount.toLocaleString('en')} parameters, vocabulary ${vocab.size} (${vocab.kind}), windows of ${o.steps}, ` +
    `${train.length.toLocaleString('en')} training and ${valid.length.toLocaleString('en')} validation tokens; chance is ${Math.log(vocab.size).toFixed(2)} nats`);

  // --epochs: a cosine over their updates. --minutes: a cosine fitted to the time left, again every
  // REFIT updates, as this machine's speed drifts (a schedule fitted once, to the first updates'
  // pace, ended 2 minutes early in one run, or is cut off before its end in another).
  const REFIT = 250, timed = !(flags.epochs > 0), t0 = performance.now();
  const perEpoch = Math.floor(train.length / o.steps / flags.batch);
  let total = timed ? 0 : flags.epochs * perEpoch, done = 0, seen = 0, last = 0, t1 = 0, rate = lr;
  const rand = mulberry32(flags.seed), deadline = timed ? t0 + flags.minutes * 60000 : Infinity;
  // the program: only the cosine's length (total; 0: a constant rate) changes between calls
  const setProgram = (total) => {
    try {
      model.setProgram(lmProgram({ lr, total, decay, warmup }));
    } catch (e) {
      fail(`the training settings are refused: ${e.message}`);
    }
  };
  const validLoss = (n) => model.evaluateLoss('lm', { x: val.x.subarray(0, Math.min(val.n, n) * o.steps), y: val.y.subarray(0, Math.min(val.n, n) * o.steps) }).loss;
  if (timed) { // the pace from 40 updates after 10 (the first call's start-up cost is not the pace); no cosine yet
    setProgram(0);
    const first = windows(train, o.steps);
    await model.train({ x: first.x, y: first.y }, { batchSize: flags.batch, iterations: 10, seed: flags.seed });
    t1 = performance.now();
    await model.train({ x: first.x, y: first.y }, { batchSize: flags.batch, iterations: 40, seed: flags.seed + 1 });
    (done = 50), (seen = 50 * flags.batch * o.steps);
  } else setProgram(total);
  // One round of training: `left` updates on windows `rows` of the epoch's cut (all of it, in
  // order, for streams); false once the time or the schedule is over.
  const round = async (cut, rows, left) => {
    let stop = false;
    const halt = new AbortController(), part = rows ? gather(cut, rows, o.steps) : cut;
    await model.train({ x: part.x, y: part.y }, {
      batchSize: flags.batch, iterations: left, shuffle: false, seed: flags.seed, streams: flags.stateful,
      onStep(r) {
        done++, (seen += flags.batch * o.steps), (rate = r.steps[0].lr);
        const now = performance.now();
        if (done >= total || now > deadline) (stop = true), halt.abort();
        if (flags.every > 0 && done % flags.every === 0) {
          const s = vocab.decode(sample(model, [...vocab.encode('\n')], 200, { temperature: 0.8, seed: done }));
          process.stdout.write(`${' '.repeat(80)}\r--- update ${done}, validation ${validLoss(100).toFixed(3)} ---\n${s}\n---\n`);
        }
        if (process.stdout.isTTY && now - last > 200) {
          last = now;
          const width = 24;
          process.stdout.write(`\r[${'#'.repeat(Math.round((done / total) * width)).padEnd(width, '.')}] update ${done}/${total}, loss ${r.steps[0].value.toFixed(3)}, ` +
            `${Math.round(seen / ((now - t0) / 1000)).toLocaleString('en')} tokens/s, ${clock((now - t0) / 1000)} `);
        }
      },
      signal: halt.signal,
    }).catch((e) => fail(`training stopped: ${e.message}`));
    return !stop && done < total;
  };
  for (let going = true; going; ) {
    // Each epoch a new cut (windows start anywhere) in a new order, read REFIT updates at a time.
    const cut = windows(train, o.steps, Math.floor(rand() * o.steps)), order = flags.stateful ? null : shuffle(Uint32Array.from({ length: cut.n }, (_, i) => i), rand);
    const updates = Math.floor(cut.n / flags.batch);
    for (let at = 0; going && at < updates; ) {
      if (timed) { // (the optimizer keeps its moments and its count of updates: only the cosine's length changes)
        const now = performance.now();
        if (now >= deadline) {
          going = false;
          break;
        }
        total = Math.max(done + 1, done + Math.floor(((deadline - now) * (done - 10)) / (now - t1)));
        setProgram(total);
      }
      const left = Math.min(total - done, updates - at, order ? REFIT : updates); // (streams read a whole pass in order)
      going = await round(cut, order?.subarray(at * flags.batch, (at + left) * flags.batch), left);
      at += left;
    }
  }
  if (process.stdout.isTTY) process.stdout.write('\r' + ' '.repeat(100) + '\r');
  const secs = (performance.now() - t0) / 1000, loss = validLoss(Infinity);
  console.log(`trained ${done} updates (${(seen / train.length).toFixed(2)} epochs) in ${clock(secs)}, ${Math.round(seen / secs).toLocaleString('en')} tokens/s, ` +
    `the learning rate from ${lr} down to ${rate.toPrecision(2)}`);
  console.log(`validation loss ${loss.toFixed(3)} nats per ${vocab.kind === 'chars' ? 'character' : 'token'}, perplexity ${perplexity(loss).toFixed(2)}`);
  const { text: s, note } = decodeWith(vocab, flags, model);
  console.log(`sample (${note}):\n${flags.prompt}${s}`);
  const file = flags.save || `${ROOT}build/models/charlm-${flags.model}.dlpm`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, model.save());
  console.log(`saved ${file}`);
}

await main();
