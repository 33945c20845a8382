import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateSecurityGroupCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateResolverEndpointCommand } from '@aws-sdk/client-route53resolver';
import { SEED } from '../../src/sandbox/aws/seed.js';
import { awsClients, RUNBOOK, rejectsWith } from '../helpers/aws.js';
import { findAws } from '../helpers/aws-cli.js';
import { runCli } from '../helpers/cli.js';
import { configFile, gcloud } from '../helpers/gcloud.js';
import { type ServedSandbox, serveSandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const aws = findAws();

/**
 * `psc-bridge sandbox serve` as a user runs it: the printed environment lines point the real
 * aws and gcloud CLIs at it, what they make lands in the world file, and `sandbox show --json`
 * lists it afterwards.
 */
describe('sandbox serve with the real CLIs', {
  skip: aws || gcloud ? false : 'neither the aws CLI nor gcloud is installed: skipped',
}, () => {
  test('what the CLIs make is in `sandbox show --json`', async () => {
    const served = await serveSandbox();
    try {
      if (aws) await awsCreatesGroup(served);
      if (gcloud) await gcloudEnables(served);
    } finally {
      await served.close();
    }

    const json = await served.show();
    const names = (cloud: 'gcp' | 'aws') => Object.values(json.resources[cloud]).flat();
    if (aws) {
      assert.ok(names('aws').includes('serve-contract-sg'), JSON.stringify(json.resources.aws));
      assert.ok(json.calls.some((c) => c.operation === 'CreateSecurityGroup' && c.mutating));
    }
    if (gcloud) {
      const enabled = json.calls.filter((c) => c.service === 'serviceusage' && c.mutating);
      assert.ok(enabled.length > 0, 'gcloud services enable reached the sandbox');
    }
  });
});

describe('sandbox serve flags', () => {
  test('--faults 1: every call answers a transient error, logged as injected', async () => {
    const served = await serveSandbox(['--faults', '1']);
    const clients = await awsClients(served.url, 1);
    try {
      await rejectsWith(clients.ec2.send(new DescribeVpcsCommand({})), 'RequestLimitExceeded');
    } finally {
      clients.close();
      await served.close();
    }
    const { calls } = await served.show();
    assert.deepEqual(
      calls.map((c) => [c.operation, c.status, c.error, c.injected]),
      [['DescribeVpcs', 503, 'RequestLimitExceeded', true]],
    );
  });

  test('--latency realistic --speed 10: a new resolver endpoint is CREATING first', async () => {
    const served = await serveSandbox(['--latency', 'realistic', '--speed', '10']);
    const clients = await awsClients(served.url, 1);
    try {
      const group = await clients.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: RUNBOOK.sgName,
          Description: RUNBOOK.sgDescription,
          VpcId: SEED.vpcId,
        }),
      );
      const created = await clients.resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: 'serve-flags',
          Name: RUNBOOK.endpointName,
          SecurityGroupIds: [group.GroupId ?? ''],
          Direction: 'OUTBOUND',
          IpAddresses: RUNBOOK.ips.map((Ip) => ({ SubnetId: SEED.subnetA.id, Ip })),
        }),
      );
      assert.equal(created.ResolverEndpoint?.Status, 'CREATING');
    } finally {
      clients.close();
      await served.close();
    }
    const { calls } = await served.show();
    const create = calls.find((c) => c.operation === 'CreateResolverEndpoint');
    // Minutes on the real service, divided by 10: still many seconds of modelled work.
    assert.ok((create?.workMs ?? 0) >= 5_000, `modelled work: ${create?.workMs} ms`);
  });

  test('`sandbox show` lists a request no emulated API claims', async () => {
    const served = await serveSandbox();
    try {
      const answer = await fetch(`${served.url}/storage/v1/b`);
      assert.equal(answer.status, 404);
    } finally {
      await served.close();
    }
    const shown = await runCli(['sandbox', 'show'], { cwd: served.cwd });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /CALLS \(1\)\n.* read {2}unknown GET \/storage\/v1\/b \(no emulated API\) 404 notEmulated/,
    );
  });

  test('a bad flag value is refused with a message naming the flag', async () => {
    const cwd = await tempDir('psc-bridge-serve-');
    const refused = await runCli(['sandbox', 'serve', '--speed', '0'], { cwd });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--speed must be a number from/);
  });
});

async function awsCreatesGroup(served: ServedSandbox): Promise<void> {
  const env = {
    PATH: process.env.PATH,
    HOME: served.cwd,
    AWS_CONFIG_FILE: join(served.cwd, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(served.cwd, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...served.env,
  };
  const args = ['ec2', 'create-security-group', '--group-name', 'serve-contract-sg'];
  args.push('--description', 'made by the serve contract test', '--vpc-id', SEED.vpcId);
  const { stdout } = await run(aws ?? 'aws', [...args, '--output', 'json'], {
    env,
    timeout: 60_000,
  });
  assert.match(stdout, /"GroupId": "sg-[0-9a-f]+"/);
}

async function gcloudEnables(served: ServedSandbox): Promise<void> {
  const config = join(served.cwd, 'gcloud');
  await mkdir(join(config, 'configurations'), { recursive: true });
  await writeFile(join(config, 'active_config'), 'default');
  await writeFile(join(config, 'configurations', 'config_default'), configFile(served.url));
  const env = {
    PATH: process.env.PATH,
    HOME: served.cwd,
    CLOUDSDK_CONFIG: config,
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
  };
  await run(gcloud ?? 'gcloud', ['services', 'enable', 'dns.googleapis.com'], {
    env,
    cwd: served.cwd,
    timeout: 90_000,
  });
}
