import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import { CreateResolverEndpointCommand } from '@aws-sdk/client-route53resolver';
import { CloudError } from '../../src/errors.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { SecurityGroup } from '../../src/sandbox/aws/world.js';
import type { AwsClients } from '../helpers/aws.js';
import {
  awsBench,
  GCP_SUBNET,
  loseFirstAnswer,
  mutations,
  outcomeOf,
  refused,
  region,
  succeeded,
} from '../helpers/aws-steps.js';
import { RUNBOOK, type StepBench } from '../helpers/steps.js';

const NAME = RUNBOOK.securityGroupName ?? '';
const DNS_ONLY = [`egress tcp 53-53 ${GCP_SUBNET}`, `egress udp 53-53 ${GCP_SUBNET}`];

function groupNamed(bench: StepBench): SecurityGroup[] {
  return region(bench).securityGroups.filter((g) => g.name === NAME && g.vpcId === SEED.vpcId);
}

function rulesOf(group: SecurityGroup | undefined): string[] {
  return (group?.rules ?? [])
    .map((r) => {
      const peer = r.cidrIpv4 ?? r.cidrIpv6 ?? r.referencedGroupId;
      const ports = `${r.fromPort ?? '*'}-${r.toPort ?? '*'}`;
      return `${r.egress ? 'egress' : 'ingress'} ${r.protocol} ${ports} ${peer}`;
    })
    .sort();
}

/** A group made by hand, the way someone following the runbook might. */
async function handMade(aws: AwsClients, extra: 'none' | 'ingress-and-allow-all') {
  const made = await aws.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: NAME, Description: 'by hand', VpcId: SEED.vpcId }),
  );
  const GroupId = made.GroupId ?? '';
  const dns = ['tcp', 'udp'].map((IpProtocol) => ({
    IpProtocol,
    FromPort: 53,
    ToPort: 53,
    IpRanges: [{ CidrIp: GCP_SUBNET }],
  }));
  await aws.ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions: dns }));
  if (extra === 'none') {
    const all = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    await aws.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: all }));
  } else {
    const ssh = [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
    ];
    await aws.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: ssh }));
  }
  return GroupId;
}

