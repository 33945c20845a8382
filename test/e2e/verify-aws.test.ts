import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { byId, failed, region, type VerifyWorld, verifyWorld } from './verify-fixture.js';

describe('verify on the sandbox: the AWS side', () => {
  let world: VerifyWorld;
  before(async () => {
    world = await verifyWorld();
  });

  test('an endpoint without one of its IPs fails the endpoint check', async () => {
    await world.broken(
      (w) => {
        const endpoint = region(w).resolverEndpoints.find((e) => e.direction === 'OUTBOUND');
        assert.ok(endpoint);
        endpoint.ipAddresses = endpoint.ipAddresses.slice(1);
      },
      async () => {
        const { checks } = await world.verify();
        assert.deepEqual(failed(checks), ['resolver-endpoint']);
        const check = byId(checks, 'resolver-endpoint');
        assert.equal(check.reason, 'only 1 IP address attached; it needs at least two');
        await world.applyFix(check);
      },
    );
  });

  test('an endpoint deleted with its rule: each check says so, and the fix rebuilds', async () => {
    await world.broken(
      (w) => {
        const aws = region(w);
        aws.resolverEndpoints = aws.resolverEndpoints.filter((e) => e.direction !== 'OUTBOUND');
        aws.resolverRules = aws.resolverRules.filter((r) => r.domainName !== 'googleapis.com.');
        aws.ruleAssociations = aws.ruleAssociations.filter(
          (a) => !a.ruleId.startsWith('rslvr-rr-'),
        );
      },
      async () => {
        const { checks } = await world.verify();
        assert.deepEqual(failed(checks), [
          'inbound-forwarding',
          'resolver-endpoint',
          'rule-association',
        ]);
        assert.match(
          byId(checks, 'inbound-forwarding').reason,
          /^forwarders: 10\.146\.0\.3; there is no rule to target them$/,
        );
        assert.equal(byId(checks, 'rule-association').reason, 'no such rule');
        const endpoint = byId(checks, 'resolver-endpoint');
        assert.equal(endpoint.reason, 'no such endpoint');
        await world.applyFix(endpoint);
      },
    );
  });

  test('a static route through a VGW that is gone is a blackhole, from the sandbox', async () => {
    await world.broken(
      (w) => {
        const table = region(w).routeTables[0];
        assert.ok(table);
        table.routes.push({ destination: '10.164.128.1/32', gatewayId: 'vgw-0deadbeef0000000' });
      },
      async () => {
        const { checks } = await world.verify();
        assert.deepEqual(failed(checks), ['vpc-route']);
        assert.match(
          byId(checks, 'vpc-route').reason,
          /the route 10\.164\.128\.1\/32 via vgw-0deadbeef0000000 is a blackhole/,
        );
      },
    );
  });

  test('a static route to the VGW, not a propagated one, fails the route check', async () => {
    await world.broken(
      (w) => {
        const table = region(w).routeTables[0];
        const vgw = region(w).vpnGateways[0];
        assert.ok(table && vgw);
        table.routes.push({ destination: '10.164.128.1/32', gatewayId: vgw.id });
      },
      async () => {
        const { checks } = await world.verify();
        assert.deepEqual(failed(checks), ['vpc-route']);
        const route = byId(checks, 'vpc-route');
        assert.match(
          route.reason,
          /route 10\.164\.128\.1\/32 via vgw-\S+ is static \(CreateRoute\)/,
        );
        assert.match(
          route.fix ?? '',
          /aws ec2 delete-route --route-table-id rtb-\S+ --destination/,
        );
      },
    );
  });
});
