import type { SandboxResult, World } from '../../types.js';
import {
  classicError,
  GoogleApiError,
  gcpModule,
  json,
  type RouteContext,
  route,
} from '../http.js';
import { createChange, getChange, listChanges, settleChanges } from './changes.js';
import { type DnsContext, dnsContext } from './common.js';
import { reconcileForwarders } from './forwarders.js';
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  listPolicies,
  patchPolicy,
  updatePolicy,
} from './policies.js';
import { createZone, deleteZone, getZone, listRecordSets, listZones } from './zones.js';

const P = '/dns/v1/projects/{project}';
const Z = `${P}/managedZones/{zone}`;

function dns(
  method: string,
  path: string,
  operation: string,
  handler: (ctx: DnsContext) => SandboxResult,
) {
  return route(method, path, `dns.${operation}`, (ctx: RouteContext) => handler(dnsContext(ctx)));
}

/** `projects.get`: the project's Cloud DNS quotas (gcloud reads it for some commands). */
function getProject(ctx: DnsContext): SandboxResult {
  return json(200, {
    kind: 'dns#project',
    number: ctx.project.projectNumber,
    id: ctx.project.projectId,
    quota: {
      kind: 'dns#quota',
      managedZones: 10000,
      rrsetsPerManagedZone: 10000,
      rrsetAdditionsPerChange: 100,
      rrsetDeletionsPerChange: 100,
      totalRrdataSizePerChange: 100000,
      resourceRecordsPerRrset: 100,
      policies: 100,
      networksPerPolicy: 100,
      networksPerManagedZone: 100,
    },
  });
}

const routes = [
  dns('GET', P, 'projects.get', getProject),
  dns('GET', `${P}/managedZones`, 'managedZones.list', listZones),
  dns('POST', `${P}/managedZones`, 'managedZones.create', createZone),
  dns('GET', Z, 'managedZones.get', getZone),
  dns('DELETE', Z, 'managedZones.delete', deleteZone),
  dns('GET', `${Z}/rrsets`, 'resourceRecordSets.list', listRecordSets),
  dns('POST', `${Z}/changes`, 'changes.create', createChange),
  dns('GET', `${Z}/changes`, 'changes.list', listChanges),
  dns('GET', `${Z}/changes/{change}`, 'changes.get', getChange),
  dns('GET', `${P}/policies`, 'policies.list', listPolicies),
  dns('POST', `${P}/policies`, 'policies.create', createPolicy),
  dns('GET', `${P}/policies/{policy}`, 'policies.get', getPolicy),
  dns('PATCH', `${P}/policies/{policy}`, 'policies.patch', patchPolicy),
  dns('PUT', `${P}/policies/{policy}`, 'policies.update', updatePolicy),
  dns('DELETE', `${P}/policies/{policy}`, 'policies.delete', deletePolicy),
];

export const dnsModule = gcpModule({
  service: 'dns',
  matches: (req) => req.path.startsWith('/dns/v1/'),
  routes,
  render: classicError,
  transientFault(op) {
    if (op.mutating) {
      return classicError(
        new GoogleApiError(503, 'backendError', 'The service is currently unavailable.'),
      );
    }
    return classicError(new GoogleApiError(429, 'rateLimitExceeded', 'Rate Limit Exceeded'));
  },
  advance(world: World, now: number) {
    for (const project of Object.values(world.gcp.projects)) {
      settleChanges(project, now);
      reconcileForwarders(project, now);
    }
  },
});
