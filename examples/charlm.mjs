// charlm.mjs: a character-level language model on tinyshakespeare (or any text), trained in
// WebAssembly from Node, then sampled. The model reads `steps` characters and predicts each next
// one; training shows a progress bar and a sample every --every updates, reports the validation
// loss in nats per character (and perplexity, e^loss), and saves the model with its vocabulary.
//   node examples/charlm.mjs --model rnn|lstm|gru|gpt [--minutes 15] [--layers N] [--units N] ...
//   node examples/charlm.mjs --load FILE --prompt "ROMEO:" [--temperature 0.8] [--top-k 0] [--top-p 1] [--beam 0] [--length 400]
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { load } from '../wasm/dlplay.mjs';
import { mulberry32 } from '../wasm/random.mjs';
import { ROOT, clock, parseFlags, loadModel } from './mnist-common.mjs';
import { charVocab, bpeVocab, vocabFrom, windows, splitIds, LM_NETS, lmSpec, lmProgram, sample, beamSearch, perplexity } from '../web/js/text.mjs';

const FLAGS = {
  model: 'lstm', layers: 0, units: 0, embed: 0, heads: 0, steps: 0, dropout: 0, stateful: false, bpe: 0,
  minutes: 15, epochs: 0, batch: 16, lr: 0, seed: 1, every: 500, text: `${ROOT}web/text/tinyshakespeare.txt`, chars: 0,
  save: '', load: '', prompt: '\n', length: 400, temperature: 0.8, 'top-k': 0, 'top-p': 1, beam: 0,
};
const HELP = `node examples/charlm.mjs [flags]: train a character-level language model, or sample from one.
  --model M        rnn, lstm (2 x 256), gru or gpt (4 layers, 4 heads, 128 wide, 64 steps): the presets of the text page
  --layers N, --units N, --embed N, --heads N, --steps N, --dropout X   change the preset's sizes
  --stateful       recurrent models: carry each row's state from batch to batch (the text read as
                   --batch streams side by side, in order) instead of starting every window at zero
  --bpe N          a byte-pair vocabulary of N merges learned on the text instead of characters (0)
  --minutes M      train for M minutes (15), the learning rate following a cosine to 0 over them; or
  --epochs N       passes over the text instead (0: use --minutes)
  --batch N, --lr X, --seed N   training (16; the preset's rate: 0.004 recurrent, 0.002 GPT; 1)
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
  const lr = flags.lr || net.lr;
  console.log(`${flags.model}: ${model.paramCount.toLocaleString('en')} parameters, vocabulary ${vocab.size} (${vocab.kind}), windows of ${o.steps}, ` +
    `${train.length.toLocaleString('en')} training and ${valid.length.toLocaleString('en')} validation tokens; chance is ${Math.log(vocab.size).toFixed(2)} nats`);

  // Time the first updates, then fit a cosine schedule to the minutes (or the epochs) given.
  const perEpoch = Math.floor(train.length / o.steps / flags.batch), t0 = performance.now();
  let total = flags.epochs > 0 ? flags.epochs * perEpoch : 0, done = 0, epoch = 0, seen = 0, last = 0;
  const rand = mulberry32(flags.seed), deadline = flags.epochs > 0 ? Infinity : t0 + flags.minutes * 60000;
  const validLoss = (n) => model.evaluateLoss('lm', { x: val.x.subarray(0, Math.min(val.n, n) * o.steps), y: val.y.subarray(0, Math.min(val.n, n) * o.steps) }).loss;
  if (!total) { // the schedule's length from the speed of the first updates (a constant rate meanwhile)
    model.setProgram(lmProgram({ lr }));
    const first = windows(train, o.steps);
    // (the first call's warm-up is not the rate: time 40 updates after 10)
    await model.train({ x: first.x, y: first.y }, { batchSize: flags.batch, iterations: 10, seed: flags.seed });
    const t1 = performance.now();
    await model.train({ x: first.x, y: first.y }, { batchSize: flags.batch, iterations: 40, seed: flags.seed + 1 });
    (done = 50), (seen = 50 * flags.batch * o.steps);
    total = Math.max(51, done + Math.floor((40 * (deadline - performance.now())) / (performance.now() - t1)));
  }
  model.setProgram(lmProgram({ lr, total }));
  while (done < total) {
    const cut = windows(train, o.steps, Math.floor(rand() * o.steps)); // a new cut each epoch
    const left = Math.min(total - done, perEpoch);
    let stop = false;
    const halt = new AbortController();
    await model.train({ x: cut.x, y: cut.y }, {
      batchSize: flags.batch, iterations: left, seed: flags.seed + epoch, streams: flags.stateful,
      onStep(r) {
        done++, (seen += flags.batch * o.steps);
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
    epoch++;
    if (stop) break;
  }
  if (process.stdout.isTTY) process.stdout.write('\r' + ' '.repeat(100) + '\r');
  const secs = (performance.now() - t0) / 1000, loss = validLoss(Infinity);
  console.log(`trained ${done} updates (${(seen / train.length).toFixed(2)} epochs) in ${clock(secs)}, ${Math.round(seen / secs).toLocaleString('en')} tokens/s`);
  console.log(`validation loss ${loss.toFixed(3)} nats per ${vocab.kind === 'chars' ? 'character' : 'token'}, perplexity ${perplexity(loss).toFixed(2)}`);
  const { text: s, note } = decodeWith(vocab, flags, model);
  console.log(`sample (${note}):\n${flags.prompt}${s}`);
  const file = flags.save || `${ROOT}build/models/charlm-${flags.model}.dlpm`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, model.save());
  console.log(`saved ${file}`);
}

await main();
