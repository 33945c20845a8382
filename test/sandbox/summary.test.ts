import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { summariseWorld } from '../../src/sandbox/summary.js';
import { seedWorld } from '../../src/sandbox/world-store.js';

const PROJECT = GCP_SEED.projectId;
const RUNBOOK = GCP_SEED.runbook;

/** The seeded world with what the runbook makes on the GCP side written straight into it. */
function runbookWorld() {
  const world = seedWorld();
  const project = world.gcp.projects[PROJECT];
  const router = project?.routers[`${GCP_SEED.region}/${GCP_SEED.router}`];
  assert.ok(project && router);
  router.bgp.advertiseMode = 'CUSTOM';
  router.bgp.advertisedIpRanges = [{ range: `${RUNBOOK.pscAddress}/32` }];
  project.managedZones[RUNBOOK.zoneName] = {
    id: '1',
    name: RUNBOOK.zoneName,
    dnsName: RUNBOOK.zoneDnsName,
    description: '',
    visibility: 'private',
    networks: [GCP_SEED.network],
    labels: {},
    createdAt: 0,
    records: [
      { name: RUNBOOK.zoneDnsName, type: 'SOA', ttl: 21600, rrdatas: ['ns. soa. 1 21600'] },
      { name: RUNBOOK.zoneDnsName, type: 'NS', ttl: 21600, rrdatas: ['ns.'] },
      { name: '*.googleapis.com.', type: 'CNAME', ttl: 300, rrdatas: ['awsconnpscep.'] },
    ],
    changes: [],
  };
  // A finished router patch still holds the change it applied: not a resource to list.
  project.operations['operation-1'] = {
    id: '2',
    name: 'operation-1',
    operationType: 'patch',
    targetLink: `regions/${GCP_SEED.region}/routers/${GCP_SEED.router}`,
    targetId: GCP_SEED.routerId,
    insertTime: 0,
    startAt: 0,
    doneAt: 0,
    status: 'DONE',
    effect: { kind: 'router-patch', key: 'k', bgp: router.bgp, bgpPeers: router.bgpPeers },
  };
  return world;
}

test('the summary lists what named resources hold: records by name and type, ranges', () => {
  const gcp = summariseWorld(runbookWorld()).gcp;
  const kind = (path: string) => gcp[`projects.${PROJECT}.${path}`];
  assert.deepEqual(kind('managedZones'), [RUNBOOK.zoneName]);
  assert.deepEqual(kind(`managedZones.${RUNBOOK.zoneName}.records`), [
    'googleapis.com. SOA',
    'googleapis.com. NS',
    '*.googleapis.com. CNAME',
  ]);
  assert.deepEqual(kind(`routers.${GCP_SEED.router}.bgp.advertisedIpRanges`), [
    `${RUNBOOK.pscAddress}/32`,
  ]);
  assert.deepEqual(kind('operations'), ['operation-1']);
  const pending = Object.keys(gcp).filter((path) => path.includes('.effect'));
  assert.deepEqual(pending, [], 'an operation effect is not listed as a resource');
});
