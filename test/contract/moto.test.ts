import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import {
  AssociateResolverRuleCommand,
  CreateResolverEndpointCommand,
  CreateResolverRuleCommand,
  DeleteResolverEndpointCommand,
  DeleteResolverRuleCommand,
  DisassociateResolverRuleCommand,
} from '@aws-sdk/client-route53resolver';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { SandboxServer } from '../../src/sandbox/server.js';
import { type AwsClients, awsClients, RUNBOOK } from '../helpers/aws.js';
import { findMotoServer, type Moto, startMoto } from '../helpers/moto.js';
import { withSandbox } from '../helpers/sandbox.js';

/*
 * The same SDK call sequence against moto and against our sandbox; both must succeed and answer
 * the same shapes. Differences found (moto 5.2.1), none of which our sandbox copies:
 * - moto is instant: endpoints are OPERATIONAL and associations COMPLETE in the create answer,
 *   with no latency knob (ours: CREATING/DELETING observable in the realistic profile).
 * - moto lets a security group be deleted while a resolver endpoint's ENIs use it (ours:
 *   DependencyViolation until the endpoint is gone, as on AWS).
 * - both answer deletions with a DELETING snapshot, but moto removes the resource at once while
 *   the sandbox keeps it DELETING for the profile's latency (its ENIs too).
 * - moto stores DomainName 'googleapis.com.' as 'googleapis.com..' (it always appends a dot).
 * - moto lists no auto-defined "Internet Resolver" rule or its VPC associations (AWS and ours do).
 * - moto's RSLVR-00600/00802 messages lack the "[RSLVR-...]" code prefix AWS puts in them.
 * The comparison below only asserts what both must agree on.
 */
const moto = findMotoServer();
const skip = moto ? false : 'moto_server is not installed; install moto[server] to run this test';

interface Outcome {
  sgId: string;
  endpointStatus: string | undefined;
  ruleDomain: string | undefined;
  associationStatus: string | undefined;
  deleteGroupWhileInUse: string;
  teardown: (string | undefined)[];
}

async function seedMoto(aws: AwsClients): Promise<{ vpcId: string; subnetId: string }> {
  const vpc = await aws.ec2.send(new CreateVpcCommand({ CidrBlock: SEED.vpcCidr }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const a = await aws.ec2.send(
    new CreateSubnetCommand({
      VpcId: vpcId,
      CidrBlock: SEED.subnetA.cidr,
      AvailabilityZone: 'ap-northeast-1a',
    }),
  );
  await aws.ec2.send(
    new CreateSubnetCommand({
      VpcId: vpcId,
      CidrBlock: SEED.subnetC.cidr,
      AvailabilityZone: 'ap-northeast-1c',
    }),
  );
  return { vpcId, subnetId: a.Subnet?.SubnetId ?? '' };
}

async function sequence(aws: AwsClients, vpcId: string, subnetId: string): Promise<Outcome> {
  const sg = await aws.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: RUNBOOK.sgName,
      Description: RUNBOOK.sgDescription,
      VpcId: vpcId,
    }),
  );
  const sgId = sg.GroupId ?? '';
  await aws.ec2.send(
    new AuthorizeSecurityGroupEgressCommand({
      GroupId: sgId,
      IpPermissions: ['tcp', 'udp'].map((IpProtocol) => ({
        IpProtocol,
        FromPort: 53,
        ToPort: 53,
        IpRanges: [{ CidrIp: RUNBOOK.gcpSubnet }],
      })),
    }),
  );
  await aws.ec2.send(
    new RevokeSecurityGroupEgressCommand({
      GroupId: sgId,
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  const endpoint = await aws.resolver.send(
    new CreateResolverEndpointCommand({
      CreatorRequestId: `ep-${Date.now()}`,
      Name: RUNBOOK.endpointName,
      SecurityGroupIds: [sgId],
      Direction: 'OUTBOUND',
      IpAddresses: RUNBOOK.ips.map((Ip) => ({ SubnetId: subnetId, Ip })),
    }),
  );
  const endpointId = endpoint.ResolverEndpoint?.Id ?? '';
  const rule = await aws.resolver.send(
    new CreateResolverRuleCommand({
      CreatorRequestId: `rule-${Date.now()}`,
      Name: RUNBOOK.ruleName,
      RuleType: 'FORWARD',
      DomainName: RUNBOOK.domain,
      TargetIps: [{ Ip: RUNBOOK.forwarderIp, Port: 53 }],
      ResolverEndpointId: endpointId,
    }),
  );
  const ruleId = rule.ResolverRule?.Id ?? '';
  const association = await aws.resolver.send(
    new AssociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: vpcId }),
  );
  let deleteGroupWhileInUse = 'allowed';
  try {
    await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sgId }));
  } catch (error) {
    deleteGroupWhileInUse = (error as Error).name;
  }
  const teardown: (string | undefined)[] = [];
  const dis = await aws.resolver.send(
    new DisassociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: vpcId }),
  );
  teardown.push(dis.ResolverRuleAssociation?.Status);
  const delRule = await aws.resolver.send(
    new DeleteResolverRuleCommand({ ResolverRuleId: ruleId }),
  );
  teardown.push(delRule.ResolverRule?.Status);
  const delEndpoint = await aws.resolver.send(
    new DeleteResolverEndpointCommand({ ResolverEndpointId: endpointId }),
  );
  teardown.push(delEndpoint.ResolverEndpoint?.Status);
  if (deleteGroupWhileInUse !== 'allowed') {
    await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sgId }));
  }
  return {
    sgId,
    endpointStatus: endpoint.ResolverEndpoint?.Status,
    ruleDomain: rule.ResolverRule?.DomainName,
    associationStatus: association.ResolverRuleAssociation?.Status,
    deleteGroupWhileInUse,
    teardown,
  };
}

