import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AssociateResolverRuleCommand,
  CreateResolverRuleCommand,
} from '@aws-sdk/client-route53resolver';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { ResolverRule, RuleAssociation } from '../../src/sandbox/aws/world.js';
import type { AwsClients } from '../helpers/aws.js';
import {
  addVpc,
  awsBench,
  FORWARDER,
  loseFirstAnswer,
  mutations,
  readyForRule,
  realisticBench,
  refused,
  region,
  seedPolicy,
  succeeded,
} from '../helpers/aws-steps.js';
import { RUNBOOK, type StepBench } from '../helpers/steps.js';

const NAME = RUNBOOK.resolverRuleName ?? '';

function googleRules(bench: StepBench): ResolverRule[] {
  return region(bench).resolverRules.filter((r) => r.domainName === 'googleapis.com.');
}

async function handMade(aws: AwsClients, endpointId: string, ip: string): Promise<string> {
  const made = await aws.resolver.send(
    new CreateResolverRuleCommand({
      CreatorRequestId: `by-hand-${ip}`,
      Name: 'by-hand',
      RuleType: 'FORWARD',
      DomainName: 'googleapis.com',
      ResolverEndpointId: endpointId,
      TargetIps: [{ Ip: ip, Port: 53 }],
    }),
  );
  return made.ResolverRule?.Id ?? '';
}

