import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { STEP_IDS } from '../../src/steps/catalog.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const FULL = [
  '--gcp-project',
  'psc-bridge-sandbox',
  '--gcp-region',
  'asia-northeast1',
  '--gcp-network',
  'aws-vpn-test-vpc',
  '--gcp-router',
  'aws-vpn-test-connect-aws-router',
  '--psc-ip',
  '10.164.128.1',
  '--aws-region',
  'ap-northeast-1',
  '--vpc-id',
  'vpc-028bdb0ee3a9213b4',
  '--subnet-ids',
  'subnet-03e945e9c28079b4f,subnet-0a1b2c3d4e5f60718',
];

describe('CLI surface', () => {
  test('--help lists every command and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    for (const name of ['setup', 'teardown', 'status', 'plan', 'verify', 'sandbox', ...STEP_IDS]) {
      assert.match(stdout, new RegExp(`^  ${name} `, 'm'), name);
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const { code, stdout } = await runCli(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), pkg.version);
  });

  test('each step subcommand has help with its flags and examples', async () => {
    const { code, stdout } = await runCli(['create-psc', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--psc-ip <ipv4>/);
    assert.match(stdout, /Needs: enable-apis/);
    assert.match(stdout, /Examples:/);
    assert.doesNotMatch(stdout, /--vpc-id/, 'only the values this step reads');
  });

  test('setup --yes with no values exits 2 naming each missing flag, no file made', async () => {
    const cwd = await tempDir();
    const { code, stderr, stdout } = await runCli(['setup', '--yes'], { cwd });
    assert.equal(code, 2);
    assert.equal(stdout, '');
    for (const flag of [
      '--gcp-project',
      '--gcp-region',
      '--gcp-network',
      '--gcp-router',
      '--psc-ip',
      '--aws-region',
      '--vpc-id',
      '--subnet-ids',
    ]) {
      assert.match(stderr, new RegExp(`${flag} `), flag);
    }
    assert.deepEqual(await readdir(cwd), []);
  });

  for (const [flag, value, rule] of [
    [
      '--psc-endpoint',
      'AWS-Conn',
      /--psc-endpoint \(gcp\.pscEndpoint\): "AWS-Conn" is not valid: 1-20 lowercase/,
    ],
    ['--psc-ip', '10.1.2', /--psc-ip \(gcp\.pscIp\): "10\.1\.2" is not valid: an IPv4 address/],
    [
      '--subnet-ids',
      'subnet-a',
      /--subnet-ids \(aws\.subnetIds\): subnet-a is not valid: at least two/,
    ],
  ] as const) {
    test(`${flag} ${value} exits 2 naming the field and the rule`, async () => {
      const cwd = await tempDir();
      const args = ['setup', '--yes', ...FULL, flag, value];
      const { code, stderr } = await runCli(args, { cwd });
      assert.equal(code, 2, stderr);
      assert.match(stderr, rule);
      assert.deepEqual(await readdir(cwd), []);
    });
  }

  test('with --json an early failure is still one JSON document on stdout', async () => {
    const cwd = await tempDir();
    const { code, stdout } = await runCli(['setup', '--yes', '--json'], { cwd });
    assert.equal(code, 2);
    const json = JSON.parse(stdout) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(json.ok, false);
    assert.equal(json.error.code, 'MISSING_VALUES');
    assert.match(json.error.message, /--gcp-project/);
  });

  test('a config file with an unknown key exits 2 naming its path', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'c.json'), JSON.stringify({ gcp: { projectId: 'x' } }));
    const { code, stderr } = await runCli(['setup', '--yes', '--config', 'c.json'], { cwd });
    assert.equal(code, 2);
    assert.match(stderr, /gcp\.projectId: unknown key/);
  });

  test('an unknown option is a usage error (exit 2)', async () => {
    const { code, stderr } = await runCli(['setup', '--gcp-projekt', 'x']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown option '--gcp-projekt'/);
  });

  test('a step whose needs are not done says which and how to run them', async () => {
    const cwd = await tempDir();
    const { code, stderr } = await runCli(['create-psc', '--yes', ...FULL], { cwd });
    assert.equal(code, 2);
    assert.match(stderr, /create-psc needs enable-apis to be done first/);
    assert.match(stderr, /psc-bridge enable-apis/);
  });

  test('teardown without a terminal and without --yes asks for --yes', async () => {
    const cwd = await tempDir();
    const { code, stderr } = await runCli(['teardown', '--sandbox', ...FULL], { cwd });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /needs a confirmation, but there is no terminal/);
    assert.match(stderr, /Pass --yes to confirm/);
  });
});
