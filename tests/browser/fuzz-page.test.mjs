// fuzz-page.test.mjs: the playground fed random links and damaged model files, as a hostile link
// or upload would. Every link must give a working page (the engine ready, no uncaught exception
// or console error, no injected markup run) and, when the network can be built, a Step that
// trains; every refused upload must leave the model exactly as it was (the page saves the same
// bytes before and after), and an accepted one must give a model that trains.
//   FUZZ_PAGE_CASES=n FUZZ_PAGE_SEED=s node --test tests/browser/fuzz-page.test.mjs
// (make test runs 40 links and 30 files, make fuzz 600 of each)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { start, openPage, stopRun } from './browser.mjs';
import { PARAMS } from '../../web/js/state.mjs';
import { mulberry32 } from '../../wasm/random.mjs';
import { load } from '../../wasm/dlplay.mjs';

const CASES = Number(process.env.FUZZ_PAGE_CASES ?? 0) || null, SEED = Number(process.env.FUZZ_PAGE_SEED ?? 3), FROM = Number(process.env.FUZZ_PAGE_FROM ?? 0);
const r = mulberry32(SEED), pick = (a) => a[Math.floor(r() * a.length)], int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));

let env;
before(async () => (env = await start()));
after(async () => env?.close());

const PWN = '<img src=x onerror="window.__pwned=1">';
const WEIRD = ['', ' ', 'NaN', '-1', '0', '1e309', '-0', '0x10', '1,2', PWN, `"'><svg onload="window.__pwned=1">`, '%', '%E0%A4%A', 'a'.repeat(3000), '[]', '{}', 'null', '\u202e\u0000x'];
const b64 = (s) => Buffer.from(s).toString('base64url');
const TYPES = ['dense', 'conv2d', 'maxpool2d', 'avgpool2d', 'flatten', 'dropout', 'batchNorm', 'layerNorm', 'activation', 'residual', 'reshape', 'nope', null, 7];
const layerJson = () => {
  const l = { type: pick(TYPES) };
  for (const k of ['units', 'filters', 'kernel', 'stride', 'padding', 'rate', 'activation', 'init', 'shape', 'layers', 'name'])
    if (r() < 0.25) l[k] = pick([int(1, 8), 0, -3, 1e9, 0.5, 'relu', 'same', 'he_normal', PWN, null, [2, 2], [], {}, [{ type: 'dense', units: 2 }]]);
  return r() < 0.05 ? pick([null, 3, 'x', []]) : l;
};

function randomLink() {
  const parts = [`dataset=${pick(['spiral', 'xor', 'circles', 'gaussians', 'custom', 'spiral', 'xor'])}`, 'epochs=2'];
  for (let k = int(1, 5); k > 0; k--) {
    const p = r() < 0.05 ? { name: pick(['bogus', 'dataset', '', PWN]) } : pick(PARAMS);
    let raw;
    if (p.type === 'layers') raw = r() < 0.8 ? b64(JSON.stringify(Array.from({ length: int(0, 4) }, layerJson))) : pick([...WEIRD, b64('{'), b64('"x"')]);
    else if (r() < 0.5) raw = pick(WEIRD);
    else if (p.values) raw = p.type === 'list' ? Array.from({ length: int(1, 3) }, () => pick(p.values)).join(',') : pick(p.values);
    else if (p.type === 'number' || p.type === 'int') raw = String(p.type === 'int' ? int(p.min, Math.min(p.max, p.min + 50)) : p.min + r() * (p.max - p.min));
    else if (p.type === 'points') raw = Array.from({ length: int(1, 6) }, () => `${(r() * 12 - 6).toFixed(2)},${(r() * 12 - 6).toFixed(2)},${int(0, 4)}`).join(';');
    else raw = pick(WEIRD);
    parts.push(`${encodeURIComponent(p.name)}=${r() < 0.9 ? encodeURIComponent(raw) : raw}`);
  }
  return `#${parts.join('&')}`;
}

const sawNoHarm = async (page, what) => {
  assert.deepEqual(page.errors, [], what);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, `${what}: injected markup ran`);
};

