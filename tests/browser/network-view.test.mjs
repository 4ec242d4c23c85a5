// network-view.test.mjs: the drawing of the network. On 2-D data: one node per unit with its map,
// element-wise layers drawn in the column of the layer before them, and the incoming weights a
// unit shows (by keyboard and by pointer) equal to the model's own, read from its saved file.
// On images: one block per layer with its shape, a residual block's shortcut, and an image MLP's
// unit showing its 784 weights as a picture.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { start, openPlayground, dataIn, stopRun, screenshot, warmAndCool } from './browser.mjs';
import { load } from '../../wasm/dlplay.mjs';

let env, dl;
before(async () => ((env = await start()), (dl = await load())));
after(async () => env?.close());

const layout = (page, part) => page.$eval(`[data-part="${part}"] .ng`, (el) => el.ngLayout ?? null);
const info = (page, part) => page.$eval(`[data-part="${part}"] .ng-info p`, (el) => el.textContent);
const fmt = (v) => (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(2);

// Until the part's info line holds every one of `parts` (a clear failure after 5 s).
async function shows(page, part, parts) {
  try {
    await page.waitForFunction(([part, parts]) => {
      const t = document.querySelector(`[data-part="${part}"] .ng-info p`).textContent;
      return parts.every((p) => t.includes(p));
    }, [part, parts], { timeout: 5000 });
  } catch {
    assert.fail(`the drawing says "${await info(page, part)}", expected it to hold ${parts.join(' | ')}`);
  }
}

async function savedWeights(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-part="save"]')]);
  const m = dl.loadModel(new Uint8Array(await readFile(await download.path())));
  try {
    return new Map(m.getWeights().map((w) => [w.name, w]));
  } finally {
    m.dispose();
  }
}

test('on 2-D data every unit is a node, and a unit shows the incoming weights the model has', async () => {
  const layers = [{ type: 'dense', units: 4, activation: 'tanh' }, { type: 'batchNorm' }, { type: 'dense', units: 3, activation: 'tanh' }];
  const page = await openPlayground(env, `#dataset=xor&layers=${Buffer.from(JSON.stringify(layers)).toString('base64url')}`, { viewport: { width: 1440, height: 900 } });
  await dataIn(page);
  await page.click('[data-part="step"]');
  await page.waitForSelector('[data-playground][data-training="paused"]');
  await stopRun(page);
  await page.waitForFunction(() => document.querySelector('[data-part="graph-2d"] .ng')?.ngLayout?.length === 4);
  const cols = await layout(page, 'graph-2d');
  // input x, y; dense 4 with its batch norm in one column; dense 3; the two classes
  assert.deepEqual(cols.map((c) => [c.kind, c.nodes.length]), [['units', 2], ['units', 4], ['units', 3], ['units', 2]]);
  assert.deepEqual(cols[1].layers, ['dense_1', 'batchNorm_2']);
  // each hidden node shows a map of its own (not one blank square repeated)
  const tiles = await page.$eval('[data-part="graph-2d"] .ng-canvas', (c, nodes) => {
    const g = c.getContext('2d'), k = c.width / c.getBoundingClientRect().width;
    return nodes.map((n) => Array.from(g.getImageData(Math.round((n.x + 3) * k), Math.round((n.y + 3) * k), Math.round((n.w - 6) * k), Math.round((n.h - 6) * k)).data).join(','));
  }, cols[1].nodes);
  assert.equal(new Set(tiles).size, 4, 'four different unit maps');

  const w = await savedWeights(page);
  // keyboard: the first hidden unit's weights from x and y, and its bias
  await page.focus('[data-part="graph-2d"] .ng-canvas');
  await page.keyboard.press('ArrowRight');
  const k1 = w.get('dense_1/kernel').values, b1 = w.get('dense_1/bias').values;
  // (the views redraw a moment after Stop, from the weights the file holds)
  await shows(page, 'graph-2d', [`unit 1 of dense_1`, `from x ${fmt(k1[0])}`, `from y ${fmt(k1[4])}`, `Bias ${fmt(b1[0])}`]);
  // the pointer: the third unit of the second hidden layer, fed by the first layer's 4 units
  const node = cols[2].nodes[2], box = await page.locator('[data-part="graph-2d"] .ng-canvas').boundingBox();
  await page.mouse.move(box.x + node.x + node.w / 2, box.y + node.y + node.h / 2);
  await page.waitForFunction(() => document.querySelector('[data-part="graph-2d"] .ng').dataset.selected === '2:2');
  const k2 = w.get('dense_3/kernel').values;
  await shows(page, 'graph-2d', [0, 1, 2, 3].map((p) => `from unit ${p + 1} ${fmt(k2[p * 3 + 2])}`));
  // edges are drawn in both signs' colours
  const hues = await warmAndCool(page, '[data-part="graph-2d"] .ng-canvas');
  assert.ok(hues.warm > 50 && hues.cool > 50, JSON.stringify(hues));
  await page.locator('[data-control="boundary"]').screenshot({ path: new URL('../../build/screenshots/network-2d.png', import.meta.url).pathname });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('on images every layer is a block with its shape; an MLP unit shows its weights as a picture; a residual block has its shortcut', async () => {
  const page = await openPlayground(env, '#dataset=mnist&preset=mlp', { viewport: { width: 1440, height: 900 } });
  await dataIn(page);
  await page.waitForFunction(() => document.querySelector('[data-part="graph-images"] .ng')?.ngLayout?.length === 5, null, { timeout: 20000 });
  const cols = await layout(page, 'graph-images');
  assert.deepEqual(cols.map((c) => c.layers.join('+')), ['', 'flatten_1', 'dense_2', 'dense_3', 'output']);
  await page.focus('[data-part="graph-images"] .ng-canvas');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  assert.match(await info(page, 'graph-images'), /unit 2 of dense_2: its 784 incoming weights, one per pixel/);
  assert.equal(await page.$eval('[data-part="graph-images"] .ng-template', (c) => c.hidden), false);
  await screenshot(page, 'network-images-mlp');

  // a residual net: the sum after each block's inner layers, with a shortcut from before the block
  await page.selectOption('[data-part="preset"]', 'resnet');
  await page.waitForFunction(() => document.querySelector('[data-part="graph-images"] .ng')?.ngLayout?.some((c) => c.skipFrom != null), null, { timeout: 20000 });
  const res = await layout(page, 'graph-images');
  const sums = res.filter((c) => c.skipFrom != null);
  assert.equal(sums.length, 2);
  for (const s of sums) {
    const i = res.indexOf(s);
    assert.match(s.layers[0], /^residual/);
    assert.equal(res[s.skipFrom + 1].layers[0].startsWith('conv2d'), true);
    assert.ok(s.skipFrom < i - 2, 'the shortcut passes over the block\'s two convolutions');
  }
  await page.locator('[data-control="layers"]').screenshot({ path: new URL('../../build/screenshots/network-images-resnet.png', import.meta.url).pathname });
  assert.deepEqual(page.errors, []);
  await page.close();
});
