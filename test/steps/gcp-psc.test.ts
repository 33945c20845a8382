import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { settle } from '../helpers/gcp.js';
import {
  gcpBench,
  mutations,
  NETWORK_URL,
  ok,
  PROJECT,
  REGION,
  refused,
  served,
  world,
} from '../helpers/gcp-steps.js';

const RUNBOOK = GCP_SEED.runbook;
const APIS = ['servicedirectory.googleapis.com', 'dns.googleapis.com'];

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench, clients } = await gcpBench({ enable: false });

function pscCounts() {
  const project = world(bench);
  return {
    addresses: Object.keys(project.globalAddresses).length,
    rules: Object.keys(project.forwardingRules).length,
  };
}

async function insertAddress(name: string, address: string) {
  await settle(
    clients,
    await clients.compute.globalAddresses.insert({
      project: PROJECT,
      addressResource: {
        name,
        address,
        addressType: 'INTERNAL',
        purpose: 'PRIVATE_SERVICE_CONNECT',
        network: NETWORK_URL,
      },
    }),
  );
}

async function insertRule(target: string, serviceDirectoryRegion: string) {
  await settle(
    clients,
    await clients.compute.globalForwardingRules.insert({
      project: PROJECT,
      forwardingRuleResource: {
        name: RUNBOOK.endpointName,
        IPAddress: RUNBOOK.pscAddressName,
        network: NETWORK_URL,
        target,
        serviceDirectoryRegistrations: [{ serviceDirectoryRegion }],
      },
    }),
  );
}

async function deleteRule() {
  await settle(
    clients,
    await clients.compute.globalForwardingRules.delete({
      project: PROJECT,
      forwardingRule: RUNBOOK.endpointName,
    }),
  );
}

async function deleteAddress(name: string) {
  await settle(
    clients,
    await clients.compute.globalAddresses.delete({ project: PROJECT, address: name }),
  );
}