test(`${CASES ?? 40} random links each open a working playground`, async () => {
  const page = await openPage(env.browser, 'about:blank');
  let stepped = 0;
  for (let i = 0; i < (CASES ?? 40); i++) {
    const link = randomLink(), what = `link ${i}: ${link.slice(0, 300)}`;
    if (i < FROM) continue; // (to replay from a failing case: FUZZ_PAGE_FROM)
    await page.goto('about:blank');
    await page.goto(`${env.base}/playground.html${link}`);
    await page.waitForSelector('[data-playground][data-engine="ready"]', { timeout: 20000 }).catch(() => assert.fail(`${what}: the engine never became ready`));
    if (i % 2 === 0 && (await page.isDisabled('[data-part="step"]'))) // nothing to train yet: the page says why
      assert.notEqual((await page.textContent('[data-part="start-why"]')).trim(), '', `${what}: Step is disabled with no reason shown`);
    else if (i % 2 === 0 && (await page.isVisible('[data-part="step"]'))) { // Step (unless the link hid it): one batch trains, or the network's error is shown
      await page.click('[data-part="step"]');
      await page.waitForFunction(() => {
        const root = document.querySelector('[data-playground]');
        return root.dataset.training === 'paused' || Number(root.dataset.runs ?? 0) >= 1;
      }, null, { timeout: 20000 }).catch(() => assert.fail(`${what}: Step neither trained nor reported an error`));
      if (await page.$('[data-playground][data-training="paused"]')) {
        stepped++;
        await stopRun(page, 20000);
      }
    }
    await sawNoHarm(page, what);
  }
  assert.ok(stepped > 0, 'some fuzzed links still give a network that trains');
  await page.close();
});

// A model file for the xor data ([2] inputs, 2 classes), damaged; half the time its checksum
// (CRC-32 of everything before it, as core/model_io.c writes it) is stamped again, so the
// damage reaches the parser instead of stopping at the checksum.
test(`${CASES ?? 30} damaged model files each load whole or change nothing`, async () => {
  const dl = await load();
  const base = dl.model({ input: [2], seed: 4, layers: [{ type: 'dense', units: 6, activation: 'tanh' }, { type: 'dense', units: 2 }] }).save();
  assert.equal(crc32(base.subarray(0, -4)), Buffer.from(base).readUInt32LE(base.length - 4), 'the checksum is CRC-32, as node:zlib computes it');
  const page = await openPage(env.browser, `${env.base}/playground.html#dataset=xor&epochs=1`, {
    initScript: () => {
      const url = URL.createObjectURL;
      URL.createObjectURL = (blob) => ((window.__saved = blob), url(blob));
    },
  });
  await page.waitForSelector('[data-playground][data-engine="ready"]');
  const status = () => page.textContent('[data-part="file-status"]');
  const upload = async (name, bytes) => {
    await page.setInputFiles('[data-part="load"]', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    await page.waitForFunction((n) => document.querySelector('[data-part="file-status"]').textContent.includes(n), name, { timeout: 20000 });
  };
  // what Save hands the browser, read from the blob it links (Chromium stops a page's downloads
  // after a few dozen, so the test does not go through the download itself)
  const saved = async (what) => {
    await page.evaluate(() => (window.__saved = null));
    await page.click('[data-part="save"]');
    await page.waitForFunction(() => window.__saved, null, { timeout: 10000 }).catch(async () => assert.fail(`${what}: Save gave no file: ${await status()}`));
    return Buffer.from(await page.evaluate(async () => Array.from(new Uint8Array(await window.__saved.arrayBuffer()))));
  };
  await upload('base.dlpm', base);
  assert.match(await status(), /^Loaded base.dlpm/);
  let current = await saved('the first file'), refused = 0, loaded = 0;
  for (let i = 0; i < (CASES ?? 30); i++) {
    const b = Buffer.from(base), name = `fuzz-${i}.dlpm`;
    const how = int(0, 3);
    if (how === 0) for (let k = int(1, 6); k > 0; k--) b[int(0, b.length - 5)] = int(0, 255);
    else if (how === 1) b.writeUInt32LE(pick([0, 1, 255, 2 ** 31, 2 ** 32 - 1, 0x7fc00000, 0x7f800000]), int(0, (b.length - 8) >> 2) * 4);
    else if (how === 2) b.fill(int(0, 255), int(0, b.length - 5), int(0, b.length - 4));
    let bytes = how === 3 ? b.subarray(0, int(0, b.length - 1)) : b;
    if (how !== 3 && r() < 0.5) bytes.writeUInt32LE(crc32(bytes.subarray(0, -4)), bytes.length - 4);
    await upload(name, bytes);
    const text = await status();
    if (text.startsWith('Could not load')) {
      refused++;
      assert.match(text, /The current model is unchanged\.$/);
      assert.ok((await saved(name)).equals(current), `${name} was refused, yet the model changed: ${text}`);
    } else {
      assert.match(text, new RegExp(`^Loaded ${name}`));
      loaded++;
      await page.click('[data-part="step"]'); // the loaded model trains
      await page.waitForSelector('[data-playground][data-training="paused"]', { timeout: 20000 });
      await stopRun(page, 20000);
      current = await saved(name);
    }
    await sawNoHarm(page, name);
  }
  assert.ok(refused > 0, `${refused} refused, ${loaded} loaded`);
  await page.close();
});
