import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STEP_IDS } from '../../src/steps/catalog.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));
const SANDBOX = ['--sandbox', '--config', 'runbook.json', '--yes'];

interface StepJson {
  ok: boolean;
  steps: {
    id: string;
    action: string;
    durationMs: number;
    resources: Record<string, string>;
    outputs?: Record<string, unknown>;
  }[];
}

describe('each step subcommand on its own', () => {
  test('runs in dependency order, one JSON document each, then --destroy in reverse', async () => {
    const cwd = await tempDir('psc-bridge-steps-');
    await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
    for (const id of STEP_IDS) {
      const result = await runCli([id, ...SANDBOX, '--json'], { cwd });
      assert.equal(result.code, 0, `${id}: ${result.stderr}`);
      const json = JSON.parse(result.stdout) as StepJson;
      assert.equal(json.ok, true, id);
      assert.deepEqual(
        json.steps.map((s) => [s.id, s.action]),
        [[id, id === 'advertise-route' ? 'updated' : 'created']],
      );
      assert.ok(Number.isInteger(json.steps[0]?.durationMs), id);
      if (id === 'create-psc') {
        assert.deepEqual(json.steps[0]?.outputs, {
          endpoint: 'awsconnpscep',
          pscIp: '10.164.128.1',
        });
      }
      if (id === 'create-policy') {
        assert.deepEqual(json.steps[0]?.outputs?.forwarders, { 'asia-northeast1': ['10.146.0.3'] });
      }
    }
    for (const id of [...STEP_IDS].reverse()) {
      const result = await runCli([id, '--destroy', ...SANDBOX, '--json'], { cwd });
      assert.equal(result.code, 0, `${id} --destroy: ${result.stderr}`);
      const json = JSON.parse(result.stdout) as StepJson;
      const expected = { 'enable-apis': 'kept', 'advertise-route': 'restored' }[id as string];
      assert.deepEqual(
        json.steps.map((s) => [s.id, s.action]),
        [[id, expected ?? 'deleted']],
      );
    }
  });

  test('without --json, a step ends with its ids and outputs on stdout', async () => {
    const cwd = await tempDir('psc-bridge-step-out-');
    await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
    for (const id of ['enable-apis', 'create-psc']) {
      const result = await runCli([id, ...SANDBOX], { cwd });
      assert.equal(result.code, 0, result.stderr);
      if (id === 'create-psc') {
        assert.match(result.stdout, /^create-psc:$/m);
        assert.match(result.stdout, /^ +pscIp +10\.164\.128\.1$/m);
        assert.match(result.stdout, /^ +endpoint +awsconnpscep$/m);
      }
    }
  });

  test('a reader that goes away (| true) ends the run quietly, exit 0', async () => {
    const cwd = await tempDir('psc-bridge-pipe-');
    await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
    const line = [process.execPath, BIN, 'plan', ...SANDBOX].join(' ');
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>(
      (resolve, reject) => {
        execFile(
          'bash',
          ['-o', 'pipefail', '-c', `${line} | true`],
          { cwd, timeout: 60_000 },
          (error, out, err) =>
            error ? reject(Object.assign(error, { err })) : resolve({ stdout: out, stderr: err }),
        );
      },
    );
    assert.equal(stdout, '');
    assert.doesNotMatch(stderr, /EPIPE|at /);
  });
});
