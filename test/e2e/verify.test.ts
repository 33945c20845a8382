import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { byId, failed, project, region, type VerifyWorld, verifyWorld } from './verify-fixture.js';

describe('verify on the sandbox', () => {
  let world: VerifyWorld;
  before(async () => {
    world = await verifyWorld();
  });

  test('every check passes after setup, from the APIs and from the VPC', async () => {
    const { code, checks } = await world.verify('--from-vpc');
    assert.equal(code, 0, JSON.stringify(checks, null, 2));
    assert.equal(checks.length, 10);
  });

  test('a deleted A record fails the record check and the VPC lookup', async () => {
    await world.broken(
      (w) => {
        const zone = Object.values(project(w).managedZones)[0];
        assert.ok(zone);
        zone.records = zone.records.filter((r) => r.type !== 'A');
      },
      async () => {
        const { code, checks } = await world.verify('--from-vpc');
        assert.equal(code, 1);
        assert.deepEqual(failed(checks), ['dns-records', 'resolve-bigquery', 'resolve-storage']);
        const records = byId(checks, 'dns-records');
        assert.equal(
          records.reason,
          'awsconnpscep.googleapis.com. A is missing in restrictedgoogleapis',
        );
        assert.equal(records.fix, 'Run `psc-bridge add-records`.');
        await world.applyFix(records);
      },
    );
  });

  test('a withdrawn route range fails advertisement, VPC route and the HTTP check', async () => {
    await world.broken(
      (w) => {
        const router = Object.values(project(w).routers)[0];
        assert.ok(router);
        router.bgp.advertisedIpRanges = router.bgp.advertisedIpRanges.filter(
          (r) => r.range !== '10.164.128.1/32',
        );
      },
      async () => {
        const { checks } = await world.verify('--from-vpc');
        assert.deepEqual(failed(checks), ['route-advertised', 'vpc-route', 'psc-http']);
        const advertised = byId(checks, 'route-advertised');
        assert.match(advertised.reason, /^not advertised to aws-peer-1, aws-peer-2$/);
        assert.match(byId(checks, 'vpc-route').reason, /no route to 10\.164\.128\.1; vgw-/);
        assert.match(byId(checks, 'psc-http').reason, /^no answer: /);
        await world.applyFix(advertised);
      },
    );
  });

  test('a removed association fails, and from the VPC the answer is the public one', async () => {
    await world.broken(
      (w) => {
        region(w).ruleAssociations = region(w).ruleAssociations.filter(
          (a) => a.vpcId !== 'vpc-028bdb0ee3a9213b4' || !a.ruleId.startsWith('rslvr-rr-'),
        );
      },
      async () => {
        const { checks } = await world.verify('--from-vpc');
        assert.deepEqual(failed(checks), [
          'rule-association',
          'resolve-bigquery',
          'resolve-storage',
        ]);
        const association = byId(checks, 'rule-association');
        assert.equal(association.reason, 'not associated');
        const lookup = byId(checks, 'resolve-bigquery');
        assert.match(lookup.reason, /public answer/);
        assert.match(lookup.fix ?? '', /psc-bridge associate/);
        await world.applyFix(association);
      },
    );
  });

  test('a rule targeting a dead forwarder fails the forwarding check', async () => {
    await world.broken(
      (w) => {
        const rule = region(w).resolverRules.find((r) => r.domainName === 'googleapis.com.');
        assert.ok(rule);
        rule.targetIps = [{ Ip: '10.146.0.99', Port: 53 }];
      },
      async () => {
        const { checks } = await world.verify('--from-vpc');
        const forwarding = byId(checks, 'inbound-forwarding');
        assert.equal(forwarding.ok, false);
        assert.match(forwarding.reason, /targets 10\.146\.0\.99, which no forwarder holds/);
        assert.equal(byId(checks, 'resolve-bigquery').ok, false);
        await world.applyFix(forwarding);
      },
    );
  });
});
