import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));

describe('--verbose', () => {
  test('shows each API call, GCP and AWS, on stderr only', async () => {
    const cwd = await tempDir('psc-bridge-verbose-');
    await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
    const args = ['--sandbox', '--config', 'runbook.json', '--yes', '--verbose'];

    const gcp = await runCli(['enable-apis', ...args], { cwd });
    assert.equal(gcp.code, 0, gcp.stderr);
    assert.match(gcp.stderr, /^gcp serviceusage\.\S+ \S+ ok \(\d+ ms\)$/m);
    assert.doesNotMatch(gcp.stdout, /^(gcp|aws) /m, 'no call trace on stdout');
    assert.match(gcp.stdout, /^enable-apis:\n/, 'stdout holds only the step result');

    const aws = await runCli(['create-sg', ...args], { cwd });
    assert.equal(aws.code, 0, aws.stderr);
    assert.match(aws.stderr, /^aws CreateSecurityGroup ok \(\d+ ms\)$/m);
    assert.doesNotMatch(aws.stdout, /^(gcp|aws) /m, 'no call trace on stdout');
    assert.match(aws.stdout, /^create-sg:\n/, 'stdout holds only the step result');
  });
});