describe('create-rule', () => {
  test('creates the FORWARD rule to the recorded forwarders; a rerun changes nothing', async () => {
    const { bench } = await awsBench();
    const endpointId = await readyForRule(bench);
    const outcome = succeeded(await bench.apply(['create-rule']), 'create-rule');
    assert.equal(outcome.action, 'created');

    const [rule, ...others] = googleRules(bench);
    assert.equal(others.length, 0);
    assert.equal(rule?.name, NAME);
    assert.equal(rule?.ruleType, 'FORWARD');
    assert.equal(rule?.resolverEndpointId, endpointId);
    assert.deepEqual(rule?.targetIps, [{ Ip: FORWARDER, Port: 53 }]);
    assert.ok(rule?.tags.some((t) => t.Key === 'managed-by' && t.Value === 'psc-bridge'));
    const record = (await bench.state())?.steps['create-rule'];
    assert.equal(record?.resources.resolverRule, rule?.id);
    assert.equal(record?.outputs.resolverRuleId, rule?.id);

    const mark = bench.mark();
    assert.equal(succeeded(await bench.apply(['create-rule']), 'create-rule').action, 'unchanged');
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('fails clearly when create-policy recorded no forwarder in the region', async () => {
    const { bench } = await awsBench();
    await readyForRule(bench);
    await seedPolicy(bench, { 'us-central1': ['10.0.0.2'] });
    const mark = bench.mark();
    const message = refused(await bench.apply(['create-rule']), 'create-rule', 'NO_FORWARDERS');
    assert.match(message, /no inbound DNS forwarder address in asia-northeast1/);
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('adopts a matching rule on the endpoint and keeps it on teardown', async () => {
    const { bench, aws } = await awsBench();
    const endpointId = await readyForRule(bench);
    const id = await handMade(aws, endpointId, FORWARDER);

    const outcome = succeeded(await bench.apply(['create-rule']), 'create-rule');
    assert.equal(outcome.action, 'adopted');
    assert.equal(outcome.resources.resolverRule, id);
    const torn = await bench.destroy(['create-rule']);
    assert.equal(succeeded(torn, 'create-rule').action, 'kept');
    assert.equal(googleRules(bench).length, 1);
  });

  test('refuses a googleapis.com. rule on the endpoint with other targets', async () => {
    const { bench, aws } = await awsBench();
    const endpointId = await readyForRule(bench);
    const id = await handMade(aws, endpointId, '10.146.0.9');
    const mark = bench.mark();

    const message = refused(await bench.apply(['create-rule']), 'create-rule');
    assert.match(message, new RegExp(`Resolver rule ${id}`));
    assert.match(message, /targetIps: expected 10\.146\.0\.3:53, found 10\.146\.0\.9:53/);
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('a run killed right after CreateResolverRule leaves one rule after the rerun', async () => {
    const { bench } = await awsBench();
    await readyForRule(bench);
    assert.equal((await bench.crashDuring('create-rule', 'CreateResolverRule')).killed, true);
    const crashed = (await bench.state())?.steps['create-rule'];
    const token = crashed?.tokens.create;
    assert.ok(token, 'the token reached the state before the call');
    assert.equal(crashed?.resources.resolverRule, undefined, 'killed before the state write');
    assert.equal(googleRules(bench).length, 1);

    const outcome = succeeded(await bench.apply(['create-rule']), 'create-rule');
    assert.equal(outcome.action, 'created');
    const rules = googleRules(bench);
    assert.equal(rules.length, 1);
    assert.equal(rules[0]?.creatorRequestId, token);
    assert.equal((await bench.state())?.steps['create-rule']?.ownership, 'created');
  });

  test('a lost CreateResolverRule answer: ResourceExistsException finds ours', async () => {
    const { bench } = await awsBench();
    await readyForRule(bench);
    const restore = loseFirstAnswer(await bench.services.resolver(), 'CreateResolverRuleCommand');
    try {
      const outcome = succeeded(await bench.apply(['create-rule']), 'create-rule');
      assert.equal(outcome.action, 'created');
      const creates = bench.world().calls.filter((c) => c.operation === 'CreateResolverRule');
      assert.deepEqual(
        creates.map((c) => `${c.status} ${c.error ?? ''}`),
        ['200 ', '400 ResourceExistsException'],
      );
      const rules = googleRules(bench);
      assert.equal(rules.length, 1);
      assert.equal(outcome.resources.resolverRule, rules[0]?.id);
      const record = (await bench.state())?.steps['create-rule'];
      assert.equal(rules[0]?.creatorRequestId, record?.tokens.create);
      assert.equal(record?.ownership, 'created');
    } finally {
      restore();
    }
  });

  test('teardown refuses while another VPC still uses the rule, naming it', async () => {
    const { bench, aws } = await awsBench();
    await readyForRule(bench);
    const ruleId = succeeded(await bench.apply(['create-rule']), 'create-rule').resources
      .resolverRule;
    const other = addVpc(bench);
    await aws.resolver.send(
      new AssociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: other }),
    );
    const mark = bench.mark();

    const message = refused(await bench.destroy(['create-rule']), 'create-rule', 'RULE_IN_USE');
    assert.match(message, new RegExp(`still associated with ${other}`));
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal(googleRules(bench).length, 1);
  });
});

/** create-rule applied on top of readyForRule; returns the rule id. */
async function readyToAssociate(bench: StepBench): Promise<string> {
  await readyForRule(bench);
  const outcome = succeeded(await bench.apply(['create-rule']), 'create-rule');
  return outcome.resources.resolverRule ?? '';
}

function associations(bench: StepBench, ruleId: string): RuleAssociation[] {
  return region(bench).ruleAssociations.filter(
    (a) => a.ruleId === ruleId && a.vpcId === SEED.vpcId,
  );
}

describe('associate', () => {
  test('associates the rule, waits for COMPLETE; a rerun changes nothing', async () => {
    const { bench, run } = await realisticBench(100);
    await seedPolicy(bench);
    const before = await run(['create-sg', 'create-resolver-endpoint', 'create-rule'], 'apply');
    const ruleId = succeeded(before, 'create-rule').resources.resolverRule ?? '';
    const progress: string[] = [];
    const outcome = succeeded(await run(['associate'], 'apply', progress), 'associate');
    assert.equal(outcome.action, 'created');

    const [association, ...others] = associations(bench, ruleId);
    assert.equal(others.length, 0);
    assert.equal(association?.status, 'COMPLETE');
    assert.equal(outcome.resources.association, association?.id);
    assert.match(progress[0] ?? '', /^associate: CREATING \d+s$/);
    assert.match(progress.at(-1) ?? '', /^associate: COMPLETE/);

    const mark = bench.mark();
    assert.equal(succeeded(await run(['associate'], 'apply'), 'associate').action, 'unchanged');
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('adopts an association made by hand and keeps it on teardown', async () => {
    const { bench, aws } = await awsBench();
    const ruleId = await readyToAssociate(bench);
    await aws.resolver.send(
      new AssociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: SEED.vpcId }),
    );
    const mark = bench.mark();

    assert.equal(succeeded(await bench.apply(['associate']), 'associate').action, 'adopted');
    assert.equal((await bench.state())?.steps.associate?.ownership, 'adopted');
    assert.equal(succeeded(await bench.destroy(['associate']), 'associate').action, 'kept');
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal(associations(bench, ruleId).length, 1);
  });

  test('refuses when another googleapis.com. rule is on the VPC, naming it', async () => {
    const { bench, aws } = await awsBench();
    await readyToAssociate(bench);
    const endpointId = (await bench.state())?.steps['create-resolver-endpoint']?.resources
      .resolverEndpoint;
    const other = await aws.resolver.send(
      new CreateResolverRuleCommand({
        CreatorRequestId: 'someone-else',
        Name: 'theirs',
        RuleType: 'FORWARD',
        DomainName: 'googleapis.com.',
        ResolverEndpointId: endpointId,
        TargetIps: [{ Ip: '10.9.9.9', Port: 53 }],
      }),
    );
    const otherId = other.ResolverRule?.Id ?? '';
    await aws.resolver.send(
      new AssociateResolverRuleCommand({ ResolverRuleId: otherId, VPCId: SEED.vpcId }),
    );
    const mark = bench.mark();

    const message = refused(await bench.apply(['associate']), 'associate');
    assert.match(message, new RegExp(`found ${otherId} \\(theirs, targets 10\\.9\\.9\\.9:53\\)`));
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('a run killed right after AssociateResolverRule leaves one association', async () => {
    const { bench } = await awsBench();
    const ruleId = await readyToAssociate(bench);
    assert.equal((await bench.crashDuring('associate', 'AssociateResolverRule')).killed, true);
    const crashed = (await bench.state())?.steps.associate;
    assert.ok(crashed?.tokens.create, 'the marker reached the state before the call');
    assert.equal(crashed?.resources.association, undefined, 'killed before the state write');
    assert.equal(associations(bench, ruleId).length, 1);
    const mark = bench.mark();

    const outcome = succeeded(await bench.apply(['associate']), 'associate');
    assert.equal(outcome.action, 'created');
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal(associations(bench, ruleId).length, 1);
    assert.equal((await bench.state())?.steps.associate?.ownership, 'created');
  });

  test('RSLVR-00802 after a retried call counts as done when the association is ours', async () => {
    const { bench } = await awsBench();
    const ruleId = await readyToAssociate(bench);
    // The first attempt reaches AWS but its answer is lost; the retry gets RSLVR-00802.
    const client = await bench.services.resolver();
    const restore = loseFirstAnswer(client, 'AssociateResolverRuleCommand');
    try {
      const outcome = succeeded(await bench.apply(['associate']), 'associate');
      assert.equal(outcome.action, 'created');
      const calls = bench.world().calls.filter((c) => c.operation === 'AssociateResolverRule');
      assert.deepEqual(
        calls.map((c) => c.status),
        [200, 400],
      );
      assert.equal(associations(bench, ruleId).length, 1);
      assert.equal(outcome.resources.association, associations(bench, ruleId)[0]?.id);
    } finally {
      restore();
    }
  });
});
