import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { World } from '../../src/sandbox/types.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));

interface Check {
  id: string;
  ok: boolean;
  reason: string;
  fix?: string;
}

describe('verify on the sandbox', () => {
  let cwd: string;
  let worldPath: string;
  let seededAfterSetup: string;
  const cli = (...args: string[]) =>
    runCli([...args, '--sandbox', '--config', 'runbook.json'], { cwd });

  async function verify(...extra: string[]): Promise<{ code: number; checks: Check[] }> {
    const result = await cli('verify', '--json', ...extra);
    const json = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    assert.equal(json.ok, result.code === 0, result.stderr);
    return { code: result.code, checks: json.checks };
  }

  /** Changes the world behind psc-bridge's back, runs `check`, then puts the world back. */
  async function broken(change: (world: World) => void, check: () => Promise<void>) {
    const world = JSON.parse(seededAfterSetup) as World;
    change(world);
    await writeFile(worldPath, JSON.stringify(world));
    try {
      await check();
    } finally {
      await writeFile(worldPath, seededAfterSetup);
    }
  }

  const failed = (checks: Check[]) => checks.filter((c) => !c.ok).map((c) => c.id);
  const region = (world: World) => {
    const r = world.aws.regions['ap-northeast-1'];
    assert.ok(r);
    return r;
  };
  const project = (world: World) => {
    const p = world.gcp.projects['psc-bridge-sandbox'];
    assert.ok(p);
    return p;
  };

  before(async () => {
    cwd = await tempDir('psc-bridge-verify-');
    await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
    const setup = await cli('setup', '--yes');
    assert.equal(setup.code, 0, setup.stderr);
    worldPath = join(cwd, '.psc-bridge-sandbox', 'world.json');
    seededAfterSetup = await readFile(worldPath, 'utf8');
  });

  test('every check passes after setup, from the APIs and from the VPC', async () => {
    const { code, checks } = await verify('--from-vpc');
    assert.equal(code, 0, JSON.stringify(checks, null, 2));
    assert.equal(checks.length, 10);
  });

  test('a deleted A record fails the record check and the VPC lookup', async () => {
    await broken(
      (world) => {
        const zone = Object.values(project(world).managedZones)[0];
        assert.ok(zone);
        zone.records = zone.records.filter((r) => r.type !== 'A');
      },
      async () => {
        const { code, checks } = await verify('--from-vpc');
        assert.equal(code, 1);
        assert.deepEqual(failed(checks), ['dns-records', 'resolve-bigquery', 'resolve-storage']);
        assert.match(checks.find((c) => c.id === 'dns-records')?.reason ?? '', /A is missing/);
      },
    );
  });

  test('a withdrawn route range fails advertisement, VPC route and the HTTP check', async () => {
    await broken(
      (world) => {
        const router = Object.values(project(world).routers)[0];
        assert.ok(router);
        router.bgp.advertisedIpRanges = router.bgp.advertisedIpRanges.filter(
          (r) => r.range !== '10.164.128.1/32',
        );
      },
      async () => {
        const { checks } = await verify('--from-vpc');
        assert.deepEqual(failed(checks), ['route-advertised', 'vpc-route', 'psc-http']);
      },
    );
  });

  test('a removed association fails, and from the VPC the answer is the public one', async () => {
    await broken(
      (world) => {
        region(world).ruleAssociations = region(world).ruleAssociations.filter(
          (a) => a.vpcId !== 'vpc-028bdb0ee3a9213b4' || !a.ruleId.startsWith('rslvr-rr-'),
        );
      },
      async () => {
        const { checks } = await verify('--from-vpc');
        assert.ok(failed(checks).includes('rule-association'));
        const lookup = checks.find((c) => c.id === 'resolve-bigquery');
        assert.equal(lookup?.ok, false);
        assert.match(lookup?.reason ?? '', /public answer/);
      },
    );
  });

  test('a rule targeting a dead forwarder fails the forwarding check', async () => {
    await broken(
      (world) => {
        const rule = region(world).resolverRules.find((r) => r.domainName === 'googleapis.com.');
        assert.ok(rule);
        rule.targetIps = [{ Ip: '10.146.0.99', Port: 53 }];
      },
      async () => {
        const { checks } = await verify('--from-vpc');
        const forwarding = checks.find((c) => c.id === 'inbound-forwarding');
        assert.equal(forwarding?.ok, false);
        assert.match(forwarding?.reason ?? '', /10\.146\.0\.99/);
        assert.equal(checks.find((c) => c.id === 'resolve-bigquery')?.ok, false);
      },
    );
  });

  test('an endpoint without one of its IPs fails the endpoint check', async () => {
    await broken(
      (world) => {
        const endpoint = region(world).resolverEndpoints.find((e) => e.direction === 'OUTBOUND');
        assert.ok(endpoint);
        endpoint.ipAddresses = endpoint.ipAddresses.slice(1);
      },
      async () => {
        const { checks } = await verify();
        const check = checks.find((c) => c.id === 'resolver-endpoint');
        assert.equal(check?.ok, false, JSON.stringify(checks));
      },
    );
  });
});
