import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import {
  benchCli,
  gcpBench,
  intercept,
  mutations,
  NETWORK_URL,
  ok,
  PROJECT,
  refused,
  served,
  world,
} from '../helpers/gcp-steps.js';

const RUNBOOK = GCP_SEED.runbook;

interface PlanJson {
  steps: { id: string; action: string; commands: string[]; error?: string }[];
}
interface StatusJson {
  steps: { id: string; live: string }[];
}
const ENDPOINT = `${RUNBOOK.endpointName}.googleapis.com.`;

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench, clients } = await gcpBench();
ok(await bench.apply(['create-psc']), 'create-psc');
const dns = await clients.dns();

function zones() {
  return Object.values(world(bench).managedZones).map((zone) => zone.name);
}

/** The non-apex records of a zone as `name type ttl data` lines. */
function records(zone: string): string[] {
  const found = world(bench).managedZones[zone];
  assert.ok(found, `zone ${zone} exists`);
  return found.records
    .filter((each) => !['SOA', 'NS'].includes(each.type))
    .map((each) => `${each.name} ${each.type} ${each.ttl} ${each.rrdatas.join(',')}`)
    .sort();
}

const OURS = [`*.googleapis.com. CNAME 300 ${ENDPOINT}`, `${ENDPOINT} A 300 ${RUNBOOK.pscAddress}`];

async function makeZone(name: string, dnsName: string) {
  await dns.managedZones.create({
    project: PROJECT,
    requestBody: {
      name,
      dnsName,
      visibility: 'private',
      privateVisibilityConfig: { networks: [{ networkUrl: NETWORK_URL }] },
    },
  });
}

async function dropZone(name: string) {
  await dns.managedZones.delete({ project: PROJECT, managedZone: name });
}

type Rrset = { name: string; type: string; ttl: number; rrdatas: string[] };

async function changeRecords(zone: string, change: { additions?: Rrset[]; deletions?: Rrset[] }) {
  await dns.changes.create({ project: PROJECT, managedZone: zone, requestBody: change });
}

const FOREIGN: Rrset = {
  name: 'storage.googleapis.com.',
  type: 'A',
  ttl: 60,
  rrdatas: ['10.9.9.9'],
};

