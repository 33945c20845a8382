import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { World } from '../../src/sandbox/types.js';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const DRIVER = fileURLToPath(new URL('../helpers/pty-drive.py', import.meta.url));
const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

/** Runs psc-bridge on a pseudo-terminal, answering each prompt once it is drawn. */
function answering(
  cwd: string,
  args: string[],
  steps: [prompt: string, keys: string][],
): Promise<{ code: number; screen: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.CI;
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      [DRIVER, '120', JSON.stringify(steps), '--', process.execPath, BIN, ...args],
      { cwd, env, timeout: 90_000, maxBuffer: 1024 * 1024 },
      (error, stdout) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, screen: stdout });
      },
    );
  });
}

describe('interactive prompts on a terminal (sandbox)', {
  skip: hasPython ? false : 'python3 with pty is not installed: no terminal to drive',
}, () => {
  test('missing values are asked for, offering what the clouds hold, before any step', async () => {
    const cwd = await tempDir('psc-bridge-prompts-');

    const first = await answering(
      cwd,
      ['enable-apis', '--sandbox'],
      [
        ['\\? GCP project id', '\r'], // the discovered project is offered first
        ['\\? Run enable-apis', 'y\r'],
      ],
    );
    assert.equal(first.code, 0, first.screen);
    assert.match(first.screen, /❯ psc-bridge-sandbox/);
    assert.match(first.screen, /✓ enable-apis +created/);

    const second = await answering(
      cwd,
      ['create-sg', '--sandbox'],
      [
        ['\\? GCP region', '\r'],
        ['\\? GCP VPC network', '\r'],
        ['\\? AWS region', 'ap-northeast-1\r'],
        ['\\? AWS VPC', '\r'],
        ['\\? Run create-sg', 'y\r'],
      ],
    );
    assert.equal(second.code, 0, second.screen);
    assert.doesNotMatch(second.screen, /GCP project id/, 'the project came from the state');
    assert.match(second.screen, /❯ asia-northeast1/);
    assert.match(second.screen, /❯ aws-vpn-test-vpc/);
    assert.match(
      second.screen,
      /❯ vpc-028bdb0ee3a9213b4 10\.128\.0\.0\/20 \(bigquery_vpn_test-vpc\)/,
    );
    assert.match(
      second.screen,
      /create-sg +Create the resolver endpoint security group: will create/,
    );
    const asked = second.screen.lastIndexOf('? Run create-sg');
    assert.ok(asked >= 0 && asked < second.screen.indexOf('✓ create-sg'), 'asked before it ran');

    const world = JSON.parse(
      await readFile(join(cwd, '.psc-bridge-sandbox', 'world.json'), 'utf8'),
    ) as World;
    const groups = world.aws.regions['ap-northeast-1']?.securityGroups ?? [];
    assert.ok(
      groups.some((group) => group.name === 'psc-bridge-resolver'),
      'the default name',
    );
  });
});
