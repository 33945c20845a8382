import type { World } from '../types.js';
import type { AwsRegion, AwsWorld } from './world.js';

/** How long things take on the real service (before the profile's speed factor). */
export const LATENCY_MS = {
  endpointCreate: 150_000,
  endpointDelete: 90_000,
  ruleDelete: 5_000,
  associationCreate: 20_000,
  associationDelete: 15_000,
} as const;

/** Moves every asynchronous AWS resource along to where it is at `now`. */
export function advanceAws(world: World, now: number): void {
  for (const region of Object.values(world.aws.regions)) advanceRegion(world.aws, region, now);
}

function due(at: number | undefined, now: number): boolean {
  return at !== undefined && at <= now;
}

function advanceRegion(aws: AwsWorld, region: AwsRegion, now: number): void {
  for (const endpoint of region.resolverEndpoints) {
    if (endpoint.status === 'CREATING' && due(endpoint.readyAt, now)) {
      const stuck = aws.knobs.endpointActionNeeded === true;
      endpoint.status = stuck ? 'ACTION_NEEDED' : 'OPERATIONAL';
      endpoint.statusMessage = stuck
        ? 'One or more network interfaces of the endpoint could not be created'
        : 'This Resolver Endpoint is operational.';
      endpoint.modifiedAt = endpoint.readyAt ?? now;
      delete endpoint.readyAt;
    }
  }
  const goneEndpoints = region.resolverEndpoints
    .filter((endpoint) => endpoint.status === 'DELETING' && due(endpoint.goneAt, now))
    .map((endpoint) => endpoint.id);
  if (goneEndpoints.length) {
    region.resolverEndpoints = region.resolverEndpoints.filter(
      (e) => !goneEndpoints.includes(e.id),
    );
    region.networkInterfaces = region.networkInterfaces.filter(
      (eni) => eni.ownerEndpointId === undefined || !goneEndpoints.includes(eni.ownerEndpointId),
    );
  }
  region.resolverRules = region.resolverRules.filter(
    (rule) => !(rule.status === 'DELETING' && due(rule.goneAt, now)),
  );
  for (const association of region.ruleAssociations) {
    if (association.status === 'CREATING' && due(association.readyAt, now)) {
      association.status = 'COMPLETE';
      association.statusMessage = '';
      delete association.readyAt;
    }
  }
  region.ruleAssociations = region.ruleAssociations.filter(
    (association) => !(association.status === 'DELETING' && due(association.goneAt, now)),
  );
}
