import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DescribeVpnGatewaysCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { toCloudError } from '../../src/cloud/aws.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import { advertisedRanges } from '../../src/sandbox/gcp/advertised.js';
import type { SandboxServer } from '../../src/sandbox/server.js';
import { type AwsClients, RUNBOOK, rejectsWith, sandboxClients } from '../helpers/aws.js';
import { callsSince, mutatingCalls, withSandbox } from '../helpers/sandbox.js';

const VPC = SEED.vpcId;

describe('EC2 emulator, seeded world', () => {
  let server: SandboxServer;
  let aws: AwsClients;
  before(async () => {
    server = await withSandbox();
    aws = await sandboxClients(server);
  });
  after(async () => {
    aws.close();
    await server.close();
  });

  test('DescribeVpcs, DescribeSubnets, DescribeAvailabilityZones: the runbook VPC', async () => {
    const vpcs = await aws.ec2.send(new DescribeVpcsCommand({ VpcIds: [VPC] }));
    assert.equal(vpcs.Vpcs?.[0]?.CidrBlock, '10.128.0.0/20');
    const subnets = await aws.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }] }),
    );
    const zones = subnets.Subnets?.map((subnet) => subnet.AvailabilityZone).sort();
    assert.deepEqual(zones, ['ap-northeast-1a', 'ap-northeast-1c']);
    const a = subnets.Subnets?.find((subnet) => subnet.SubnetId === SEED.subnetA.id);
    assert.equal(a?.CidrBlock, '10.128.1.0/24');
    assert.equal(a?.AvailableIpAddressCount, 251);
    const byZone = await aws.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['*-1c'] }] }),
    );
    assert.deepEqual(
      byZone.Subnets?.map((s) => s.SubnetId),
      [SEED.subnetC.id],
    );
    const azs = await aws.ec2.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(
      azs.AvailabilityZones?.map((zone) => zone.ZoneName),
      ['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d'],
    );
    await rejectsWith(
      aws.ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0000000000000000a'] })),
      'InvalidVpcID.NotFound',
    );
  });

  test('the seeded default security group is there and cannot be deleted', async () => {
    const groups = await aws.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [VPC] },
          { Name: 'group-name', Values: ['default'] },
        ],
      }),
    );
    const group = groups.SecurityGroups?.[0];
    assert.equal(group?.GroupId, SEED.defaultSecurityGroupId);
    assert.equal(group?.IpPermissionsEgress?.[0]?.IpRanges?.[0]?.CidrIp, '0.0.0.0/0');
    await rejectsWith(
      aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: SEED.defaultSecurityGroupId })),
      'CannotDelete',
    );
  });

  test('security group lifecycle: create, tag, authorize, revoke, describe, delete', async () => {
    const created = await aws.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: RUNBOOK.sgName,
        Description: RUNBOOK.sgDescription,
        VpcId: VPC,
        TagSpecifications: [
          { ResourceType: 'security-group', Tags: [{ Key: 'managed-by', Value: 'psc-bridge' }] },
        ],
      }),
    );
    const groupId = created.GroupId ?? '';
    assert.match(groupId, /^sg-[0-9a-f]{17}$/);
    assert.deepEqual(created.Tags, [{ Key: 'managed-by', Value: 'psc-bridge' }]);

    const fresh = await describeGroup(aws, groupId);
    assert.deepEqual(
      fresh.IpPermissionsEgress?.map((p) => [p.IpProtocol, p.IpRanges?.[0]?.CidrIp]),
      [['-1', '0.0.0.0/0']],
      'a new group starts with the allow-all egress rule',
    );
    assert.deepEqual(fresh.IpPermissions, []);

    const egress = await aws.ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: ['tcp', 'udp'].map((IpProtocol) => ({
          IpProtocol,
          FromPort: 53,
          ToPort: 53,
          IpRanges: [{ CidrIp: RUNBOOK.gcpSubnet, Description: 'DNS to GCP' }],
        })),
      }),
    );
    assert.equal(egress.Return, true);
    assert.equal(egress.SecurityGroupRules?.length, 2);
    assert.ok(egress.SecurityGroupRules?.every((rule) => rule.IsEgress && rule.FromPort === 53));

    await rejectsWith(
      aws.ec2.send(
        new AuthorizeSecurityGroupEgressCommand({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: '6',
              FromPort: 53,
              ToPort: 53,
              IpRanges: [{ CidrIp: RUNBOOK.gcpSubnet }],
            },
          ],
        }),
      ),
      'InvalidPermission.Duplicate',
      '10.146.0.0/24',
    );

    await aws.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 53,
            ToPort: 53,
            IpRanges: [{ CidrIp: RUNBOOK.gcpSubnet }],
          },
        ],
      }),
    );
    await aws.ec2.send(
      new RevokeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    await aws.ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 53,
            ToPort: 53,
            IpRanges: [{ CidrIp: RUNBOOK.gcpSubnet }],
          },
        ],
      }),
    );
    await rejectsWith(
      aws.ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 53,
              ToPort: 53,
              IpRanges: [{ CidrIp: RUNBOOK.gcpSubnet }],
            },
          ],
        }),
      ),
      'InvalidPermission.NotFound',
    );

    await aws.ec2.send(
      new CreateTagsCommand({ Resources: [groupId], Tags: [{ Key: 'Name', Value: 'dns-out' }] }),
    );
    const after = await describeGroup(aws, groupId);
    assert.deepEqual(
      after.IpPermissionsEgress?.map((p) => [p.IpProtocol, p.FromPort, p.IpRanges?.[0]]),
      [
        ['tcp', 53, { CidrIp: RUNBOOK.gcpSubnet, Description: 'DNS to GCP' }],
        ['udp', 53, { CidrIp: RUNBOOK.gcpSubnet, Description: 'DNS to GCP' }],
      ],
    );
    assert.deepEqual(after.IpPermissions, []);
    const byTag = await aws.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:Name', Values: ['dns-out'] }] }),
    );
    assert.deepEqual(
      byTag.SecurityGroups?.map((g) => g.GroupId),
      [groupId],
    );

    const deleted = await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    assert.equal(deleted.Return, true);
    await rejectsWith(
      aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })),
      'InvalidGroup.NotFound',
    );
    await rejectsWith(
      aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })),
      'InvalidGroup.NotFound',
    );
  });

  test('InvalidGroup.Duplicate for the same name in the same VPC', async () => {
    const input = { GroupName: 'dup-check', Description: 'x', VpcId: VPC };
    const first = await aws.ec2.send(new CreateSecurityGroupCommand(input));
    const error = await rejectsWith(
      aws.ec2.send(new CreateSecurityGroupCommand(input)),
      'InvalidGroup.Duplicate',
      "'dup-check'",
    );
    const mapped = toCloudError(error, 'ec2:CreateSecurityGroup', 'dup-check');
    assert.equal(mapped.code, 'InvalidGroup.Duplicate');
    assert.equal(mapped.details.status, 400);
    assert.equal(mapped.details.transient, false);
    await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: first.GroupId }));
  });

  test('bad input is refused like EC2 does', async () => {
    await rejectsWith(
      aws.ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'g', Description: 'd', VpcId: 'vpc-0abc' }),
      ),
      'InvalidVpcID.NotFound',
    );
    await rejectsWith(
      aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['not-a-group'] })),
      'InvalidGroupId.Malformed',
    );
    await rejectsWith(
      aws.ec2.send(
        new AuthorizeSecurityGroupEgressCommand({
          GroupId: SEED.defaultSecurityGroupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '10.0.0.0/33' }] },
          ],
        }),
      ),
      'InvalidParameterValue',
      'malformed',
    );
    await rejectsWith(
      aws.ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'nope', Values: ['x'] }] }),
      ),
      'InvalidParameterValue',
      "'nope'",
    );
  });

  test('DescribeRouteTables: local route, VGW propagation, associations', async () => {
    const tables = await aws.ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'association.subnet-id', Values: [SEED.subnetA.id] }],
      }),
    );
    const table = tables.RouteTables?.[0];
    assert.equal(table?.RouteTableId, SEED.routeTableId);
    assert.deepEqual(table?.PropagatingVgws, [{ GatewayId: SEED.vpnGatewayId }]);
    assert.deepEqual(
      table?.Associations?.filter((a) => !a.Main)
        .map((a) => a.SubnetId)
        .sort(),
      [SEED.subnetA.id, SEED.subnetC.id].sort(),
    );
    const local = table?.Routes?.find((route) => route.GatewayId === 'local');
    assert.equal(local?.DestinationCidrBlock, SEED.vpcCidr);
    assert.equal(local?.Origin, 'CreateRouteTable');
  });

  test('a static route through a VGW that is gone reads as a blackhole', async () => {
    const table = server.store.current().aws.regions[SEED.region]?.routeTables[0];
    assert.ok(table);
    table.routes.push({ destination: '10.99.0.0/16', gatewayId: 'vgw-0deadbeef0000000' });
    try {
      const found = await aws.ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: 'route.state', Values: ['blackhole'] }],
        }),
      );
      assert.deepEqual(
        found.RouteTables?.map((t) => t.RouteTableId),
        [table.id],
      );
      const states = found.RouteTables?.[0]?.Routes?.map(
        (r) => `${r.DestinationCidrBlock} ${r.State}`,
      );
      assert.ok(states?.includes('10.99.0.0/16 blackhole'), String(states));
      assert.ok(states?.includes(`${SEED.vpcCidr} active`), String(states));
    } finally {
      table.routes.pop();
    }
    const none = await aws.ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.state', Values: ['blackhole'] }] }),
    );
    assert.deepEqual(none.RouteTables, []);
  });

  test('routes the GCP Cloud Router advertises appear as propagated VGW routes', async () => {
    const routes = async () => {
      const out = await aws.ec2.send(
        new DescribeRouteTablesCommand({ RouteTableIds: [SEED.routeTableId] }),
      );
      return out.RouteTables?.[0]?.Routes?.filter((r) => r.Origin === 'EnableVgwRoutePropagation');
    };
    const world = server.store.current();
    const before = (await routes())?.map((route) => route.DestinationCidrBlock).sort();
    assert.deepEqual(before, advertisedRanges(world.gcp), 'propagated routes follow the router');

    const router = Object.values(world.gcp.projects).flatMap((p) => Object.values(p.routers))[0];
    assert.ok(router, 'the GCP seed has a Cloud Router');
    router.bgp.advertiseMode = 'CUSTOM';
    router.bgp.advertisedGroups = ['ALL_SUBNETS'];
    router.bgp.advertisedIpRanges = [{ range: '10.164.128.1/32', description: 'psc' }];
    const afterRoutes = (await routes()) ?? [];
    const psc = afterRoutes.find((route) => route.DestinationCidrBlock === '10.164.128.1/32');
    assert.equal(psc?.GatewayId, SEED.vpnGatewayId);
    assert.equal(psc?.State, 'active');
    assert.deepEqual(
      afterRoutes.map((route) => route.DestinationCidrBlock).sort(),
      advertisedRanges(world.gcp),
    );
    const filtered = await aws.ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'route.destination-cidr-block', Values: ['10.164.128.1/32'] }],
      }),
    );
    assert.equal(filtered.RouteTables?.length, 1);

    router.bgp.advertisedIpRanges = [];
    const withdrawn = (await routes()) ?? [];
    assert.ok(!withdrawn.some((route) => route.DestinationCidrBlock === '10.164.128.1/32'));
  });

  test('DescribeNetworkInterfaces answers an empty set before any endpoint exists', async () => {
    const enis = await aws.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'group-id', Values: [SEED.defaultSecurityGroupId] }],
      }),
    );
    assert.deepEqual(enis.NetworkInterfaces, []);
  });

  test('an operation the emulator does not model fails with an error naming it', async () => {
    const from = server.store.current().calls.length;
    await rejectsWith(
      aws.ec2.send(new DescribeVpnGatewaysCommand({})),
      'InvalidAction',
      'DescribeVpnGateways',
    );
    const [call] = callsSince(server, from);
    assert.equal(call?.service, 'ec2');
    assert.equal(call?.operation, 'unknown DescribeVpnGateways', 'logged by its Action');
    assert.equal(call?.status, 400);
    assert.equal(call?.error, 'InvalidAction');
  });

  test('every call lands in the call log with its operation and outcome', async () => {
    const from = server.store.current().calls.length;
    const created = await aws.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'logged', Description: 'd', VpcId: VPC }),
    );
    await rejectsWith(
      aws.ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'logged', Description: 'd', VpcId: VPC }),
      ),
      'InvalidGroup.Duplicate',
    );
    await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [created.GroupId ?? ''] }));
    const calls = callsSince(server, from);
    assert.deepEqual(
      calls.map((c) => [c.service, c.operation, c.mutating, c.status, c.error]),
      [
        ['ec2', 'CreateSecurityGroup', true, 200, undefined],
        ['ec2', 'CreateSecurityGroup', true, 400, 'InvalidGroup.Duplicate'],
        ['ec2', 'DescribeSecurityGroups', false, 200, undefined],
      ],
    );
    assert.equal(mutatingCalls(server, from).length, 2);
  });
});

describe('EC2 emulator, injected faults', () => {
  test('every call fails with RequestLimitExceeded (503), marked transient', async () => {
    const server = await withSandbox({ profile: { faults: 1 } });
    const aws = await sandboxClients(server, 1);
    try {
      const error = await rejectsWith(
        aws.ec2.send(new DescribeVpcsCommand({})),
        'RequestLimitExceeded',
      );
      const mapped = toCloudError(error, 'ec2:DescribeVpcs');
      assert.equal(mapped.details.status, 503);
      assert.equal(mapped.details.transient, true);
      const [call] = callsSince(server);
      assert.equal(call?.injected, true);
      assert.equal(call?.error, 'RequestLimitExceeded');
    } finally {
      aws.close();
      await server.close();
    }
  });
});

async function describeGroup(aws: AwsClients, groupId: string) {
  const out = await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  const group = out.SecurityGroups?.[0];
  assert.ok(group, `group ${groupId} is described`);
  return group;
}
