// seq2seq.mjs: an encoder-decoder with attention learns a toy task generated in code (reverse a
// string, or add two numbers written in digits), trained with teacher forcing (or without), then decoded
// greedily and by beam search on examples it never saw. Prints the exact-match rates and the
// accuracy with teacher forcing, and a few decoded examples.
//   node examples/seq2seq.mjs [--task reverse|add] [--epochs 12] [--train 8000] [--test 500] [--beam 4] ...
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { load } from '../wasm/dlplay.mjs';
import { ROOT, parseFlags } from './mnist-common.mjs';
import { TASKS, makeData, seq2seqSpec, seq2seqProgram, score, spell } from '../web/js/seq2seq.mjs';

const FLAGS = { task: 'reverse', epochs: 12, train: 8000, test: 500, batch: 32, lr: 3e-3, teacher: 1, units: 64, embed: 32, beam: 4, seed: 1, save: '' };
const HELP = `node examples/seq2seq.mjs [flags]: an encoder-decoder with attention on a toy task.
  --task T        reverse (a string of 3 to 10 letters) or add (two numbers of 1 to 4 digits)
  --epochs N, --batch N, --lr X, --seed N   training (12, 32, 0.003, 1)
  --teacher P     teacher forcing: the share of decoder positions given the true previous token
                  while training (1); the rest read the model's own greedy choice (0: never a teacher)
  --train N, --test N   examples generated for training and for testing (8000, 500)
  --units N, --embed N  decoder state (the encoder's two directions have half each) and embedding width (64, 32)
  --beam W        beam width for the second decoding (4)
  --save FILE     where the model goes (build/models/seq2seq-TASK.dlpm)`;

async function main() {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (flags.help) return console.log(HELP);
  if (!(flags.teacher >= 0 && flags.teacher <= 1)) {
    console.error(`--teacher must be a share in [0, 1], not ${flags.teacher}`);
    process.exit(1);
  }
  if (!TASKS[flags.task]) {
    console.error(`--task must be one of ${Object.keys(TASKS).join(', ')}, not ${flags.task}`);
    process.exit(1);
  }
  const dl = await load(), task = flags.task;
  const train = makeData(task, flags.train, flags.seed), test = makeData(task, flags.test, flags.seed + 1000);
  const model = dl.model(seq2seqSpec(task, flags));
  model.setProgram(seq2seqProgram(flags));
  console.log(`${task}: ${model.paramCount.toLocaleString('en')} parameters; ${flags.train} training and ${flags.test} test examples, e.g. ${train.pairs[0][0]} -> ${train.pairs[0][1]}`);
  const t0 = performance.now();
  const { src, src_mask, tgt_in, y, w } = train;
  await model.train({ src, src_mask, tgt_in, y, w }, {
    epochs: flags.epochs, batchSize: flags.batch, seed: flags.seed,
    onEpoch: (e) => console.log(`epoch ${e.epoch + 1}/${flags.epochs}: loss ${model.evaluateLoss('s2s', { src: test.src, src_mask: test.src_mask, tgt_in: test.tgt_in, y: test.y, w: test.w }).loss.toFixed(4)} on the test examples`),
  });
  console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const greedy = await score(model, task, test), beam = await score(model, task, test, { width: flags.beam });
  console.log(`teacher forcing: ${(100 * greedy.forced).toFixed(1)}% of target tokens right given the true ones before them`);
  console.log(`exact match, greedy: ${(100 * greedy.exact).toFixed(1)}%; beam ${flags.beam}: ${(100 * beam.exact).toFixed(1)}%`);
  for (let i = 0; i < 5; i++) console.log(`  ${test.pairs[i][0]} -> ${spell(task, beam.decoded[i].tokens)} (want ${test.pairs[i][1]})`);
  const file = flags.save || `${ROOT}build/models/seq2seq-${task}.dlpm`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, model.save());
  console.log(`saved ${file}`);
}

await main();
