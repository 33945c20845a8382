import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, test } from 'node:test';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { StepId } from '../../src/steps/catalog.js';
import { eventually } from '../helpers/aws.js';
import { awsBench, realisticBench, region, seedPolicy, succeeded } from '../helpers/aws-steps.js';
import { tempDir } from '../helpers/temp.js';

const AWS_STEPS: StepId[] = ['create-sg', 'create-resolver-endpoint', 'create-rule', 'associate'];

describe('AWS teardown', () => {
  test('removes association, rule, endpoint, group in order, each after the last', async () => {
    const { bench, run } = await realisticBench(100);
    await seedPolicy(bench);
    const setup = await run(AWS_STEPS, 'apply');
    for (const id of AWS_STEPS) assert.equal(succeeded(setup, id).action, 'created');
    const mark = bench.mark();

    const progress: string[] = [];
    const result = await run(AWS_STEPS, 'destroy', progress);
    for (const id of AWS_STEPS) assert.equal(succeeded(result, id).action, 'deleted');

    const deletes = bench.mutatingSince(mark).map((call) => `${call.operation} ${call.status}`);
    assert.deepEqual(deletes, [
      'DisassociateResolverRule 200',
      'DeleteResolverRule 200',
      'DeleteResolverEndpoint 200',
      'DeleteSecurityGroup 200',
    ]);
    assert.ok(progress.some((line) => /^create-resolver-endpoint: DELETING/.test(line)));
    assert.ok(progress.some((line) => /^associate: DELETING/.test(line)));

    const world = region(bench);
    assert.equal(world.ruleAssociations.length, 0);
    assert.equal(world.resolverRules.length, 0);
    assert.equal(world.resolverEndpoints.length, 0);
    assert.equal(world.networkInterfaces.length, 0);
    assert.deepEqual(
      world.securityGroups.map((g) => g.name),
      ['default'],
    );
    const state = await bench.state();
    for (const id of AWS_STEPS) assert.deepEqual(state?.steps[id]?.resources, {});
  });

  test('retries DeleteSecurityGroup while a lingering interface holds the group', async () => {
    const { bench } = await awsBench();
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const groupId = (await bench.state())?.steps['create-sg']?.resources.securityGroup ?? '';
    // A resolver interface that outlives its endpoint for a while, as on AWS.
    region(bench).networkInterfaces.push({
      id: 'eni-0f1e2d3c4b5a69788',
      subnetId: SEED.subnetA.id,
      vpcId: SEED.vpcId,
      availabilityZone: SEED.subnetA.availabilityZone,
      privateIp: '10.128.1.20',
      macAddress: '02:00:00:00:00:01',
      groupIds: [groupId],
      description: 'Route 53 Resolver: rslvr-out-0a1b2c3d4e5f60718:rni-0a1b2c3d4e5f60718',
      status: 'in-use',
      requesterId: 'route53resolver.amazonaws.com',
      tags: [],
    });
    const mark = bench.mark();
    const refusals = () =>
      bench.callsSince(mark).filter((call) => call.error === 'DependencyViolation').length;

    const destroying = bench.destroy(['create-sg']);
    await eventually(async () => (refusals() >= 2 ? true : undefined), 5_000, 1);
    const world = region(bench);
    world.networkInterfaces = world.networkInterfaces.filter((eni) => eni.groupIds.length === 0);
    const result = await destroying;

    assert.equal(succeeded(result, 'create-sg').action, 'deleted');
    const attempts = bench
      .callsSince(mark)
      .filter((call) => call.operation === 'DeleteSecurityGroup')
      .map((call) => call.error ?? 'ok');
    assert.deepEqual(new Set(attempts.slice(0, -1)), new Set(['DependencyViolation']));
    assert.ok(attempts.length >= 3, attempts.join(', '));
    assert.equal(attempts.at(-1), 'ok');
    assert.equal(world.securityGroups.filter((g) => g.id === groupId).length, 0);
  });
});

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

const skip = onPath('aws') && onPath('bash') ? false : 'needs the aws CLI and bash on PATH';

describe('the aws lines `plan` shows', { skip }, () => {
  test('commands() for teardown, pasted into a shell, remove what setup made', async () => {
    const { bench } = await awsBench();
    await seedPolicy(bench);
    const setup = await bench.apply(AWS_STEPS);
    for (const id of AWS_STEPS) succeeded(setup, id);

    const steps = await bench.steps([...AWS_STEPS].reverse());
    const lines = steps.flatMap((step) => step.commands(bench.config, 'destroy'));
    for (const line of lines) assert.match(line, /--region ap-northeast-1\)?$/);
    const home = await tempDir();
    await new Promise<void>((resolve, reject) => {
      const env = {
        PATH: process.env.PATH,
        HOME: home,
        AWS_ENDPOINT_URL: bench.sandbox.url,
        AWS_ACCESS_KEY_ID: 'sandbox',
        AWS_SECRET_ACCESS_KEY: 'sandbox',
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      };
      const script = ['set -euo pipefail', ...lines].join('\n');
      execFile('bash', ['-c', script], { env, timeout: 60_000 }, (error, _out, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
      );
    });

    const world = region(bench);
    assert.deepEqual(world.ruleAssociations, []);
    assert.equal(world.resolverRules.length, 0);
    assert.equal(world.resolverEndpoints.length, 0);
    assert.deepEqual(
      world.securityGroups.map((g) => g.name),
      ['default'],
    );
  });
});