describe('enable-apis', () => {
  test('enables Service Directory and Cloud DNS, then makes no call on a rerun', async () => {
    const first = ok(await bench.apply(['enable-apis']), 'enable-apis');
    assert.equal(first.action, 'created');
    const services = world(bench).services;
    assert.equal(services['servicedirectory.googleapis.com']?.state, 'ENABLED');
    assert.equal(services['dns.googleapis.com']?.state, 'ENABLED');
    assert.equal((await bench.state())?.steps['enable-apis']?.ownership, 'created');

    const mark = bench.mark();
    const again = ok(await bench.apply(['enable-apis']), 'enable-apis');
    assert.equal(again.action, 'unchanged');
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('teardown leaves the APIs enabled and says so', async () => {
    const result = await bench.destroy(['enable-apis']);
    const outcome = ok(result, 'enable-apis');
    assert.equal(outcome.action, 'kept');
    assert.match(outcome.notes.join('\n'), /stay enabled/);
    assert.equal(world(bench).services['dns.googleapis.com']?.state, 'ENABLED');
  });

  test('refuses to run when compute.googleapis.com is off, saying how to enable it', async () => {
    const services = world(bench).services;
    const compute = services['compute.googleapis.com'];
    services['compute.googleapis.com'] = { state: 'DISABLED' };
    try {
      const error = refused(await bench.apply(['enable-apis']), 'COMPUTE_DISABLED', /VPN/);
      assert.match(error.hint ?? '', /gcloud services enable compute\.googleapis\.com/);
    } finally {
      if (compute) services['compute.googleapis.com'] = compute;
    }
  });

  test('adopts APIs that are already on', async () => {
    const outcome = ok(await bench.apply(['enable-apis']), 'enable-apis');
    assert.equal(outcome.action, 'adopted');
    assert.equal((await bench.state())?.steps['enable-apis']?.ownership, 'adopted');
  });

  test('a crash right after batchEnable: the rerun enables nothing twice, as created', async () => {
    const services = world(bench).services;
    for (const name of APIS) services[name] = { state: 'DISABLED' };
    await bench.destroy(['enable-apis']);
    const { killed } = await bench.crashDuring('enable-apis', 'serviceusage.services.batchEnable');
    assert.ok(killed);
    const mark = bench.mark();
    const outcome = ok(await bench.apply(['enable-apis']), 'enable-apis');
    assert.equal(outcome.action, 'created');
    assert.deepEqual(mutations(bench, mark), []);
    for (const name of APIS) assert.equal(world(bench).services[name]?.state, 'ENABLED', name);
    const record = (await bench.state())?.steps['enable-apis'];
    assert.equal(record?.ownership, 'created');
    assert.deepEqual(record?.outputs.enabled, APIS);
  });
});

describe('create-psc', () => {
  test('refuses an IP inside the GCP subnet, naming the field and the range', async () => {
    bench.config.pscIp = '10.146.0.9';
    try {
      const error = refused(
        await bench.apply(['create-psc']),
        'INVALID_CONFIG',
        /pscIp 10\.146\.0\.9/,
      );
      assert.match(error.message, /10\.146\.0\.0\/24/);
    } finally {
      bench.config.pscIp = RUNBOOK.pscAddress;
    }
    assert.deepEqual(pscCounts(), { addresses: 0, rules: 0 });
  });

  test('refuses an IP inside a secondary range of a subnet, naming that range', async () => {
    const subnet = world(bench).subnetworks[`${REGION}/${GCP_SEED.subnet}`];
    assert.ok(subnet);
    subnet.secondaryIpRanges.push({ rangeName: 'pods', ipCidrRange: '10.164.0.0/16' });
    try {
      const error = refused(
        await bench.apply(['create-psc']),
        'INVALID_CONFIG',
        /pscIp 10\.164\.128\.1/,
      );
      assert.match(error.message, /lies in 10\.164\.0\.0\/16 \(subnet aws-vpn-test-subnet/);
    } finally {
      subnet.secondaryIpRanges.pop();
    }
    assert.deepEqual(pscCounts(), { addresses: 0, rules: 0 });
  });

  test('refuses an IP inside the AWS VPC, naming the VPC range', async () => {
    bench.config.pscIp = '10.128.3.4';
    try {
      const error = refused(await bench.apply(['create-psc']), 'INVALID_CONFIG', /AWS VPC/);
      assert.match(error.message, /10\.128\.0\.0\/20/);
    } finally {
      bench.config.pscIp = RUNBOOK.pscAddress;
    }
    assert.deepEqual(pscCounts(), { addresses: 0, rules: 0 });
  });

  test('refuses an endpoint name with a hyphen', async () => {
    bench.config.pscEndpoint = 'psc-endpoint';
    try {
      refused(await bench.apply(['create-psc']), 'INVALID_CONFIG', /pscEndpoint 'psc-endpoint'/);
    } finally {
      bench.config.pscEndpoint = RUNBOOK.endpointName;
    }
  });

  test('reserves the address and creates the endpoint, then a rerun only reads', async () => {
    const outcome = ok(await bench.apply(['create-psc']), 'create-psc');
    assert.equal(outcome.action, 'created');
    const project = world(bench);
    const address = project.globalAddresses[RUNBOOK.pscAddressName];
    assert.equal(address?.address, RUNBOOK.pscAddress);
    assert.equal(address?.purpose, 'PRIVATE_SERVICE_CONNECT');
    assert.equal(address?.status, 'IN_USE');
    const rule = project.forwardingRules[RUNBOOK.endpointName];
    assert.equal(rule?.target, 'all-apis');
    assert.equal(rule?.serviceDirectoryRegistrations[0]?.serviceDirectoryRegion, REGION);
    const record = (await bench.state())?.steps['create-psc'];
    assert.deepEqual(record?.outputs, {
      endpoint: RUNBOOK.endpointName,
      pscIp: RUNBOOK.pscAddress,
    });
    assert.deepEqual(record?.resources, {
      address: RUNBOOK.pscAddressName,
      forwardingRule: RUNBOOK.endpointName,
    });

    const inspected = await bench.inspect('create-psc');
    assert.ok('inspection' in inspected);
    assert.equal(inspected.inspection.presence, 'present');

    const mark = bench.mark();
    const again = ok(await bench.apply(['create-psc']), 'create-psc');
    assert.equal(again.action, 'unchanged');
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal(served(bench, mark, 'compute.globalAddresses.get'), 1);
    assert.equal(served(bench, mark, 'compute.globalForwardingRules.get'), 1);
  });

  test('teardown deletes the rule, then the address', async () => {
    const outcome = ok(await bench.destroy(['create-psc']), 'create-psc');
    assert.equal(outcome.action, 'deleted');
    assert.deepEqual(pscCounts(), { addresses: 0, rules: 0 });
    const again = ok(await bench.destroy(['create-psc']), 'create-psc');
    assert.equal(again.action, 'absent');
    const inspected = await bench.inspect('create-psc');
    assert.ok('inspection' in inspected);
    assert.equal(inspected.inspection.presence, 'absent');
  });

  test('adopts a matching address made by someone else and keeps it on teardown', async () => {
    await insertAddress(RUNBOOK.pscAddressName, RUNBOOK.pscAddress);
    const outcome = ok(await bench.apply(['create-psc']), 'create-psc');
    assert.equal(outcome.action, 'created');
    assert.match(outcome.notes.join('\n'), /Adopted the existing address/);
    assert.deepEqual(pscCounts(), { addresses: 1, rules: 1 });

    const down = ok(await bench.destroy(['create-psc']), 'create-psc');
    assert.equal(down.action, 'deleted');
    assert.match(down.notes.join('\n'), /Kept the address/);
    assert.deepEqual(pscCounts(), { addresses: 1, rules: 0 });
    await deleteAddress(RUNBOOK.pscAddressName);
  });

  test('adopts a whole endpoint made by someone else (ownership adopted, kept)', async () => {
    await insertAddress(RUNBOOK.pscAddressName, RUNBOOK.pscAddress);
    await insertRule('all-apis', REGION);
    const outcome = ok(await bench.apply(['create-psc']), 'create-psc');
    assert.equal(outcome.action, 'adopted');
    assert.equal((await bench.state())?.steps['create-psc']?.ownership, 'adopted');
    const down = ok(await bench.destroy(['create-psc']), 'create-psc');
    assert.equal(down.action, 'kept');
    assert.deepEqual(pscCounts(), { addresses: 1, rules: 1 });
    await deleteRule();
    await deleteAddress(RUNBOOK.pscAddressName);
  });

  const RULES = [
    { what: 'another target', target: 'vpc-sc', region: REGION, shows: /target: .*vpc-sc/ },
    {
      what: 'a Service Directory registration in another region',
      target: 'all-apis',
      region: 'us-central1',
      shows: /serviceDirectoryRegion: expected asia-northeast1, found us-central1/,
    },
  ];
  for (const { what, target, region, shows } of RULES) {
    test(`refuses a forwarding rule under its name with ${what}, showing both`, async () => {
      await insertAddress(RUNBOOK.pscAddressName, RUNBOOK.pscAddress);
      await insertRule(target, region);
      const inspected = await bench.inspect('create-psc');
      assert.ok('inspection' in inspected);
      assert.equal(inspected.inspection.presence, 'drifted');
      const mark = bench.mark();
      const error = refused(await bench.apply(['create-psc']), 'CONFLICT', /awsconnpscep/);
      assert.match(error.message, shows);
      assert.deepEqual(mutations(bench, mark), []);
      assert.equal((await bench.state())?.steps['create-psc']?.ownership, undefined);
      await deleteRule();
      await deleteAddress(RUNBOOK.pscAddressName);
    });
  }

  test('refuses an address under its name with another IP, showing both', async () => {
    await insertAddress(RUNBOOK.pscAddressName, '10.164.128.9');
    const inspected = await bench.inspect('create-psc');
    assert.ok('inspection' in inspected);
    assert.equal(inspected.inspection.presence, 'drifted');
    const error = refused(await bench.apply(['create-psc']), 'CONFLICT', /psced-address/);
    assert.match(error.message, /address: expected 10\.164\.128\.1, found 10\.164\.128\.9/);
    assert.deepEqual(pscCounts(), { addresses: 1, rules: 0 });
    await deleteAddress(RUNBOOK.pscAddressName);
  });

  for (const operation of ['globalAddresses.insert', 'globalForwardingRules.insert']) {
    test(`a crash right after ${operation} leaves one endpoint, recorded as created`, async () => {
      const { killed } = await bench.crashDuring('create-psc', `compute.${operation}`);
      assert.ok(killed);
      const outcome = ok(await bench.apply(['create-psc']), 'create-psc');
      assert.equal(outcome.action, 'created');
      assert.deepEqual(pscCounts(), { addresses: 1, rules: 1 });
      assert.equal((await bench.state())?.steps['create-psc']?.ownership, 'created');
      ok(await bench.destroy(['create-psc']), 'create-psc');
      assert.deepEqual(pscCounts(), { addresses: 0, rules: 0 });
    });
  }
});
