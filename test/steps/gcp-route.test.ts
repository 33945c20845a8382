import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { protos } from '@google-cloud/compute';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { settle } from '../helpers/gcp.js';
import { gcpBench, mutations, ok, PROJECT, REGION, served, world } from '../helpers/gcp-steps.js';

type Router = protos.google.cloud.compute.v1.IRouter;

const ROUTER = GCP_SEED.router;
const PSC_RANGE = `${GCP_SEED.runbook.pscAddress}/32`;
const KEY = { project: PROJECT, region: REGION, router: ROUTER };

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench, clients } = await gcpBench();
// The step subcommand (crashDuring) checks that create-psc is done first.
ok(await bench.apply(['create-psc']), 'create-psc');

function bgp() {
  const router = world(bench).routers[`${REGION}/${ROUTER}`];
  assert.ok(router);
  return {
    mode: router.bgp.advertiseMode,
    groups: router.bgp.advertisedGroups,
    ranges: router.bgp.advertisedIpRanges.map((each) => each.range),
    peers: Object.fromEntries(
      router.bgpPeers.map((peer) => [
        peer.name,
        `${peer.advertiseMode} ${peer.advertisedIpRanges.map((each) => each.range).join(',')}`,
      ]),
    ),
  };
}

async function patchRouter(routerResource: Router) {
  await settle(clients, await clients.compute.routers.patch({ ...KEY, routerResource }));
}

/** Sets one peer's advertisement directly through the SDK (the peer list is sent whole). */
async function setPeer(name: string, mode: 'DEFAULT' | 'CUSTOM', ranges: string[]) {
  const [router] = await clients.compute.routers.get(KEY);
  const bgpPeers = (router.bgpPeers ?? []).map((peer) =>
    peer.name === name
      ? {
          ...peer,
          advertiseMode: mode,
          advertisedGroups: [],
          advertisedIpRanges: ranges.map((range) => ({ range })),
        }
      : peer,
  );
  await patchRouter({ bgpPeers });
}

// Every test starts from the seeded router (DEFAULT) with nothing of psc-bridge recorded.
afterEach(async () => {
  await bench.destroy(['advertise-route']);
  await patchRouter({ bgp: { advertiseMode: 'DEFAULT' } });
  await setPeer('aws-peer-2', 'DEFAULT', []);
});

test('switches DEFAULT to CUSTOM + ALL_SUBNETS + the /32; a rerun only reads', async () => {
  const outcome = ok(await bench.apply(['advertise-route']), 'advertise-route');
  assert.equal(outcome.action, 'updated');
  assert.deepEqual(bgp(), {
    mode: 'CUSTOM',
    groups: ['ALL_SUBNETS'],
    ranges: [PSC_RANGE],
    peers: { 'aws-peer-1': 'DEFAULT ', 'aws-peer-2': 'DEFAULT ' },
  });
  const record = (await bench.state())?.steps['advertise-route'];
  assert.equal(record?.ownership, 'created');
  assert.deepEqual(record?.prior, {
    router: { mode: 'DEFAULT', groups: [], ranges: [] },
    peers: {},
  });

  const mark = bench.mark();
  const again = ok(await bench.apply(['advertise-route']), 'advertise-route');
  assert.equal(again.action, 'unchanged');
  assert.deepEqual(mutations(bench, mark), []);
  assert.equal(served(bench, mark, 'compute.routers.get'), 1);

  const down = ok(await bench.destroy(['advertise-route']), 'advertise-route');
  assert.equal(down.action, 'restored');
  assert.deepEqual(bgp().mode, 'DEFAULT');
  assert.deepEqual(bgp().ranges, []);
  assert.deepEqual(bgp().groups, []);
});

test('keeps every range and group already advertised, and restores them on teardown', async () => {
  await patchRouter({
    bgp: {
      advertiseMode: 'CUSTOM',
      advertisedGroups: ['ALL_SUBNETS'],
      advertisedIpRanges: [{ range: '10.200.0.0/16', description: 'on-prem' }],
    },
  });
  ok(await bench.apply(['advertise-route']), 'advertise-route');
  assert.deepEqual(bgp().ranges, ['10.200.0.0/16', PSC_RANGE]);

  const down = ok(await bench.destroy(['advertise-route']), 'advertise-route');
  assert.equal(down.action, 'restored');
  assert.deepEqual(bgp().mode, 'CUSTOM');
  assert.deepEqual(bgp().groups, ['ALL_SUBNETS']);
  assert.deepEqual(bgp().ranges, ['10.200.0.0/16']);
});

