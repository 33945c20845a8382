import type { AwsWorld } from './aws/world.js';
import type { GcpWorld } from './gcp/world.js';

/** Everything the emulator knows, persisted as one JSON file between commands. */
export interface World {
  format: 'psc-bridge-sandbox-world';
  version: 1;
  gcp: GcpWorld;
  aws: AwsWorld;
  /** Every API call served, in order. */
  calls: CallRecord[];
}

export type ServiceName =
  | 'serviceusage'
  | 'resourcemanager'
  | 'compute'
  | 'dns'
  | 'ec2'
  | 'route53resolver';

/** The service a call log entry names: `unknown` for a request no service module claims. */
export type LoggedService = ServiceName | 'unknown';

export interface CallRecord {
  /** Milliseconds since the epoch when the call arrived. */
  at: number;
  service: LoggedService;
  operation: string;
  mutating: boolean;
  /** HTTP status the emulator answered with. */
  status: number;
  /** Provider error code or reason when the call failed. */
  error?: string;
  /** True when the failure was injected by the fault profile. */
  injected?: boolean;
  /**
   * What was asked: method, path, query and a digest of the body. Two calls with the same
   * target asked the same question (used to check that a run reads each resource once).
   */
  target?: string;
  /** The psc-bridge step that made the call, when the client said (x-psc-bridge-step). */
  step?: string;
  /**
   * Modelled time (ms, after the speed factor) of the asynchronous work this call started:
   * what a client must wait for before the result is ready.
   */
  workMs?: number;
}

/** An HTTP request as the emulator sees it, body fully read. */
export interface SandboxRequest {
  method: string;
  /** Path without the query string, percent-decoding left to the service. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
  /** When the request first arrived (stays the same across deferred re-dispatches). */
  arrivedAt: number;
}

export interface SandboxResult {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** Provider error code or reason, for the call log. */
  error?: string;
}

/**
 * Returned instead of a result when the answer depends on time passing (for example GCP
 * `operations.wait`): the server sleeps `deferMs` without holding the world, then asks again.
 */
export interface Deferral {
  deferMs: number;
}

export interface Operation {
  operation: string;
  mutating: boolean;
}

export interface SandboxEnv {
  world: World;
  /** Current time in epoch milliseconds. */
  now(): number;
  /**
   * Scales a duration measured on the real service to the active latency profile: 0 for
   * `instant`, the value divided by the speed factor for `realistic`.
   */
  duration(realisticMs: number): number;
  /**
   * Like `duration`, for work a client will wait for (an operation, a resource becoming
   * ready, an API propagating): also counted in the call's `workMs`.
   */
  work(realisticMs: number): number;
  /**
   * A coin from the fault generator (seeded by the profile's faultSeed): which kind of
   * transient failure an injected fault is, the same on every replay of a seed.
   */
  heads(): boolean;
  /** A fresh lowercase hex string of the given length, for resource ids. */
  hex(length: number): string;
  /** Base URL the emulator is reachable at, e.g. `http://127.0.0.1:4510`. */
  baseUrl: string;
}

/** One emulated API (Compute, Cloud DNS, EC2, ...), speaking its provider's wire protocol. */
export interface ServiceModule {
  service: ServiceName;
  /** True when this module is the one that should answer the request. */
  matches(req: SandboxRequest): boolean;
  /** Names the operation a request invokes, or undefined when it is not one we model. */
  identify(req: SandboxRequest): Operation | undefined;
  /** Answers a request; runs while the world is held, so it must not await. */
  handle(req: SandboxRequest, op: Operation, env: SandboxEnv): SandboxResult | Deferral;
  /** The provider's answer for an operation the emulator does not model. */
  unknownOperation(req: SandboxRequest): SandboxResult;
  /** A transient failure in the provider's form (GCP 503/429, AWS throttling), for faults. */
  transientFault(op: Operation, env: SandboxEnv): SandboxResult;
  /** Moves asynchronous resources along to where they are at `now` (called before requests). */
  advance(world: World, now: number): void;
}
