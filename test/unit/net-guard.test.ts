import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const guarded = process.env.PSC_BRIDGE_NET_GUARD_LOG !== undefined;

/**
 * The suite's promise that no test leaves this machine rests on test/helpers/net-guard.mjs being
 * loaded into every Node process: these tests show it is, and that it stops what it should.
 * Each points the guard's log at its own file, so the deliberate attempts do not fail the run.
 */
describe('net guard', {
  skip: guarded ? false : 'not started through test/run.mjs (npm test): no guard loaded',
}, () => {
  test('this test process refuses TCP, UDP and DNS beyond loopback', async () => {
    const log = join(await tempDir('psc-bridge-guard-'), 'refused.log');
    const shared = process.env.PSC_BRIDGE_NET_GUARD_LOG;
    process.env.PSC_BRIDGE_NET_GUARD_LOG = log;
    try {
      await assert.rejects(fetch('http://10.164.128.1/generate_204'));
      const { promises: dns } = await import('node:dns');
      await assert.rejects(dns.lookup('bigquery.googleapis.com'), /net-guard/);
      const dgram = await import('node:dgram');
      const socket = dgram.createSocket('udp4');
      assert.throws(() => socket.send(Buffer.from('x'), 53, '10.128.1.16'), /net-guard/);
      socket.close();
    } finally {
      process.env.PSC_BRIDGE_NET_GUARD_LOG = shared;
    }
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((line) => line.split(' refused')[0]),
      [
        'TCP connection to 10.164.128.1:80',
        'DNS lookup to bigquery.googleapis.com',
        'UDP datagram to 10.128.1.16',
      ],
    );
  });

  test('a psc-bridge child in cloud mode is stopped before its first packet leaves', async () => {
    const cwd = await tempDir('psc-bridge-guard-cli-');
    const log = join(cwd, 'refused.log');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: cwd,
      PSC_BRIDGE_NET_GUARD_LOG: log,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
    };
    for (const name of ['AWS_ENDPOINT_URL', 'PSC_BRIDGE_GCP_ENDPOINT', 'AWS_PROFILE']) {
      delete env[name];
    }
    // Every value valid, so the run gets as far as its first cloud call: the GCP network's
    // subnets (create-sg needs their CIDR), through Application Default Credentials.
    const args = ['create-sg', '--gcp-project', 'guard-project', '--gcp-region', 'asia-northeast1'];
    args.push('--gcp-network', 'aws-vpn-test-vpc', '--aws-region', 'ap-northeast-1');
    args.push('--vpc-id', 'vpc-028bdb0ee3a9213b4', '--yes');
    const failed = await run(process.execPath, [BIN, ...args], { cwd, env, timeout: 60_000 }).then(
      () => assert.fail('a cloud-mode run cannot succeed here'),
      (error: { code?: number; stderr?: string }) => error,
    );
    assert.equal(failed.code, 1, failed.stderr);
    const refused = await readFile(log, 'utf8');
    assert.match(refused, /(metadata\.google\.internal|googleapis\.com|amazonaws\.com)/);
    assert.match(failed.stderr ?? '', /gcloud auth application-default login/);
  });
});
