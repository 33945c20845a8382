import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STEP_IDS } from '../../src/steps/catalog.js';
import { byId, failed, verifyWorld } from './verify-fixture.js';

/** Every step but `associate`, one command at a time, in the order of the design's table. */
const BEFORE_ASSOCIATE = STEP_IDS.filter((id) => id !== 'associate');

test('--from-vpc before the rule is associated gets the public answer and says why', async () => {
  const world = await verifyWorld({ setup: false });
  for (const step of BEFORE_ASSOCIATE) {
    const run = await world.cli(step, '--yes');
    assert.equal(run.code, 0, `${step}:\n${run.stderr}`);
  }
  const { code, checks } = await world.verify('--from-vpc');
  assert.equal(code, 1);
  assert.deepEqual(failed(checks), ['rule-association', 'resolve-bigquery', 'resolve-storage']);
  assert.equal(byId(checks, 'rule-association').reason, 'not associated');
  for (const id of ['resolve-bigquery', 'resolve-storage']) {
    const lookup = byId(checks, id);
    const why = 'the public answer, so the VPC resolver does not forward googleapis.com. to GCP';
    assert.match(lookup.reason, /^it resolves to \d+\.\d+\.\d+\.\d+: /);
    assert.ok(lookup.reason.endsWith(`: ${why}`), lookup.reason);
    assert.doesNotMatch(lookup.reason, /10\.164\.128\.1/);
    assert.match(lookup.fix ?? '', /`psc-bridge associate`/);
  }
  await world.applyFix(byId(checks, 'resolve-bigquery'));
});
