// schedules.test.mjs: every learning-rate schedule step by step against PyTorch's scheduler of
// the same name (golden values from tests/golden/schedules.py, Debian's python3-torch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { engine } from './helpers.mjs';

const dl = await engine();
const golden = JSON.parse(readFileSync(new URL('../golden/schedules.json', import.meta.url), 'utf8'));

for (const c of golden.cases) {
  test(`${c.type} follows PyTorch's ${c.name} step by step`, () => {
    const s = dl.schedule(c.type, c.lr, c.options);
    try {
      c.rates.forEach((want, t) => {
        if (c.metrics && t > 0) s.report(c.metrics[t - 1]);
        const got = s.lr(t);
        assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1e-3, Math.abs(want)) + 1e-9, `step ${t}: dlplay ${got}, PyTorch ${want}`);
      });
    } finally {
      s.dispose();
    }
  });
}
