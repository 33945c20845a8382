import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CreateResolverEndpointCommand } from '@aws-sdk/client-route53resolver';
import { cloudServices } from '../../src/cloud/clients.js';
import { CloudError } from '../../src/errors.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { ResolverEndpoint } from '../../src/sandbox/aws/world.js';
import type { AwsClients } from '../helpers/aws.js';
import {
  awsBench,
  loseFirstAnswer,
  mutations,
  outcomeOf,
  realisticBench,
  refused,
  region,
  runWith,
  succeeded,
} from '../helpers/aws-steps.js';
import { RUNBOOK, type StepBench } from '../helpers/steps.js';

const NAME = RUNBOOK.resolverEndpointName ?? '';
const SUBNETS = [SEED.subnetA.id, SEED.subnetC.id];

function endpointsNamed(bench: StepBench): ResolverEndpoint[] {
  return region(bench).resolverEndpoints.filter((e) => e.name === NAME);
}

function groupId(bench: StepBench): string {
  const id = region(bench).securityGroups.find((g) => g.name === RUNBOOK.securityGroupName)?.id;
  assert.ok(id, 'create-sg made its group');
  return id;
}

async function handMade(aws: AwsClients, groupIds: string[], subnets: string[]) {
  const made = await aws.resolver.send(
    new CreateResolverEndpointCommand({
      CreatorRequestId: `by-hand-${Date.now()}`,
      Name: NAME,
      Direction: 'OUTBOUND',
      SecurityGroupIds: groupIds,
      IpAddresses: subnets.map((SubnetId) => ({ SubnetId })),
    }),
  );
  return made.ResolverEndpoint?.Id ?? '';
}

