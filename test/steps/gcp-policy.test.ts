import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import {
  gcpBench,
  mutations,
  NETWORK_URL,
  ok,
  PROJECT,
  REGION,
  refused,
  world,
} from '../helpers/gcp-steps.js';

const POLICY = GCP_SEED.runbook.policyName;
const FORWARDERS = { [REGION]: [GCP_SEED.runbook.expectedForwarderIp] };

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench, clients } = await gcpBench();
const dns = await clients.dns();

function policies() {
  return Object.values(world(bench).policies).map((each) => ({
    name: each.name,
    inbound: each.enableInboundForwarding,
    networks: each.networks,
  }));
}

function forwarderAddresses(): string[] {
  return Object.values(world(bench).addresses)
    .filter((address) => address.purpose === 'DNS_RESOLVER')
    .map((address) => address.address);
}

async function makePolicy(name: string, inbound: boolean, networks: string[]) {
  await dns.policies.create({
    project: PROJECT,
    requestBody: {
      name,
      enableInboundForwarding: inbound,
      networks: networks.map((networkUrl) => ({ networkUrl })),
    },
  });
}

async function dropPolicy(name: string) {
  await dns.policies.patch({ project: PROJECT, policy: name, requestBody: { networks: [] } });
  await dns.policies.delete({ project: PROJECT, policy: name });
}

test('creates the policy and outputs the forwarders by region; a rerun only reads', async () => {
  const outcome = ok(await bench.apply(['create-policy']), 'create-policy');
  assert.equal(outcome.action, 'created');
  assert.deepEqual(policies(), [{ name: POLICY, inbound: true, networks: [GCP_SEED.network] }]);
  const record = (await bench.state())?.steps['create-policy'];
  assert.deepEqual(record?.outputs, { forwarders: FORWARDERS });
  assert.deepEqual(record?.resources, { policy: POLICY });

  const mark = bench.mark();
  assert.equal(ok(await bench.apply(['create-policy']), 'create-policy').action, 'unchanged');
  assert.deepEqual(mutations(bench, mark), []);

  assert.equal(ok(await bench.destroy(['create-policy']), 'create-policy').action, 'deleted');
  assert.deepEqual(policies(), []);
  assert.deepEqual(forwarderAddresses(), []);
});

test('adopts the policy already bound to the network (any name) and keeps it', async () => {
  await makePolicy('corp-policy', true, [NETWORK_URL]);
  const outcome = ok(await bench.apply(['create-policy']), 'create-policy');
  assert.equal(outcome.action, 'adopted');
  assert.match(outcome.notes.join('\n'), /corp-policy; psc-bridge adopts it/);
  assert.deepEqual((await bench.state())?.steps['create-policy']?.outputs, {
    forwarders: FORWARDERS,
  });
  const down = ok(await bench.destroy(['create-policy']), 'create-policy');
  assert.equal(down.action, 'kept');
  assert.deepEqual(policies(), [
    { name: 'corp-policy', inbound: true, networks: [GCP_SEED.network] },
  ]);
  await dropPolicy('corp-policy');
});

test('turns inbound forwarding on in an adopted policy only with consent, then off', async () => {
  await makePolicy('corp-policy', false, [NETWORK_URL]);
  const inspected = await bench.inspect('create-policy');
  assert.ok('inspection' in inspected);
  assert.deepEqual(inspected.inspection.consent, [
    'turn on inbound forwarding in the DNS server policy corp-policy',
  ]);
  const refusal = await bench.apply(['create-policy'], { assumeYes: false });
  const error = refused(
    refusal,
    'CONSENT_REQUIRED',
    /corp-policy, whose inbound forwarding is off/,
  );
  assert.match(error.hint ?? '', /--yes/);
  assert.equal(policies()[0]?.inbound, false);

  const outcome = ok(await bench.apply(['create-policy'], { assumeYes: true }), 'create-policy');
  assert.equal(outcome.action, 'updated');
  assert.equal(policies()[0]?.inbound, true);
  assert.deepEqual(forwarderAddresses(), [GCP_SEED.runbook.expectedForwarderIp]);
  assert.deepEqual((await bench.state())?.steps['create-policy']?.prior, {
    policy: 'corp-policy',
    enableInboundForwarding: false,
  });

  const down = ok(await bench.destroy(['create-policy']), 'create-policy');
  assert.equal(down.action, 'restored');
  assert.deepEqual(policies(), [
    { name: 'corp-policy', inbound: false, networks: [GCP_SEED.network] },
  ]);
  await dropPolicy('corp-policy');
});

test('refuses a policy under its name bound to another network', async () => {
  await makePolicy(POLICY, true, []);
  const error = refused(
    await bench.apply(['create-policy']),
    'CONFLICT',
    /aws-vpn-test-api-policy/,
  );
  assert.match(error.message, /networks: expected https:\/\/www\.googleapis\.com.*found \(none\)/);
  await dropPolicy(POLICY);
});

test('a crash right after policies.create leaves one policy, recorded as created', async () => {
  assert.ok((await bench.crashDuring('create-policy', 'dns.policies.create')).killed);
  assert.equal(ok(await bench.apply(['create-policy']), 'create-policy').action, 'created');
  assert.deepEqual(policies(), [{ name: POLICY, inbound: true, networks: [GCP_SEED.network] }]);
  assert.equal((await bench.state())?.steps['create-policy']?.ownership, 'created');
  assert.equal(ok(await bench.destroy(['create-policy']), 'create-policy').action, 'deleted');
  assert.deepEqual(policies(), []);
});

test('records the forwarders per region when the network has subnets in two regions', async () => {
  const project = world(bench);
  const key = 'us-central1/aws-vpn-test-subnet-us';
  project.subnetworks[key] = {
    id: '4410000000000000099',
    name: 'aws-vpn-test-subnet-us',
    region: 'us-central1',
    network: GCP_SEED.network,
    createdAt: Date.now(),
    ipCidrRange: '10.150.0.0/24',
    secondaryIpRanges: [],
    privateIpGoogleAccess: false,
  };
  try {
    ok(await bench.apply(['create-policy']), 'create-policy');
    const forwarders = (await bench.state())?.steps['create-policy']?.outputs.forwarders;
    assert.deepEqual(forwarders, {
      [REGION]: [GCP_SEED.runbook.expectedForwarderIp],
      'us-central1': ['10.150.0.2'],
    });
    const inUs = Object.values(world(bench).addresses).filter(
      (address) => address.purpose === 'DNS_RESOLVER' && address.subnetwork === key,
    );
    assert.deepEqual(
      inUs.map((address) => address.address),
      ['10.150.0.2'],
    );
    ok(await bench.destroy(['create-policy']), 'create-policy');
  } finally {
    delete world(bench).subnetworks[key];
  }
  assert.deepEqual(forwarderAddresses(), []);
});
