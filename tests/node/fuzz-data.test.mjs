// fuzz-data.test.mjs: a short run of the data-reader fuzzer (fuzz-data.mjs); `make fuzz` runs it longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzData } from './fuzz-data.mjs';

test('5,000 damaged IDX, DLDS, PNG, PGM/PPM and CSV files (seed 7) each decode consistently or give a DlError', async () => {
  const counts = await fuzzData(5000, 7);
  assert.equal(counts.cases, 5000);
  assert.ok(counts.ok > 1000 && counts.refused > 1000, `${counts.ok} decoded, ${counts.refused} refused: the damage must reach both outcomes`);
});