test('does not restore DEFAULT when someone added a range meanwhile', async () => {
  ok(await bench.apply(['advertise-route']), 'advertise-route');
  await patchRouter({
    bgp: {
      advertisedIpRanges: [{ range: PSC_RANGE }, { range: '10.201.0.0/16' }],
    },
  });
  const down = ok(await bench.destroy(['advertise-route']), 'advertise-route');
  assert.match(down.notes.join('\n'), /Left the router in CUSTOM mode.*10\.201\.0\.0\/16/);
  assert.deepEqual(bgp().mode, 'CUSTOM');
  assert.deepEqual(bgp().ranges, ['10.201.0.0/16']);
});

test('adopts a /32 already advertised and keeps it on teardown', async () => {
  await patchRouter({
    bgp: {
      advertiseMode: 'CUSTOM',
      advertisedGroups: ['ALL_SUBNETS'],
      advertisedIpRanges: [{ range: PSC_RANGE }],
    },
  });
  const mark = bench.mark();
  const outcome = ok(await bench.apply(['advertise-route']), 'advertise-route');
  assert.equal(outcome.action, 'adopted');
  assert.deepEqual(mutations(bench, mark), []);
  assert.equal((await bench.state())?.steps['advertise-route']?.ownership, 'adopted');
  const down = ok(await bench.destroy(['advertise-route']), 'advertise-route');
  assert.equal(down.action, 'kept');
  assert.deepEqual(bgp().ranges, [PSC_RANGE]);
});

test('names CUSTOM-mode peers without consent, and adds the /32 to them with it', async () => {
  await setPeer('aws-peer-2', 'CUSTOM', ['10.146.0.0/24']);
  const first = await bench.apply(['advertise-route'], { assumeYes: false });
  const noted = ok(first, 'advertise-route');
  assert.match(noted.notes.join('\n'), /aws-peer-2 advertise in CUSTOM mode.*--yes/s);
  assert.equal(bgp().peers['aws-peer-2'], 'CUSTOM 10.146.0.0/24');
  assert.deepEqual(bgp().ranges, [PSC_RANGE]);

  const asking = await bench.inspect('advertise-route');
  assert.ok('inspection' in asking);
  assert.deepEqual(asking.inspection.consent, [
    `add ${PSC_RANGE} to the CUSTOM-mode BGP peers aws-peer-2`,
  ]);

  const second = ok(await bench.apply(['advertise-route'], { assumeYes: true }), 'advertise-route');
  const done = await bench.inspect('advertise-route');
  assert.ok('inspection' in done);
  assert.equal(done.inspection.consent, undefined, 'nothing left to ask');
  assert.equal(second.action, 'updated');
  assert.equal(bgp().peers['aws-peer-2'], `CUSTOM 10.146.0.0/24,${PSC_RANGE}`);
  assert.equal(bgp().peers['aws-peer-1'], 'DEFAULT ');

  ok(await bench.destroy(['advertise-route']), 'advertise-route');
  assert.equal(bgp().peers['aws-peer-2'], 'CUSTOM 10.146.0.0/24');
  assert.equal(bgp().mode, 'DEFAULT');
});

test('a crash right after routers.patch leaves the /32 once, recorded as created', async () => {
  const { killed } = await bench.crashDuring('advertise-route', 'compute.routers.patch');
  assert.ok(killed);
  const outcome = ok(await bench.apply(['advertise-route']), 'advertise-route');
  assert.equal(outcome.action, 'updated');
  assert.deepEqual(bgp().ranges, [PSC_RANGE]);
  const record = (await bench.state())?.steps['advertise-route'];
  assert.equal(record?.ownership, 'created');
  assert.deepEqual(record?.prior, {
    router: { mode: 'DEFAULT', groups: [], ranges: [] },
    peers: {},
  });
  ok(await bench.destroy(['advertise-route']), 'advertise-route');
  assert.equal(bgp().mode, 'DEFAULT');
});
