import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { benchCli, gcpBench, REGION } from '../helpers/gcp-steps.js';

const RUNBOOK = GCP_SEED.runbook;

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench } = await gcpBench();

// A step run alone is often run for its output: the next person needs the endpoint's IP or
// the forwarder addresses. They come from the step's recorded outputs.
test('create-psc run alone prints the endpoint name and its IP', async () => {
  const run = await benchCli(bench, ['create-psc', '--yes']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`endpoint\\s+${RUNBOOK.endpointName}\\n`));
  assert.match(run.stdout, /pscIp\s+10\.164\.128\.1\n/);
});

test('create-policy run alone prints the inbound forwarders with their region', async () => {
  const run = await benchCli(bench, ['create-policy', '--yes']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`forwarders\\s+10\\.146\\.0\\.3 \\(${REGION}\\)\\n`));
});
