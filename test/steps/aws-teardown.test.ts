import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { describe, test } from 'node:test';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { StepId } from '../../src/steps/catalog.js';
import { eventually } from '../helpers/aws.js';
import {
  awsBench,
  GCP_SUBNET,
  mutations,
  realisticBench,
  region,
  seedPolicy,
  succeeded,
} from '../helpers/aws-steps.js';
import { configFile, gcloud } from '../helpers/gcloud.js';
import { PROJECT } from '../helpers/gcp.js';
import type { StepBench } from '../helpers/steps.js';
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

/** Asserts every `aws` call in the lines names the region (comment lines aside). */
function regionOnEveryCall(lines: string[]): void {
  for (const line of lines.filter((each) => !each.startsWith('#'))) {
    const calls = line.match(/\baws (ec2|route53resolver) /g)?.length ?? 0;
    const regions = line.match(/ --region ap-northeast-1\b/g)?.length ?? 0;
    assert.equal(regions, calls, line);
  }
}

/**
 * Runs the lines as one bash script with `set -euo pipefail`, the aws CLI (and gcloud, when
 * `gcloudConfig` is given) pointed at the sandbox and nothing else configured.
 */
async function pasted(lines: string[], url: string, gcloudConfig?: string): Promise<void> {
  const home = await tempDir();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  if (gcloudConfig !== undefined) {
    const dir = join(home, 'gcloud');
    await mkdir(join(dir, 'configurations'), { recursive: true });
    await writeFile(join(dir, 'active_config'), 'default');
    await writeFile(join(dir, 'configurations', 'config_default'), gcloudConfig);
    Object.assign(env, {
      CLOUDSDK_CONFIG: dir,
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      // Anything gcloud tries beyond the sandbox meets a dead loopback proxy.
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost',
    });
  }
  const script = ['set -euo pipefail', ...lines].join('\n');
  await new Promise<void>((resolve, reject) => {
    execFile('bash', ['-c', script], { env, timeout: 90_000 }, (error, _out, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    );
  });
}

/** A second subnet of the GCP network in the region: DNS must go to both. */
function addGcpSubnet(bench: StepBench): string {
  const project = bench.world().gcp.projects[PROJECT];
  assert.ok(project, 'the sandbox has the seed project');
  const cidr = '10.146.1.0/24';
  project.subnetworks['asia-northeast1/second-subnet'] = {
    id: '4242424242424242424',
    name: 'second-subnet',
    region: 'asia-northeast1',
    network: bench.config.gcpNetwork ?? '',
    createdAt: Date.now(),
    ipCidrRange: cidr,
    secondaryIpRanges: [],
    privateIpGoogleAccess: false,
  };
  return cidr;
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
    regionOnEveryCall(lines);
    assert.ok(lines.filter((line) => line.startsWith('while ')).length >= 2, 'waits for deletes');
    await pasted(lines, bench.sandbox.url);

    const world = region(bench);
    assert.deepEqual(world.ruleAssociations, []);
    assert.equal(world.resolverRules.length, 0);
    assert.equal(world.resolverEndpoints.length, 0);
    assert.deepEqual(
      world.securityGroups.map((g) => g.name),
      ['default'],
    );
  });

  test('commands() for setup, pasted into a shell, build what the steps adopt as is', {
    skip: gcloud ? false : 'needs gcloud',
  }, async () => {
    const { bench } = await awsBench();
    const second = addGcpSubnet(bench);
    const policy = await bench.apply(['enable-apis', 'create-policy']);
    succeeded(policy, 'create-policy');
    const forwarders = (await bench.state())?.steps['create-policy']?.outputs.forwarders;
    assert.equal((forwarders as Record<string, string[]>)['asia-northeast1']?.length, 2);
    const steps = await bench.steps(AWS_STEPS);
    const lines = steps.flatMap((step) => step.commands(bench.config, 'apply'));
    regionOnEveryCall(lines);
    await pasted(lines, bench.sandbox.url, configFile(bench.sandbox.url));

    // What the lines made is exactly what the steps want: each adopts it, changing nothing.
    const mark = bench.mark();
    const result = await bench.apply(AWS_STEPS);
    for (const id of AWS_STEPS) assert.equal(succeeded(result, id).action, 'adopted', id);
    assert.deepEqual(mutations(bench, mark), []);
    const group = region(bench).securityGroups.find(
      (g) => g.name === bench.config.securityGroupName,
    );
    const peers = new Set(group?.rules.map((rule) => rule.cidrIpv4));
    assert.deepEqual([...peers].sort(), [GCP_SUBNET, second]);
    const [rule] = region(bench).resolverRules;
    assert.equal(rule?.targetIps.length, 2, 'a forwarder in each subnet');
  });
});
