import { SEED } from '../aws/seed.js';
import type { ServiceModule, World } from '../types.js';
import type { WorldStore } from '../world-store.js';
import { startVpcDns } from './dns-server.js';
import type { Vantage } from './network.js';
import { startPscHttp } from './psc-http.js';

/** How the sandbox serves what a workload in the AWS VPC sees (see `startDataPlane`). */
export interface DataPlaneOptions {
  /** The VPC the answers are for; the seeded one by default. */
  vpcId?: string;
  /** Its region; the seeded one by default. */
  region?: string;
  /** The client's subnet, for the PSC route check; every subnet of the VPC by default. */
  subnetId?: string;
  /** Port for DNS (UDP and TCP) on 127.0.0.1; 0 (the default) picks a free one. */
  dnsPort?: number;
  /** Port for the PSC stand-in on 127.0.0.1; 0 (the default) picks a free one. */
  httpPort?: number;
  /** How long a SERVFAIL takes (default 200 ms). */
  servfailDelayMs?: number;
  /** How long a request to an unreachable PSC address hangs before it is dropped (1000 ms). */
  unreachableMs?: number;
}

export interface DataPlane {
  dns: { port: number };
  pscHttp: { port: number; portFor(ip: string): Promise<number> };
  close(): Promise<void>;
}

/** Where to dial instead of a modelled address, and the Host header to send there. */
export interface LoopbackTarget {
  host: '127.0.0.1';
  port: number;
  headers: { host: string };
}

/**
 * Starts the VPC's DNS responder and the PSC stand-in over a sandbox's world. Both answer
 * from the world as it is at that moment: the asynchronous resources (associations, endpoints,
 * forwarder addresses) are moved along first, as the emulator does before each API call.
 */
export async function startDataPlane(
  store: WorldStore,
  modules: ServiceModule[],
  options: DataPlaneOptions = {},
): Promise<DataPlane> {
  const world = liveWorld(store, modules);
  const vantage: Vantage = {
    vpcId: options.vpcId ?? SEED.vpcId,
    region: options.region ?? SEED.region,
    ...(options.subnetId ? { subnetId: options.subnetId } : {}),
  };
  const dns = await startVpcDns({
    world,
    vantage,
    port: options.dnsPort ?? 0,
    servfailDelayMs: options.servfailDelayMs ?? 200,
  });
  const http = await startPscHttp({
    world,
    vantage,
    port: options.httpPort ?? 0,
    unreachableMs: options.unreachableMs ?? 1000,
  }).catch(async (error: unknown) => {
    await dns.close();
    throw error;
  });
  return {
    dns: { port: dns.port },
    pscHttp: { port: http.port, portFor: http.portFor },
    close: async () => {
      await Promise.all([dns.close(), http.close()]);
    },
  };
}

/**
 * Advancing here mutates the in-memory world without saving it: the change is what the next
 * API call would make anyway (`advance` depends on time only), and it runs synchronously, so
 * it never interleaves with a handler.
 */
function liveWorld(store: WorldStore, modules: ServiceModule[]): () => World {
  return () => {
    const world = store.current();
    const now = Date.now();
    for (const module of modules) module.advance(world, now);
    return world;
  };
}

/**
 * The loopback stand-in to dial for a modelled PSC address, so that nothing ever dials the
 * address itself: `http://127.0.0.1:<port>/generate_204` on a port that stands in for `ip`
 * alone (so `fetch` works as is). `headers.host` is what a request to `http://<ip>/` carries;
 * clients that can set it may use the shared port instead. Throws when the sandbox was
 * started without its data plane.
 */
export async function pscStandIn(
  server: { pscHttp?: { portFor(ip: string): Promise<number> } },
  ip: string,
): Promise<LoopbackTarget> {
  if (!server.pscHttp) {
    throw new Error('the sandbox runs no PSC stand-in: start it with `vpcDns` enabled');
  }
  const port = await server.pscHttp.portFor(ip);
  return { host: '127.0.0.1', port, headers: { host: ip } };
}

/** The loopback address of the VPC resolver stand-in, for `Resolver.setServers`. */
export function vpcResolverAddress(server: { dns?: { port: number } }): string {
  if (!server.dns) throw new Error('the sandbox runs no VPC DNS: start it with `vpcDns` enabled');
  return `127.0.0.1:${server.dns.port}`;
}