describe('moto and the sandbox answer the same call sequence', { skip }, () => {
  let motoServer: Moto;
  let sandbox: SandboxServer;
  before(async () => {
    motoServer = await startMoto(moto ?? 'moto_server');
    sandbox = await withSandbox();
  });
  after(async () => {
    await motoServer?.stop();
    await sandbox?.close();
  });

  test('setup and teardown succeed on both; differences are the known ones', {
    timeout: 60_000,
  }, async () => {
    const motoClients = await awsClients(motoServer.url);
    const ours = await awsClients(sandbox.url);
    try {
      const seeded = await seedMoto(motoClients);
      const fromMoto = await sequence(motoClients, seeded.vpcId, seeded.subnetId);
      const fromSandbox = await sequence(ours, SEED.vpcId, SEED.subnetA.id);

      for (const outcome of [fromMoto, fromSandbox]) {
        assert.match(outcome.sgId, /^sg-/);
        assert.equal(outcome.endpointStatus, 'OPERATIONAL');
        assert.ok(outcome.ruleDomain?.startsWith(RUNBOOK.domain), outcome.ruleDomain);
        assert.equal(outcome.associationStatus, 'COMPLETE');
      }
      // Known difference: moto appends a dot even when there is one ('googleapis.com..');
      // AWS (and the sandbox) store exactly one trailing dot.
      assert.equal(fromSandbox.ruleDomain, RUNBOOK.domain);
      assert.equal(fromMoto.ruleDomain, `${RUNBOOK.domain}.`);
      // Known difference: moto deletes an in-use group; AWS (and the sandbox) refuse.
      assert.equal(fromMoto.deleteGroupWhileInUse, 'allowed');
      assert.equal(fromSandbox.deleteGroupWhileInUse, 'DependencyViolation');
      // Both answer deletions with the DELETING snapshot AWS returns.
      assert.deepEqual(fromSandbox.teardown, ['DELETING', 'DELETING', 'DELETING']);
      assert.deepEqual(fromMoto.teardown, ['DELETING', 'DELETING', 'DELETING']);
    } finally {
      motoClients.close();
      ours.close();
    }
  });
});
