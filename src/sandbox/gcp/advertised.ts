import type { GcpWorld } from './world.js';

/**
 * The IPv4 ranges the seeded Cloud Router currently advertises to its BGP peers over the VPN
 * (router mode and groups taken into account). The AWS side of the emulator turns these into
 * propagated routes in the VPC's route tables.
 */
export function advertisedRanges(_gcp: GcpWorld): string[] {
  return [];
}
