// mnist-common.mjs: the command line shared by mnist-mlp.mjs and mnist-cnn.mjs: flags, a
// progress bar, the final report (accuracy, confusion matrix, per-class F1) and saving; reading
// the image data and a saved model, which the generative examples use too.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../wasm/dlplay.mjs';
import { readDataset, take } from '../wasm/datasets.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Parse argv by a table {name: default}: a boolean default makes a switch (--name), any other a
 * flag with a value of the default's type. Unknown flags and bad numbers are errors.
 */
export function parseFlags(argv, table) {
  const flags = { ...table, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') { flags.help = true; continue; }
    const key = a.startsWith('--') ? a.slice(2) : null;
    if (!key || !(key in table)) throw new Error(`unknown flag ${a} (see --help)`);
    if (typeof table[key] === 'boolean') { flags[key] = true; continue; }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${a} needs a value`);
    flags[key] = typeof table[key] === 'number' ? Number(value) : value;
    if (typeof table[key] === 'number' && !Number.isFinite(flags[key])) throw new Error(`${a} must be a number, got ${value}`);
  }
  return flags;
}

export const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

function progress(epochs) {
  const tty = process.stdout.isTTY;
  let lastDraw = 0;
  return {
    onBatch(b) {
      if (!tty) return;
      const now = performance.now();
      if (now - lastDraw < 100 && b.batch + 1 < b.batches) return;
      lastDraw = now;
      const done = (b.epoch * b.batches + b.batch + 1) / (epochs * b.batches), width = 24;
      const left = ((1 - done) * epochs * b.batches * 64) / b.samplesPerSec;
      const bar = '#'.repeat(Math.round(done * width)).padEnd(width, '.');
      const acc = b.accuracy == null ? '' : ` acc ${(100 * b.accuracy).toFixed(1)}%`;
      process.stdout.write(`\r[${bar}] epoch ${b.epoch + 1}/${epochs} loss ${b.loss.toFixed(4)}${acc} ${b.samplesPerSec.toFixed(0)} samples/s, ${clock(left)} left `);
    },
    onEpoch(e) {
      if (tty) process.stdout.write('\r' + ' '.repeat(100) + '\r');
      const val = e.valAccuracy == null ? '' : `, test accuracy ${(100 * e.valAccuracy).toFixed(2)}%`;
      console.log(`epoch ${e.epoch + 1}/${epochs}: loss ${e.loss.toFixed(4)}, accuracy ${(100 * e.accuracy).toFixed(2)}%${val}, lr ${e.lr.toPrecision(3)}, ${e.seconds.toFixed(1)} s`);
    },
  };
}

function report(result, names) {
  console.log(`\ntest accuracy ${(100 * result.accuracy).toFixed(2)}% on ${result.n} images, loss ${result.loss.toFixed(4)}`);
  console.log('\nconfusion matrix (rows: true class, columns: predicted)');
  const w = Math.max(5, ...result.confusion.flat().map((v) => String(v).length + 1));
  console.log('      ' + names.map((_, k) => String(k).padStart(w)).join(''));
  result.confusion.forEach((row, k) => console.log(String(k).padStart(4) + '  ' + row.map((v) => String(v).padStart(w)).join('')));
  console.log('\nclass          precision  recall     F1  support');
  result.perClass.forEach((c, k) =>
    console.log(`${(names[k] === String(k) ? names[k] : `${k} ${names[k]}`).slice(0, 14).padEnd(14)} ${c.precision.toFixed(4).padStart(9)} ${c.recall.toFixed(4).padStart(7)} ${c.f1.toFixed(4).padStart(6)} ${String(c.support).padStart(8)}`),
  );
  for (const kind of ['macro', 'weighted'])
    console.log(`${`${kind} avg`.padEnd(14)} ${result[kind].precision.toFixed(4).padStart(9)} ${result[kind].recall.toFixed(4).padStart(7)} ${result[kind].f1.toFixed(4).padStart(6)} ${String(result.n).padStart(8)}`);
}

/** MNIST (or with flags.fashion Fashion-MNIST): {set, test, train} (train only if asked); exits with a hint if the files are missing. */
export async function readData(flags, { needTrain = true } = {}) {
  const set = flags.fashion ? 'fashion' : 'mnist';
  try {
    const test = await readDataset(`${ROOT}web/data/${set}-test.dlds.gz`);
    return { set, test, train: needTrain ? await readDataset(`${ROOT}web/data/${set}-train.dlds.gz`) : null };
  } catch (e) {
    console.error(`cannot read the ${set} data (${e.message}); run \`make\` first${set === 'fashion' ? ' with dataset-fashion-mnist installed' : ''}`);
    process.exit(1);
  }
}

/** A saved model, or an exit with the reason. */
export async function loadModel(dl, file) {
  try {
    return dl.loadModel(await readFile(file));
  } catch (e) {
    console.error(`cannot load ${file}: ${e.message}`);
    process.exit(1);
  }
}

/**
 * Run an example: parse flags, train (or load) a model, report and save.
 * @param {{name, spec, defaults, help, fitOptions: (flags) => object}} ex
 */
export async function runExample(ex) {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), { ...ex.defaults, samples: 0, fashion: false, load: '', save: `${ROOT}build/models/${ex.name}.dlpm` });
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (flags.help) {
    console.log(`${ex.help}

usage: node examples/${ex.name}.mjs [flags]
  --epochs N       passes over the training set (default ${ex.defaults.epochs})
  --batch N        batch size (default ${ex.defaults.batch})
  --lr X           peak learning rate (default ${ex.defaults.lr}); cosine-annealed to 0
  --optimizer NAME sgd momentum nesterov rmsprop adagrad adam adamw (default ${ex.defaults.optimizer})
  --seed N         seed for initialization, shuffling and augmentation (default ${ex.defaults.seed})
  --samples N      train on the first N training images only (quick runs)
  --fashion        Fashion-MNIST instead of MNIST (Debian package dataset-fashion-mnist)
  --save FILE      where to write the trained model (default build/models/${ex.name}.dlpm)
  --load FILE      evaluate a saved model instead of training
  --help           this text`);
    return;
  }
  let { set, train, test } = await readData(flags, { needTrain: !flags.load });
  const dl = await load();
  let model;
  if (flags.load) {
    model = await loadModel(dl, flags.load);
    console.log(`loaded ${flags.load}`);
  } else {
    model = dl.model({ ...ex.spec, seed: flags.seed });
    console.log(`${ex.name} on ${set} (${dl.simd ? 'SIMD128' : 'plain wasm'})\n${model.summary()}\n`);
    if (flags.samples) train = take(train, flags.samples);
    const t0 = performance.now();
    const bar = progress(flags.epochs);
    try {
      await model.fit(
        { x: train.x, y: train.y },
        { epochs: flags.epochs, batchSize: flags.batch, optimizer: flags.optimizer, lr: flags.lr, seed: flags.seed,
          schedule: { type: 'cosine', period: flags.epochs * Math.ceil(train.n / flags.batch), restart: 0 },
          validationData: { x: test.x, y: test.y }, ...ex.fitOptions(flags), ...bar },
      );
    } catch (e) {
      console.error(`\ntraining stopped: ${e.message}`);
      process.exit(1);
    }
    console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  report(model.evaluate({ x: test.x, y: test.y }), test.labels);
  if (!flags.load) {
    await mkdir(dirname(flags.save), { recursive: true });
    await writeFile(flags.save, model.save());
    console.log(`\nmodel saved to ${flags.save} (evaluate it again with --load ${flags.save})`);
  }
  model.dispose();
}
