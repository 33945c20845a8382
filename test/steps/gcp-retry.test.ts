import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudError } from '../../src/errors.js';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import {
  editRecord,
  gcpBench,
  loseNextAnswer,
  NETWORK_URL,
  ok,
  PROJECT,
  served,
  world,
} from '../helpers/gcp-steps.js';

// Cloud DNS creates carry no idempotency id the sandbox honours: when a create's answer is
// lost and the retry meets 409, the step re-reads and takes what it finds as its own only
// when it is what it asked for.

const RUNBOOK = GCP_SEED.runbook;
const ENDPOINT = `${RUNBOOK.endpointName}.googleapis.com.`;

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench, clients } = await gcpBench();
const dns = await clients.dns();

function zones(): string[] {
  return Object.keys(world(bench).managedZones);
}

test('a zone create whose answer was lost is taken as created after the retry', async () => {
  loseNextAnswer(dns.managedZones, 'create');
  const mark = bench.mark();
  const outcome = ok(await bench.apply(['create-zone']), 'create-zone');
  assert.equal(outcome.action, 'created');
  assert.equal(served(bench, mark, 'dns.managedZones.create'), 2, 'the create was retried');
  assert.deepEqual(zones(), [RUNBOOK.zoneName]);
  assert.equal((await bench.state())?.steps['create-zone']?.ownership, 'created');
});

test('a record change whose answer was lost is taken as made after the retry', async () => {
  loseNextAnswer(dns.changes, 'create');
  const mark = bench.mark();
  assert.equal(ok(await bench.apply(['add-records']), 'add-records').action, 'created');
  assert.equal(served(bench, mark, 'dns.changes.create'), 2, 'the change was retried');
  const records = world(bench)
    .managedZones[RUNBOOK.zoneName]?.records.filter((each) => !['SOA', 'NS'].includes(each.type))
    .map((each) => `${each.name} ${each.type} ${each.ttl}`)
    .sort();
  assert.deepEqual(records, [`*.googleapis.com. CNAME 300`, `${ENDPOINT} A 300`]);

  assert.equal(ok(await bench.destroy(['add-records']), 'add-records').action, 'deleted');
  assert.equal(ok(await bench.destroy(['create-zone']), 'create-zone').action, 'deleted');
  assert.deepEqual(zones(), []);
});

test('a policy create whose answer was lost is taken as created after the retry', async () => {
  loseNextAnswer(dns.policies, 'create');
  const mark = bench.mark();
  assert.equal(ok(await bench.apply(['create-policy']), 'create-policy').action, 'created');
  assert.equal(served(bench, mark, 'dns.policies.create'), 2, 'the create was retried');
  assert.deepEqual(Object.keys(world(bench).policies), [RUNBOOK.policyName]);
  assert.equal(ok(await bench.destroy(['create-policy']), 'create-policy').action, 'deleted');
  assert.deepEqual(Object.keys(world(bench).policies), []);
});

test('a 409 on the retry for a zone unlike the one asked for is not taken as ours', async () => {
  // Someone else's zone lands under the name between the lost answer and the retry.
  loseNextAnswer(dns.managedZones, 'create', (create) =>
    create({
      project: PROJECT,
      requestBody: {
        name: RUNBOOK.zoneName,
        dnsName: 'example.com.',
        visibility: 'private',
        privateVisibilityConfig: { networks: [{ networkUrl: NETWORK_URL }] },
      },
    }),
  );
  const result = await bench.apply(['create-zone']);
  assert.equal(result.ok, false);
  const error = result.failure?.error;
  assert.ok(error instanceof CloudError, String(error));
  assert.equal(error.code, 'ALREADY_EXISTS');
  assert.equal(world(bench).managedZones[RUNBOOK.zoneName]?.dnsName, 'example.com.');
  await dns.managedZones.delete({ project: PROJECT, managedZone: RUNBOOK.zoneName });
});

// enable-apis records which APIs it turned on and when; only those refusals are waited out.
const LONG_AGO = new Date(Date.now() - 60 * 60_000).toISOString();
const EARLIER_RUNS = [
  { what: 'enabled it an hour ago', outputs: { enabledAt: LONG_AGO } },
  { what: 'found it already on', outputs: { enabled: ['servicedirectory.googleapis.com'] } },
];
for (const { what, outputs } of EARLIER_RUNS) {
  test(`a disabled API fails at once, naming it, when enable-apis ${what}`, async () => {
    await editRecord(bench, 'enable-apis', (record) => Object.assign(record.outputs, outputs));
    const dnsService = world(bench).services['dns.googleapis.com'];
    world(bench).services['dns.googleapis.com'] = { state: 'DISABLED' };
    try {
      const mark = bench.mark();
      const result = await bench.apply(['create-zone']);
      assert.equal(result.ok, false);
      const error = result.failure?.error;
      assert.ok(error instanceof CloudError, String(error));
      assert.equal(error.code, 'API_NOT_ENABLED');
      assert.match(error.message, /dns\.googleapis\.com is not enabled in project/);
      assert.match(error.hint ?? '', /psc-bridge enable-apis/);
      const refused = bench.callsSince(mark).filter((c) => c.error === 'accessNotConfigured');
      assert.equal(refused.length, 1, 'no retry of an API that is off');
    } finally {
      if (dnsService) world(bench).services['dns.googleapis.com'] = dnsService;
    }
  });
}
