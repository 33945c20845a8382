import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { loadSteps } from '../../src/steps/load.js';
import { baseConfigFile, gcloud } from '../helpers/gcloud.js';
import { gcloudArgs } from '../helpers/gcp.js';
import { callsSince, type ServedSandbox, serveSandbox } from '../helpers/sandbox.js';
import { RUNBOOK as STEP_CONFIG } from '../helpers/steps.js';

const run = promisify(execFile);
const PROJECT = GCP_SEED.projectId;
const RUNBOOK = GCP_SEED.runbook;
/** How the runbook starts each of its Cloud DNS lines. */
const betaDns = ['beta', 'dns', `--project=${PROJECT}`];

/**
 * The runbook's gcloud lines, as written there, against `psc-bridge sandbox serve` set up
 * with the lines it prints, in a throwaway CLOUDSDK_CONFIG.
 */
describe('gcloud runs the runbook against `sandbox serve`', {
  skip: gcloud ? false : 'gcloud not installed: contract test skipped',
}, () => {
  let server: ServedSandbox;
  let home: string;
  let cwd: string;

  before(async () => {
    server = await serveSandbox();
    home = await mkdtemp(join(tmpdir(), 'psc-bridge-gcloud-'));
    cwd = join(home, 'work');
    await mkdir(join(home, 'config', 'configurations'), { recursive: true });
    await mkdir(cwd);
    await writeFile(join(home, 'config', 'active_config'), 'default');
    await writeFile(join(home, 'config', 'configurations', 'config_default'), baseConfigFile());
    for (const line of server.gcloudConfig) await g(...line);
  });

  after(async () => {
    await server?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  async function g(...args: string[]): Promise<string> {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CLOUDSDK_CONFIG: join(home, 'config'),
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      // Anything not aimed at the sandbox goes to a dead loopback proxy, never off the machine.
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost',
    };
    try {
      const { stdout } = await run(gcloud ?? 'gcloud', [...args, '--quiet'], {
        env,
        cwd,
        timeout: 60_000,
      });
      return stdout;
    } catch (error) {
      const failure = error as { stderr?: string; message: string };
      assert.fail(`gcloud ${args.join(' ')} failed: ${failure.stderr ?? failure.message}`);
    }
  }

  test('enable the APIs', async () => {
    await g('services', 'enable', 'servicedirectory.googleapis.com', 'dns.googleapis.com');
    const services = server.store.current().gcp.projects[PROJECT]?.services ?? {};
    assert.equal(services['dns.googleapis.com']?.state, 'ENABLED');
    assert.equal(services['servicedirectory.googleapis.com']?.state, 'ENABLED');
  });

  test('create the PSC address and endpoint', async () => {
    await g(
      'compute',
      'addresses',
      'create',
      RUNBOOK.pscAddressName,
      '--global',
      '--purpose=PRIVATE_SERVICE_CONNECT',
      `--addresses=${RUNBOOK.pscAddress}`,
      `--network=${GCP_SEED.network}`,
    );
    await g(
      'compute',
      'forwarding-rules',
      'create',
      RUNBOOK.endpointName,
      '--global',
      `--network=${GCP_SEED.network}`,
      `--address=${RUNBOOK.pscAddressName}`,
      '--target-google-apis-bundle=all-apis',
      `--service-directory-registration=projects/${PROJECT}/locations/${GCP_SEED.region}`,
    );
    const project = server.store.current().gcp.projects[PROJECT];
    const rule = project?.forwardingRules[RUNBOOK.endpointName];
    assert.equal(rule?.ipAddress, RUNBOOK.pscAddress);
    assert.equal(rule?.target, 'all-apis');
    assert.equal(rule?.serviceDirectoryRegistrations[0]?.serviceDirectoryRegion, GCP_SEED.region);
    assert.equal(project?.globalAddresses[RUNBOOK.pscAddressName]?.status, 'IN_USE');
  });

  test('advertise the PSC /32 from the Cloud Router', async () => {
    await g(
      'compute',
      'routers',
      'update',
      GCP_SEED.router,
      '--advertisement-mode',
      'custom',
      '--set-advertisement-groups=all_subnets',
      `--set-advertisement-ranges=${RUNBOOK.pscAddress}/32`,
      `--region=${GCP_SEED.region}`,
    );
    const router =
      server.store.current().gcp.projects[PROJECT]?.routers[
        `${GCP_SEED.region}/${GCP_SEED.router}`
      ];
    assert.equal(router?.bgp.advertiseMode, 'CUSTOM');
    assert.deepEqual(router?.bgp.advertisedGroups, ['ALL_SUBNETS']);
    assert.deepEqual(
      router?.bgp.advertisedIpRanges.map((r) => r.range),
      [`${RUNBOOK.pscAddress}/32`],
    );
    assert.equal(router?.bgpPeers.length, 2, 'the peers survive the update');
  });

  test('the advertise-route lines plan shows take the /32 off and put it back', async () => {
    // The step's own lines, not a hand-written copy, so a line gcloud refuses fails here.
    const [step] = await loadSteps(['advertise-route']);
    assert.ok(step);
    const key = `${GCP_SEED.region}/${GCP_SEED.router}`;
    const bgp = () => server.store.current().gcp.projects[PROJECT]?.routers[key]?.bgp;
    for (const line of step.commands(STEP_CONFIG, 'destroy')) await g(...gcloudArgs(line));
    assert.equal(bgp()?.advertiseMode, 'DEFAULT');
    assert.deepEqual(bgp()?.advertisedIpRanges, []);
    for (const line of step.commands(STEP_CONFIG, 'apply')) await g(...gcloudArgs(line));
    assert.equal(bgp()?.advertiseMode, 'CUSTOM');
    assert.deepEqual(bgp()?.advertisedGroups, ['ALL_SUBNETS']);
    assert.deepEqual(
      bgp()?.advertisedIpRanges.map((r) => r.range),
      [`${RUNBOOK.pscAddress}/32`],
    );
  });

  test('create the private zone and its records with transactions', async () => {
    // The runbook's own form: `gcloud beta dns --project=<project> ...`.
    await g(
      ...betaDns,
      'managed-zones',
      'create',
      RUNBOOK.zoneName,
      '--description=',
      `--dns-name=${RUNBOOK.zoneDnsName}`,
      '--visibility=private',
      `--networks=${GCP_SEED.network}`,
    );
    const zone = `--zone=${RUNBOOK.zoneName}`;
    const endpointName = `${RUNBOOK.endpointName}.googleapis.com.`;
    await g(...betaDns, 'record-sets', 'transaction', 'start', zone);
    await g(
      ...betaDns,
      'record-sets',
      'transaction',
      'add',
      endpointName,
      '--name=*.googleapis.com.',
      '--ttl=300',
      '--type=CNAME',
      zone,
    );
    await g(...betaDns, 'record-sets', 'transaction', 'execute', zone);
    await g(...betaDns, 'record-sets', 'transaction', 'start', zone);
    await g(
      ...betaDns,
      'record-sets',
      'transaction',
      'add',
      RUNBOOK.pscAddress,
      `--name=${endpointName}`,
      '--ttl=300',
      '--type=A',
      zone,
    );
    await g(...betaDns, 'record-sets', 'transaction', 'execute', zone);

    const records =
      server.store.current().gcp.projects[PROJECT]?.managedZones[RUNBOOK.zoneName]?.records ?? [];
    const shown = records.map((r) => `${r.name} ${r.type} ${r.ttl} ${r.rrdatas.join(',')}`).sort();
    assert.ok(shown.includes(`*.googleapis.com. CNAME 300 ${endpointName}`), shown.join('\n'));
    assert.ok(shown.includes(`${endpointName} A 300 ${RUNBOOK.pscAddress}`), shown.join('\n'));
    const soa = records.find((r) => r.type === 'SOA');
    assert.match(soa?.rrdatas[0] ?? '', / 3 21600 /, 'two transactions moved the serial to 3');
  });

  test('create the DNS policy and read the inbound forwarder address', async () => {
    await g(
      ...betaDns,
      'policies',
      'create',
      RUNBOOK.policyName,
      '--description=',
      `--networks=${GCP_SEED.network}`,
      '--enable-inbound-forwarding',
    );
    const out = await g(
      'compute',
      'addresses',
      'list',
      '--filter=name ~ ^dns-forwarding.*',
      '--format=csv[no-heading](address, subnetwork)',
    );
    assert.equal(out.trim(), `${RUNBOOK.expectedForwarderIp},${GCP_SEED.subnet}`);
  });

  test('gcloud used only operations the sandbox models', (t) => {
    const calls = callsSince(server);
    const unknown = calls.filter((call) => call.operation.startsWith('unknown'));
    assert.deepEqual(unknown, []);
    const failed = calls.filter((call) => call.status >= 400);
    assert.deepEqual(failed, []);
    const used = [...new Set(calls.map((call) => call.operation))].sort();
    t.diagnostic(`gcloud called: ${used.join(', ')}`);
  });

  test('`sandbox show --json` lists what the runbook made', async () => {
    const { resources } = await server.show();
    const shown = (kind: string) => resources.gcp[`projects.${PROJECT}.${kind}`] ?? [];
    const endpointName = `${RUNBOOK.endpointName}.googleapis.com.`;
    assert.deepEqual(shown('globalAddresses'), [RUNBOOK.pscAddressName]);
    assert.deepEqual(shown('forwardingRules'), [RUNBOOK.endpointName]);
    assert.deepEqual(shown(`routers.${GCP_SEED.router}.bgp.advertisedIpRanges`), [
      `${RUNBOOK.pscAddress}/32`,
    ]);
    assert.deepEqual(shown('managedZones'), [RUNBOOK.zoneName]);
    assert.deepEqual(shown(`managedZones.${RUNBOOK.zoneName}.records`).sort(), [
      '*.googleapis.com. CNAME',
      `${endpointName} A`,
      `${RUNBOOK.zoneDnsName} NS`,
      `${RUNBOOK.zoneDnsName} SOA`,
    ]);
    assert.deepEqual(shown('policies'), [RUNBOOK.policyName]);
  });
});