describe('add-records before the zone exists', () => {
  test('inspects as absent, so plan lists its lines and status says absent', async () => {
    const inspected = await bench.inspect('add-records');
    assert.ok('inspection' in inspected, String('error' in inspected && inspected.error));
    assert.equal(inspected.inspection.presence, 'absent');

    const plan = await benchCli(bench, ['plan', '--json']);
    assert.equal(plan.code, 0, plan.stderr);
    const rows = (JSON.parse(plan.stdout) as PlanJson).steps;
    const row = rows.find((each) => each.id === 'add-records');
    assert.equal(row?.action, 'create', plan.stdout);
    assert.equal(row?.error, undefined);
    assert.equal(row?.commands.length, 2);
    assert.match(row?.commands.join('\n') ?? '', /dns record-sets create .*--type=A/);

    const status = await benchCli(bench, ['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const live = (JSON.parse(status.stdout) as StatusJson).steps.find(
      (each) => each.id === 'add-records',
    );
    assert.equal(live?.live, 'absent', status.stdout);
  });

  test('apply refuses with a message naming the zone and create-zone', async () => {
    const mark = bench.mark();
    const error = refused(
      await bench.apply(['add-records']),
      'ZONE_MISSING',
      /restrictedgoogleapis/,
    );
    assert.match(error.hint ?? '', /psc-bridge create-zone/);
    assert.deepEqual(mutations(bench, mark), []);
  });
});

describe('create-zone', () => {
  test('creates the private zone on the network; a rerun only lists zones', async () => {
    const outcome = ok(await bench.apply(['create-zone']), 'create-zone');
    assert.equal(outcome.action, 'created');
    const zone = world(bench).managedZones[RUNBOOK.zoneName];
    assert.equal(zone?.dnsName, 'googleapis.com.');
    assert.equal(zone?.visibility, 'private');
    assert.deepEqual(zone?.networks, [GCP_SEED.network]);
    assert.deepEqual((await bench.state())?.steps['create-zone']?.outputs, {
      zone: RUNBOOK.zoneName,
    });

    const mark = bench.mark();
    assert.equal(ok(await bench.apply(['create-zone']), 'create-zone').action, 'unchanged');
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal(served(bench, mark, 'dns.managedZones.list'), 1);
  });

  test('teardown refuses while foreign records remain, naming them', async () => {
    await changeRecords(RUNBOOK.zoneName, { additions: [FOREIGN] });
    refused(await bench.destroy(['create-zone']), 'ZONE_NOT_EMPTY', /storage\.googleapis\.com\./);
    assert.deepEqual(zones(), [RUNBOOK.zoneName]);
    await changeRecords(RUNBOOK.zoneName, { deletions: [FOREIGN] });
  });

  test('teardown deletes the zone it created', async () => {
    assert.equal(ok(await bench.destroy(['create-zone']), 'create-zone').action, 'deleted');
    assert.deepEqual(zones(), []);
  });

  test('refuses a zone under its name with another DNS name', async () => {
    await makeZone(RUNBOOK.zoneName, 'example.com.');
    const error = refused(await bench.apply(['create-zone']), 'CONFLICT', /restrictedgoogleapis/);
    assert.match(error.message, /dnsName: expected googleapis\.com\., found example\.com\./);
    await dropZone(RUNBOOK.zoneName);
  });

  test('a crash right after managedZones.create leaves one zone, recorded as created', async () => {
    assert.ok((await bench.crashDuring('create-zone', 'dns.managedZones.create')).killed);
    assert.equal(ok(await bench.apply(['create-zone']), 'create-zone').action, 'created');
    assert.deepEqual(zones(), [RUNBOOK.zoneName]);
    assert.equal((await bench.state())?.steps['create-zone']?.ownership, 'created');
  });
});

describe('add-records', () => {
  test('adds the CNAME and A in one change; a rerun reads each name once', async () => {
    await changeRecords(RUNBOOK.zoneName, { additions: [FOREIGN] });
    const mark = bench.mark();
    assert.equal(ok(await bench.apply(['add-records']), 'add-records').action, 'created');
    assert.equal(served(bench, mark, 'dns.changes.create'), 1);
    assert.deepEqual(
      records(RUNBOOK.zoneName),
      [...OURS, `storage.googleapis.com. A 60 10.9.9.9`].sort(),
    );

    const again = bench.mark();
    assert.equal(ok(await bench.apply(['add-records']), 'add-records').action, 'unchanged');
    assert.deepEqual(mutations(bench, again), []);
    assert.equal(served(bench, again, 'dns.resourceRecordSets.list'), 2);
  });

  test('teardown refuses a record changed since, showing both', async () => {
    const a = { name: ENDPOINT, type: 'A', ttl: 300, rrdatas: [RUNBOOK.pscAddress] };
    await changeRecords(RUNBOOK.zoneName, { deletions: [a], additions: [{ ...a, ttl: 30 }] });
    const error = refused(await bench.destroy(['add-records']), 'RECORD_CHANGED', /A 300/);
    assert.match(error.message, /now A 30 10\.164\.128\.1/);
    await changeRecords(RUNBOOK.zoneName, { deletions: [{ ...a, ttl: 30 }], additions: [a] });
  });

  test('teardown deletes exactly the records it added', async () => {
    assert.equal(ok(await bench.destroy(['add-records']), 'add-records').action, 'deleted');
    assert.deepEqual(records(RUNBOOK.zoneName), ['storage.googleapis.com. A 60 10.9.9.9']);
  });

  test('refuses an A record with another address, showing both', async () => {
    const other = { name: ENDPOINT, type: 'A', ttl: 300, rrdatas: ['10.7.7.7'] };
    await changeRecords(RUNBOOK.zoneName, { additions: [other] });
    const error = refused(
      await bench.apply(['add-records']),
      'CONFLICT',
      /expected A 300 10\.164\.128\.1/,
    );
    assert.match(error.message, /found A 300 10\.7\.7\.7/);
    await changeRecords(RUNBOOK.zoneName, { deletions: [other] });
  });

  test('refuses an A record with the right address but another TTL, showing both', async () => {
    const other = { name: ENDPOINT, type: 'A', ttl: 60, rrdatas: [RUNBOOK.pscAddress] };
    await changeRecords(RUNBOOK.zoneName, { additions: [other] });
    const inspected = await bench.inspect('add-records');
    assert.ok('inspection' in inspected);
    assert.equal(inspected.inspection.presence, 'drifted');
    const mark = bench.mark();
    const error = refused(await bench.apply(['add-records']), 'CONFLICT', /expected A 300/);
    assert.match(error.message, /found A 60 10\.164\.128\.1/);
    assert.deepEqual(mutations(bench, mark), []);
    await changeRecords(RUNBOOK.zoneName, { deletions: [other] });
  });

  test('adopts a matching A record, adds only the CNAME, and keeps the A on teardown', async () => {
    const a = { name: ENDPOINT, type: 'A', ttl: 300, rrdatas: [RUNBOOK.pscAddress] };
    await changeRecords(RUNBOOK.zoneName, { additions: [a] });
    const outcome = ok(await bench.apply(['add-records']), 'add-records');
    assert.equal(outcome.action, 'created');
    assert.match(outcome.notes.join('\n'), /Adopted the existing record .* A/);
    const down = ok(await bench.destroy(['add-records']), 'add-records');
    assert.match(down.notes.join('\n'), /Kept/);
    assert.deepEqual(
      records(RUNBOOK.zoneName),
      [OURS[1], 'storage.googleapis.com. A 60 10.9.9.9'].sort(),
    );
    await changeRecords(RUNBOOK.zoneName, { deletions: [a] });
  });

  test('a crash right after changes.create leaves each record once, as created', async () => {
    assert.ok((await bench.crashDuring('add-records', 'dns.changes.create')).killed);
    assert.equal(ok(await bench.apply(['add-records']), 'add-records').action, 'created');
    assert.equal((await bench.state())?.steps['add-records']?.ownership, 'created');
    ok(await bench.destroy(['add-records']), 'add-records');
    assert.deepEqual(records(RUNBOOK.zoneName), ['storage.googleapis.com. A 60 10.9.9.9']);
    await changeRecords(RUNBOOK.zoneName, { deletions: [FOREIGN] });
    ok(await bench.destroy(['create-zone']), 'create-zone');
  });
});

describe('an adopted zone under another name', () => {
  test('is adopted, receives the records (via its outputs) and is kept', async () => {
    await makeZone('corp-googleapis', 'googleapis.com.');
    const zone = ok(await bench.apply(['create-zone']), 'create-zone');
    assert.equal(zone.action, 'adopted');
    assert.match(zone.notes.join('\n'), /corp-googleapis already serves/);
    ok(await bench.apply(['add-records']), 'add-records');
    assert.deepEqual(records('corp-googleapis'), OURS);

    ok(await bench.destroy(['add-records']), 'add-records');
    assert.equal(ok(await bench.destroy(['create-zone']), 'create-zone').action, 'kept');
    assert.deepEqual(zones(), ['corp-googleapis']);
    assert.deepEqual(records('corp-googleapis'), []);
    await dropZone('corp-googleapis');
  });
});

describe('a googleapis.com. zone on the network that answers from elsewhere', () => {
  const KINDS = [
    {
      kind: 'forwarding',
      extra: { forwardingConfig: { targetNameServers: [{ ipv4Address: '10.9.9.9' }] } },
      shows: /forwardingConfig: expected \(none\), found forwards to 10\.9\.9\.9/,
    },
    {
      kind: 'peering',
      extra: { peeringConfig: { targetNetwork: { networkUrl: `${NETWORK_URL}-hub` } } },
      shows: /peeringConfig: expected \(none\), found peers with .*aws-vpn-test-vpc-hub/,
    },
  ];
  for (const { kind, extra, shows } of KINDS) {
    test(`a ${kind} zone is refused, not adopted, with the difference shown`, async () => {
      await makeZone('corp-googleapis', 'googleapis.com.');
      // The sandbox does not model forwarding or peering zones: add the field to its answer.
      const restore = intercept(dns.managedZones, 'list', (list) => async (...args) => {
        const answer = (await list(...args)) as { data: { managedZones?: object[] } };
        const zones = (answer.data.managedZones ?? []).map((zone) => ({ ...zone, ...extra }));
        return { ...answer, data: { ...answer.data, managedZones: zones } };
      });
      try {
        const inspected = await bench.inspect('create-zone');
        assert.ok('inspection' in inspected);
        assert.equal(inspected.inspection.presence, 'drifted');
        const mark = bench.mark();
        const error = refused(await bench.apply(['create-zone']), 'CONFLICT', /corp-googleapis/);
        assert.match(error.message, shows);
        assert.deepEqual(mutations(bench, mark), []);
        assert.deepEqual(zones(), ['corp-googleapis']);
      } finally {
        restore();
      }
      await dropZone('corp-googleapis');
    });
  }
});
