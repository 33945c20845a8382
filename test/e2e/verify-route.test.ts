import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Route, RouteTable } from '@aws-sdk/client-ec2';
import type { CloudServices } from '../../src/cloud/clients.js';
import { type AwsPath, checkVpcRoute } from '../../src/steps/checks/aws.js';

// Route precedence, judged from answers shaped like EC2's DescribeRouteTables: cases the
// sandbox cannot set up (a blackhole through a target other than a VGW, a longer route
// elsewhere). The sandbox's own blackhole, a route through a VGW that is gone, is in
// verify-aws.test.ts.
const SUBNET = 'subnet-1';
const PROPAGATED: Route = {
  DestinationCidrBlock: '10.164.128.1/32',
  GatewayId: 'vgw-1',
  Origin: 'EnableVgwRoutePropagation',
  State: 'active',
};

function judge(routes: Route[]) {
  const table: RouteTable = {
    RouteTableId: 'rtb-1',
    Associations: [{ SubnetId: SUBNET }],
    PropagatingVgws: [{ GatewayId: 'vgw-1' }],
    Routes: [{ DestinationCidrBlock: '10.128.0.0/16', GatewayId: 'local' }, ...routes],
  };
  const ec2 = { send: async () => ({ RouteTables: [table] }) };
  const services = { ec2: async () => ec2 } as unknown as CloudServices;
  const path: Promise<AwsPath> = Promise.resolve({ ips: [{ SubnetId: SUBNET }] });
  return checkVpcRoute({ config: { pscIp: '10.164.128.1' }, state: undefined, services }, path);
}

test('a propagated active route to the VGW passes', async () => {
  const check = await judge([PROPAGATED]);
  assert.equal(check.ok, true, check.reason);
});

test('a blackholed static route that shadows the propagated one fails as a blackhole', async () => {
  const check = await judge([
    PROPAGATED,
    { ...PROPAGATED, GatewayId: 'vgw-gone', Origin: 'CreateRoute', State: 'blackhole' },
  ]);
  assert.equal(check.ok, false);
  assert.equal(
    check.reason,
    'rtb-1 (subnet-1): the route 10.164.128.1/32 via vgw-gone is a blackhole (its target is gone)',
  );
  assert.match(check.fix ?? '', /`aws ec2 delete-route --route-table-id rtb-1 /);
});

test('a longer route elsewhere wins over the VPN route and fails', async () => {
  const check = await judge([
    { ...PROPAGATED, DestinationCidrBlock: '10.164.0.0/16' },
    { DestinationCidrBlock: '10.164.128.0/24', TransitGatewayId: 'tgw-1', State: 'active' },
  ]);
  assert.equal(check.ok, false);
  assert.match(
    check.reason,
    /10\.164\.128\.1 goes to tgw-1 \(10\.164\.128\.0\/24\), not to the VPN/,
  );
});