describe('create-resolver-endpoint', () => {
  test('creates an OUTBOUND endpoint in both subnets; a rerun changes nothing', async () => {
    const { bench } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const result = await bench.apply(['create-resolver-endpoint']);
    const outcome = succeeded(result, 'create-resolver-endpoint');
    assert.equal(outcome.action, 'created');
    assert.deepEqual(outcome.notes, [], 'two zones: no warning');

    const [endpoint, ...others] = endpointsNamed(bench);
    assert.equal(others.length, 0);
    assert.equal(endpoint?.direction, 'OUTBOUND');
    assert.equal(endpoint?.status, 'OPERATIONAL');
    assert.equal(endpoint?.hostVpcId, SEED.vpcId);
    assert.deepEqual(endpoint?.securityGroupIds, [groupId(bench)]);
    assert.deepEqual(endpoint?.ipAddresses.map((ip) => ip.subnetId).sort(), SUBNETS.sort());
    assert.ok(endpoint?.tags.some((t) => t.Key === 'managed-by' && t.Value === 'psc-bridge'));
    const record = (await bench.state())?.steps['create-resolver-endpoint'];
    assert.equal(record?.resources.resolverEndpoint, endpoint?.id);
    assert.equal(record?.tokens.create, endpoint?.creatorRequestId);
    assert.deepEqual(
      record?.outputs.ips,
      endpoint?.ipAddresses.map((ip) => ip.ip),
    );

    const mark = bench.mark();
    const again = await bench.apply(['create-resolver-endpoint']);
    assert.equal(succeeded(again, 'create-resolver-endpoint').action, 'unchanged');
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('adopts a matching endpoint made by hand and keeps it on teardown', async () => {
    const { bench, aws } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const id = await handMade(aws, [groupId(bench)], SUBNETS);

    const outcome = succeeded(
      await bench.apply(['create-resolver-endpoint']),
      'create-resolver-endpoint',
    );
    assert.equal(outcome.action, 'adopted');
    assert.equal(outcome.resources.resolverEndpoint, id);
    assert.equal((await bench.state())?.steps['create-resolver-endpoint']?.ownership, 'adopted');

    const mark = bench.mark();
    const torn = await bench.destroy(['create-resolver-endpoint']);
    assert.equal(succeeded(torn, 'create-resolver-endpoint').action, 'kept');
    assert.deepEqual(mutations(bench, mark), []);
    assert.equal(endpointsNamed(bench).length, 1);
  });

  test('refuses a same-named endpoint with another group and subnets, showing both', async () => {
    const { bench, aws } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    await handMade(aws, [SEED.defaultSecurityGroupId], [SEED.subnetA.id, SEED.subnetA.id]);
    const mark = bench.mark();

    const message = refused(
      await bench.apply(['create-resolver-endpoint']),
      'create-resolver-endpoint',
    );
    assert.match(
      message,
      new RegExp(
        `securityGroups: expected ${groupId(bench)}, found ${SEED.defaultSecurityGroupId}`,
      ),
    );
    assert.match(
      message,
      new RegExp(`subnets: expected ${SUBNETS.sort().join(', ')}, found ${SEED.subnetA.id}$`, 'm'),
    );
    assert.deepEqual(mutations(bench, mark), []);
  });

  test('a run killed after CreateResolverEndpoint leaves one endpoint', async () => {
    const { bench } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const crash = await bench.crashDuring('create-resolver-endpoint', 'CreateResolverEndpoint');
    assert.equal(crash.killed, true);
    const crashed = (await bench.state())?.steps['create-resolver-endpoint'];
    assert.ok(crashed?.tokens.create);
    assert.equal(crashed?.resources.resolverEndpoint, undefined);

    const outcome = succeeded(
      await bench.apply(['create-resolver-endpoint']),
      'create-resolver-endpoint',
    );
    assert.equal(outcome.action, 'created');
    const endpoints = endpointsNamed(bench);
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0]?.creatorRequestId, crashed?.tokens.create);
    assert.equal((await bench.state())?.steps['create-resolver-endpoint']?.ownership, 'created');
  });

  test('a lost CreateResolverEndpoint answer: ResourceExistsException finds ours', async () => {
    const { bench } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const client = await bench.services.resolver();
    const restore = loseFirstAnswer(client, 'CreateResolverEndpointCommand');
    try {
      const outcome = succeeded(
        await bench.apply(['create-resolver-endpoint']),
        'create-resolver-endpoint',
      );
      assert.equal(outcome.action, 'created');
      const creates = bench.world().calls.filter((c) => c.operation === 'CreateResolverEndpoint');
      assert.deepEqual(
        creates.map((c) => `${c.status} ${c.error ?? ''}`),
        ['200 ', '400 ResourceExistsException'],
      );
      const endpoints = endpointsNamed(bench);
      assert.equal(endpoints.length, 1);
      assert.equal(outcome.resources.resolverEndpoint, endpoints[0]?.id);
      const record = (await bench.state())?.steps['create-resolver-endpoint'];
      assert.equal(endpoints[0]?.creatorRequestId, record?.tokens.create);
      assert.equal(record?.ownership, 'created');
    } finally {
      restore();
    }
  });

  test('ACTION_NEEDED that clears within the grace period ends OPERATIONAL, created', async () => {
    const { bench } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    // The sandbox leaves an endpoint in ACTION_NEEDED for good; the test plays the service
    // recovering: after the step has read ACTION_NEEDED twice, the endpoint turns OPERATIONAL.
    bench.world().aws.knobs.endpointActionNeeded = true;
    let stuckReads = 0;
    bench.killOn = (call) => {
      const [endpoint] = endpointsNamed(bench);
      if (call.operation !== 'GetResolverEndpoint' || endpoint?.status !== 'ACTION_NEEDED') return;
      stuckReads += 1;
      if (stuckReads < 2) return;
      endpoint.status = 'OPERATIONAL';
      endpoint.statusMessage = 'This Resolver Endpoint is operational.';
    };
    // Polling at 1/100 of real time: a grace period of 3 s, far longer than two reads.
    const url = bench.sandbox.url;
    const services = cloudServices(bench.config, { gcp: url, aws: url }, undefined, 0.01);
    const progress: string[] = [];
    const { config, statePath } = bench;
    const result = await runWith(
      services,
      config,
      statePath,
      ['create-resolver-endpoint'],
      'apply',
      progress,
    );
    bench.killOn = undefined;

    const outcome = succeeded(result, 'create-resolver-endpoint');
    assert.equal(outcome.action, 'created');
    const statuses = progress.map((line) => line.split(' ')[1]);
    assert.deepEqual(statuses, ['ACTION_NEEDED', 'ACTION_NEEDED', 'OPERATIONAL']);
    assert.equal(endpointsNamed(bench)[0]?.status, 'OPERATIONAL');
  });

  test('warns when every subnet is in one availability zone', async () => {
    const sameZone = 'subnet-0a1a2a3a4a5a6a7a8';
    const { bench } = await awsBench({ config: { subnetIds: [SEED.subnetA.id, sameZone] } });
    region(bench).subnets.push({
      id: sameZone,
      vpcId: SEED.vpcId,
      cidr: '10.128.3.0/24',
      availabilityZone: SEED.subnetA.availabilityZone,
      tags: [],
    });
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const outcome = succeeded(
      await bench.apply(['create-resolver-endpoint']),
      'create-resolver-endpoint',
    );
    assert.match(outcome.notes.join('\n'), /All the endpoint's subnets are in ap-northeast-1a/);
  });

  test('fails with each address status when the endpoint stays ACTION_NEEDED', async () => {
    const { bench } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    bench.world().aws.knobs.endpointActionNeeded = true;
    const progress: string[] = [];
    const result = await bench.apply(['create-resolver-endpoint'], { progress });
    const { error } = outcomeOf(result, 'create-resolver-endpoint');
    assert.ok(error instanceof CloudError, String(error));
    assert.equal(error.code, 'ENDPOINT_ACTION_NEEDED');
    for (const subnet of SUBNETS)
      assert.match(error.message, new RegExp(`${subnet} [\\d.]+: FAILED_CREATION`));
    assert.ok(
      progress.filter((line) => line.includes('ACTION_NEEDED')).length > 1,
      'kept watching',
    );
    assert.ok(error.hint?.includes('--destroy'));
  });

  test('reports CREATING then OPERATIONAL with realistic latency', async () => {
    const { run } = await realisticBench(200);
    succeeded(await run(['create-sg'], 'apply'), 'create-sg');
    const progress: string[] = [];
    const result = await run(['create-resolver-endpoint'], 'apply', progress);
    succeeded(result, 'create-resolver-endpoint');
    const statuses = progress.map((line) =>
      line.replace(/^create-resolver-endpoint: (\S+) .*$/, '$1'),
    );
    assert.equal(statuses[0], 'CREATING');
    assert.equal(statuses.at(-1), 'OPERATIONAL');
    assert.ok(statuses.filter((s) => s === 'CREATING').length >= 2, progress.join('\n'));
    assert.match(progress[0] ?? '', /^create-resolver-endpoint: CREATING \d+s$/);
  });
});
