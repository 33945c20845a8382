import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { findAws } from '../helpers/aws-cli.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { configFile, gcloud } from '../helpers/gcloud.js';
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
    const cwd = await tempDir('psc-bridge-serve-');
    const serve = spawnCli(['sandbox', 'serve', '--port', '0'], { cwd });
    try {
      const url = await endpointFrom(serve.child.stdout);
      if (aws) await awsCreatesGroup(cwd, url);
      if (gcloud) await gcloudEnables(cwd, url);
    } finally {
      serve.child.kill('SIGINT');
    }
    const stopped = await serve.done;
    assert.equal(stopped.code, 0, stopped.stderr);

    const shown = await runCli(['sandbox', 'show', '--json'], { cwd });
    assert.equal(shown.code, 0, shown.stderr);
    const json = JSON.parse(shown.stdout) as {
      resources: Record<string, Record<string, string[]>>;
      calls: { service: string; operation: string; mutating: boolean }[];
    };
    const names = (cloud: string) => Object.values(json.resources[cloud] ?? {}).flat();
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

function endpointFrom(stdout: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no endpoint line in: ${text}`)), 30_000);
    stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /^export AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
}

async function awsCreatesGroup(cwd: string, url: string): Promise<void> {
  const env = {
    PATH: process.env.PATH,
    HOME: cwd,
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_DEFAULT_REGION: 'ap-northeast-1',
    AWS_CONFIG_FILE: join(cwd, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const args = ['ec2', 'create-security-group', '--group-name', 'serve-contract-sg'];
  args.push(
    '--description',
    'made by the serve contract test',
    '--vpc-id',
    'vpc-028bdb0ee3a9213b4',
  );
  const { stdout } = await run(aws ?? 'aws', [...args, '--output', 'json'], {
    env,
    timeout: 60_000,
  });
  assert.match(stdout, /"GroupId": "sg-[0-9a-f]+"/);
}

async function gcloudEnables(cwd: string, url: string): Promise<void> {
  const config = join(cwd, 'gcloud');
  await mkdir(join(config, 'configurations'), { recursive: true });
  await writeFile(join(config, 'active_config'), 'default');
  await writeFile(join(config, 'configurations', 'config_default'), configFile(url));
  const env = {
    PATH: process.env.PATH,
    HOME: cwd,
    CLOUDSDK_CONFIG: config,
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
  };
  await run(gcloud ?? 'gcloud', ['services', 'enable', 'dns.googleapis.com'], {
    env,
    cwd,
    timeout: 90_000,
  });
}
