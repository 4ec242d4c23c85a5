// presets.test.mjs: the presets a teacher writes (web/presets/*.json). Each shipped preset passes
// both checks: dlplay's own (preset.mjs, which the elements and pages use) and an independent
// JSON Schema validator (ajv) against web/presets/preset.schema.json, which must be the schema
// the tables give today. Broken presets are refused by both, and dlplay's message names the
// place and the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020.js';
import { load } from '../../web/dlplay/dlplay.mjs';
import { readPreset, PresetError, KINDS } from '../../web/js/embed/preset.mjs';
import { presetSchema } from '../../web/js/embed/schema.mjs';
import { WIDGETS } from '../../web/js/widgets/index.mjs';

const DIR = new URL('../../web/presets/', import.meta.url);
const engine = await load();
const schema = JSON.parse(await readFile(new URL('preset.schema.json', DIR), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const files = (await readdir(DIR)).filter((f) => f.endsWith('.json') && f !== 'preset.schema.json');

test('the committed schema is the one the tables give (node web/js/embed/schema.mjs > web/presets/preset.schema.json)', async () => {
  assert.deepEqual(schema, JSON.parse(JSON.stringify(await presetSchema(engine.catalog))));
  assert.deepEqual(KINDS, ['playground', ...Object.keys(WIDGETS)]);
});

test('every shipped preset passes dlplay\'s check and the JSON Schema, and names a seed or takes the default', async () => {
  assert.ok(files.length >= 4, files.join(', '));
  for (const f of files) {
    const text = await readFile(new URL(f, DIR), 'utf8');
    assert.ok(validate(JSON.parse(text)), `${f}: ${JSON.stringify(validate.errors)}`);
    const p = await readPreset(text, f);
    assert.ok(KINDS.includes(p.kind), f);
    if (JSON.parse(text).seed !== undefined) assert.equal(p.settings.seed, JSON.parse(text).seed, f);
  }
});

// [preset, the problem dlplay's message must name]
const BAD = [
  ['{"kind": "activation", "settings": {', /not JSON/],
  [[], /expected a JSON object/],
  [{ settings: {} }, /kind: missing; expected one of playground, perceptron, /],
  [{ kind: 'spaceship' }, /kind: "spaceship"; expected one of/],
  [{ kind: 'playground', settings: { lr: 50 } }, /settings\.lr: outside \[0\.000001, 10\]/],
  [{ kind: 'playground', settings: { lr: '0.1' } }, /settings\.lr: expected a number, not string "0\.1"/],
  [{ kind: 'playground', settings: { dataset: 'cifar' } }, /settings\.dataset: expected one of mnist, fashion/],
  [{ kind: 'playground', settings: { learningRate: 0.1 } }, /settings\.learningRate: no such setting/],
  [{ kind: 'playground', hide: ['optimizer', 'wings'] }, /hide: 'wings' is not one of data, network/],
  [{ kind: 'playground', seed: -3 }, /seed: outside \[0, 2147483647\]/],
  [{ kind: 'playground', seed: 1.5 }, /seed: not a whole number/],
  [{ kind: 'activation', settings: { activation: 'relu6' } }, /settings\.activation: expected one of relu, leakyRelu/],
  [{ kind: 'activation', settings: { derivative: 'yes' } }, /settings\.derivative: expected true or false, not string "yes"/],
  [{ kind: 'optimizer-race', settings: { optimizers: ['adam', 'lion'] } }, /settings\.optimizers: 'lion' is not one of sgd, momentum/],
  [{ kind: 'activation', colour: 'red' }, /colour: no such field/],
  [{ kind: 'activation', title: 7 }, /title: expected text/],
];

for (const [preset, why] of BAD)
  test(`a broken preset is refused by both checks: ${JSON.stringify(preset).slice(0, 70)}`, async () => {
    await assert.rejects(readPreset(typeof preset === 'string' ? preset : JSON.stringify(preset)), (e) => {
      assert.ok(e instanceof PresetError, e.message);
      assert.match(e.message, why);
      return true;
    });
    if (typeof preset !== 'string') assert.equal(validate(preset), false, 'the JSON Schema lets it through');
  });

test('all problems of a preset are listed at once, each with its place', async () => {
  const e = await readPreset({ kind: 'playground', seed: 'x', settings: { lr: 0, batch: 5000, epochs: 2 } }).catch((x) => x);
  assert.deepEqual(e.problems.map((p) => p.split(':')[0]), ['settings.lr', 'settings.batch', 'seed']);
});
