// fuzz-api.test.mjs: a short run of the API fuzzer (fuzz-api.mjs); `make fuzz` runs it longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzApi } from './fuzz-api.mjs';

test('3,000 fuzzed API calls (seed 7) each succeed or give a DlError, and leave the module healthy', async () => {
  const counts = await fuzzApi(3000, 7);
  assert.equal(counts.cases, 3000);
  assert.ok(counts.ok > 100, `${counts.ok} cases got past every check: the generator still reaches training`);
});