describe('create-sg', () => {
  test('creates a tagged group with only DNS egress to GCP; a rerun changes nothing', async () => {
    const { bench } = await awsBench();
    const first = await bench.apply(['create-sg']);
    assert.equal(succeeded(first, 'create-sg').action, 'created');

    const [group, ...others] = groupNamed(bench);
    assert.equal(others.length, 0);
    assert.deepEqual(rulesOf(group), DNS_ONLY);
    assert.deepEqual(group?.tags.map((t) => `${t.Key}=${t.Value}`).sort(), [
      'Name=bigquery_vpn_test-resolver-outep-sg',
      'managed-by=psc-bridge',
    ]);
    const record = (await bench.state())?.steps['create-sg'];
    assert.equal(record?.ownership, 'created');
    assert.equal(record?.resources.securityGroup, group?.id);
    assert.equal(record?.outputs.securityGroupId, group?.id);

    const mark = bench.mark();
    const again = await bench.apply(['create-sg']);
    assert.equal(succeeded(again, 'create-sg').action, 'unchanged');
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal((await bench.state())?.steps['create-sg']?.ownership, 'created');

    const inspected = await bench.inspect('create-sg');
    assert.ok('inspection' in inspected);
    assert.equal(inspected.inspection.presence, 'present');
  });

  test('adopts a matching hand-made group and leaves it on teardown', async () => {
    const { bench, aws } = await awsBench();
    const groupId = await handMade(aws, 'none');
    const mark = bench.mark();

    const result = await bench.apply(['create-sg']);
    const outcome = succeeded(result, 'create-sg');
    assert.equal(outcome.action, 'adopted');
    assert.equal(outcome.resources.securityGroup, groupId);
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal((await bench.state())?.steps['create-sg']?.ownership, 'adopted');

    const torn = await bench.destroy(['create-sg']);
    assert.equal(succeeded(torn, 'create-sg').action, 'kept');
    assert.match(outcomeOf(torn, 'create-sg').notes.join('\n'), /Left security group sg-/);
    assert.equal(groupNamed(bench).length, 1);
  });

  test('refuses a same-named group with other rules and shows each difference', async () => {
    const { bench, aws } = await awsBench();
    await handMade(aws, 'ingress-and-allow-all');
    const mark = bench.mark();

    const message = refused(await bench.apply(['create-sg']), 'create-sg');
    assert.match(message, /rule: expected \(none\), found ingress tcp 22 from 203\.0\.113\.0\/24/);
    assert.match(message, /rule: expected \(none\), found egress all to 0\.0\.0\.0\/0/);
    assert.deepEqual(mutations(bench, mark), []);

    const inspected = await bench.inspect('create-sg');
    assert.ok('inspection' in inspected);
    assert.equal(inspected.inspection.presence, 'drifted');
    assert.equal(inspected.inspection.differences.length, 2);
  });

  test('a run killed right after CreateSecurityGroup is completed by the rerun', async () => {
    const { bench } = await awsBench();
    assert.deepEqual(await bench.crashDuring('create-sg', 'CreateSecurityGroup'), { killed: true });
    const crashed = (await bench.state())?.steps['create-sg'];
    assert.ok(crashed?.tokens.create, 'the token reached the state before the call');
    assert.equal(crashed?.resources.securityGroup, undefined);
    assert.equal(groupNamed(bench).length, 1);
    assert.deepEqual(rulesOf(groupNamed(bench)[0]), ['egress -1 *-* 0.0.0.0/0']);

    const rerun = await bench.apply(['create-sg']);
    const outcome = succeeded(rerun, 'create-sg');
    assert.equal(outcome.action, 'created');
    const groups = groupNamed(bench);
    assert.equal(groups.length, 1);
    assert.equal(outcome.resources.securityGroup, groups[0]?.id);
    assert.deepEqual(rulesOf(groups[0]), DNS_ONLY);
    assert.equal((await bench.state())?.steps['create-sg']?.ownership, 'created');
  });

  test('a lost CreateSecurityGroup answer: InvalidGroup.Duplicate finds ours', async () => {
    const { bench } = await awsBench();
    const restore = loseFirstAnswer(await bench.services.ec2(), 'CreateSecurityGroupCommand');
    try {
      const outcome = succeeded(await bench.apply(['create-sg']), 'create-sg');
      assert.equal(outcome.action, 'created');
      const creates = bench.world().calls.filter((c) => c.operation === 'CreateSecurityGroup');
      assert.deepEqual(
        creates.map((c) => `${c.status} ${c.error ?? ''}`),
        ['200 ', '400 InvalidGroup.Duplicate'],
      );
      const groups = groupNamed(bench);
      assert.equal(groups.length, 1);
      assert.deepEqual(rulesOf(groups[0]), DNS_ONLY);
      const record = (await bench.state())?.steps['create-sg'];
      assert.equal(record?.resources.securityGroup, groups[0]?.id);
      assert.equal(record?.ownership, 'created');
    } finally {
      restore();
    }
  });

  test('InvalidGroup.Duplicate for a group that is not ours still fails', async () => {
    const { bench, aws } = await awsBench();
    // Someone makes the same-named group between the step's look and its create call.
    const ec2 = await bench.services.ec2();
    ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CreateSecurityGroupCommand') await handMade(aws, 'none');
        return next(args);
      },
      { step: 'initialize', name: 'someoneElseFirst' },
    );
    try {
      const { error } = outcomeOf(await bench.apply(['create-sg']), 'create-sg');
      assert.ok(error instanceof CloudError, String(error));
      assert.equal(error.code, 'InvalidGroup.Duplicate');
      assert.equal(groupNamed(bench).length, 1);
    } finally {
      ec2.middlewareStack.remove('someoneElseFirst');
    }
  });

  test('lost AuthorizeSecurityGroupEgress answer: InvalidPermission.Duplicate = done', async () => {
    const { bench } = await awsBench();
    const ec2 = await bench.services.ec2();
    const restore = loseFirstAnswer(ec2, 'AuthorizeSecurityGroupEgressCommand');
    try {
      const outcome = succeeded(await bench.apply(['create-sg']), 'create-sg');
      assert.equal(outcome.action, 'created');
      const adds = bench
        .world()
        .calls.filter((c) => c.operation === 'AuthorizeSecurityGroupEgress');
      assert.equal(adds[0]?.status, 200);
      assert.ok(adds.length > 1);
      assert.ok(adds.slice(1).every((c) => c.error === 'InvalidPermission.Duplicate'));
      assert.deepEqual(rulesOf(groupNamed(bench)[0]), DNS_ONLY);
    } finally {
      restore();
    }
  });

  test('teardown retries a group still in use, then names the interfaces holding it', async () => {
    const { bench, aws } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const groupId = groupNamed(bench)[0]?.id ?? '';
    await aws.resolver.send(
      new CreateResolverEndpointCommand({
        CreatorRequestId: 'someone-else',
        Name: 'not-ours',
        Direction: 'OUTBOUND',
        SecurityGroupIds: [groupId],
        IpAddresses: [{ SubnetId: SEED.subnetA.id }, { SubnetId: SEED.subnetC.id }],
      }),
    );
    const mark = bench.mark();

    const result = await bench.destroy(['create-sg']);
    const { error } = outcomeOf(result, 'create-sg');
    assert.ok(error instanceof CloudError, String(error));
    assert.equal(error.code, 'DependencyViolation');
    assert.match(error.message, /eni-[0-9a-f]+ \(Route 53 Resolver: rslvr-out-/);
    const attempts = bench.callsSince(mark).filter((c) => c.operation === 'DeleteSecurityGroup');
    assert.ok(attempts.length >= 3, `retried: ${attempts.length} attempts`);
    assert.ok(attempts.every((c) => c.error === 'DependencyViolation'));
    assert.equal(groupNamed(bench).length, 1);
  });
});
