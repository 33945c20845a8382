import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import type { World } from '../../src/sandbox/types.js';
import {
  byId,
  failed,
  freeUdpPort,
  project,
  type VerifyWorld,
  verifyWorld,
} from './verify-fixture.js';

describe('verify on the sandbox: the GCP side and --resolver', () => {
  let world: VerifyWorld;
  before(async () => {
    world = await verifyWorld();
  });

  test('an A record with another IP: the private zone answered, not the public DNS', async () => {
    const zoneOf = (w: World) => {
      const zone = Object.values(project(w).managedZones)[0];
      assert.ok(zone);
      return zone;
    };
    await world.broken(
      (w) => {
        const a = zoneOf(w).records.find((r) => r.type === 'A');
        assert.ok(a);
        a.rrdatas = ['10.164.128.9'];
      },
      async () => {
        const { checks } = await world.verify('--from-vpc');
        assert.deepEqual(failed(checks), ['dns-records', 'resolve-bigquery', 'resolve-storage']);
        const lookup = byId(checks, 'resolve-bigquery');
        assert.equal(
          lookup.reason,
          'it resolves to 10.164.128.9 via awsconnpscep.googleapis.com: the private zone ' +
            'answered, but its awsconnpscep.googleapis.com. A record holds 10.164.128.9, ' +
            'not 10.164.128.1',
        );
        assert.doesNotMatch(lookup.reason, /public/);
        assert.doesNotMatch(lookup.fix ?? '', /associate/);
        const records = byId(checks, 'dns-records');
        assert.match(records.reason, /A is 10\.164\.128\.9 in restrictedgoogleapis/);
        // add-records refuses to overwrite a record that differs: the fix deletes it first.
        const remove =
          'gcloud dns record-sets delete awsconnpscep.googleapis.com. --type=A ' +
          '--zone=restrictedgoogleapis --project=psc-bridge-sandbox';
        assert.ok(lookup.fix?.includes(`\`${remove}\``), lookup.fix);
        assert.equal(records.fix, lookup.fix);
        await world.byHand((w) => {
          zoneOf(w).records = zoneOf(w).records.filter((r) => r.type !== 'A');
        });
        await world.applyFix(lookup);
      },
    );
  });

  test('in the sandbox a non-loopback --resolver is refused before anything is sent', async () => {
    const callsBefore = (JSON.parse(await readFile(world.worldPath, 'utf8')) as World).calls.length;
    const result = await world.cli('verify', '--from-vpc', '--resolver', '10.0.0.2');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--resolver 10\.0\.0\.2 is not a loopback address/);
    assert.equal(result.stdout, '');
    const callsAfter = (JSON.parse(await readFile(world.worldPath, 'utf8')) as World).calls.length;
    assert.equal(callsAfter, callsBefore, 'no API call either');
  });

  test('a loopback --resolver where nothing listens fails the lookups plainly', async () => {
    const port = await freeUdpPort();
    const { checks } = await world.verify('--from-vpc', '--resolver', `127.0.0.1:${port}`);
    assert.deepEqual(failed(checks), ['resolve-bigquery', 'resolve-storage']);
    assert.equal(
      byId(checks, 'resolve-bigquery').reason,
      'ECONNREFUSED: nothing answers DNS at that address',
    );
  });

  test('a vpc-sc endpoint fails the endpoint check: psc-bridge builds all-apis', async () => {
    await world.broken(
      (w) => {
        const rule = project(w).forwardingRules.awsconnpscep;
        assert.ok(rule);
        rule.target = 'vpc-sc';
      },
      async () => {
        const { checks } = await world.verify();
        assert.deepEqual(failed(checks), ['psc-endpoint']);
        const endpoint = byId(checks, 'psc-endpoint');
        assert.equal(endpoint.reason, 'its target is vpc-sc, not all-apis');
        assert.match(endpoint.fix ?? '', /`gcloud compute forwarding-rules delete awsconnpscep/);
        await world.applyFix(endpoint);
      },
    );
  });
  test('a deleted forwarding rule is named, and the fix creates it again', async () => {
    await world.broken(
      (w) => {
        const gcp = project(w);
        delete gcp.forwardingRules.awsconnpscep;
        for (const address of Object.values(gcp.globalAddresses)) {
          address.users = address.users.filter((u) => u !== 'global/forwardingRules/awsconnpscep');
          address.status = 'RESERVED';
        }
      },
      async () => {
        const { checks } = await world.verify();
        assert.deepEqual(failed(checks), ['psc-endpoint']);
        const endpoint = byId(checks, 'psc-endpoint');
        assert.equal(endpoint.reason, 'no forwarding rule awsconnpscep in psc-bridge-sandbox');
        await world.applyFix(endpoint);
      },
    );
  });
});
