import type { PartialConfig } from '../config/fields.js';
import type { StepRecord } from '../state/schema.js';
import type { Cloud, StepId, StepInfo } from './catalog.js';

/**
 * What a step is handed. A step never prompts, prints, exits or touches the state file: it
 * reads this context, calls the clouds through `services`, and returns a result.
 */
export interface StepContext<Services = unknown> {
  config: Readonly<PartialConfig>;
  /** This step's record as the state holds it (tokens, resources, prior values). */
  record: Readonly<StepRecord>;
  /** Outputs other steps recorded, e.g. `outputs('create-policy').forwarders`. */
  outputs(id: StepId): Readonly<Record<string, unknown>>;
  /** Cloud clients and anything else the command wires in. */
  services: Services;
  /** Aborted on Ctrl-C: stop waiting and return. */
  signal: AbortSignal;
  /**
   * What the step is being asked to do. Inspections (status, plan) must answer quickly: no
   * waiting out an API that was enabled a moment ago.
   */
  phase: 'inspect' | 'apply' | 'destroy';
  /** True when the user confirmed in advance (`--yes` or the setup prompt). */
  assumeYes: boolean;
  /**
   * Returns this step's idempotency token for `name`, creating it and writing it to the state
   * first if the state has none, so the create call that follows can be safely repeated.
   */
  token(name: string): Promise<string>;
  /**
   * Drops the token `name` from the state: its create call met a resource someone else made
   * in the moment since the step looked, so psc-bridge must not count it as its own (and so
   * never delete it on teardown).
   */
  forget(name: string): Promise<void>;
  /** Writes resource ids or prior values to the state now, before the next cloud call. */
  checkpoint(change: Checkpoint): Promise<void>;
  /** Live status for the person watching, e.g. `CREATING (1m 20s)`. */
  progress(text: string): void;
}

export interface Checkpoint {
  resources?: Record<string, string>;
  outputs?: Record<string, unknown>;
  prior?: unknown;
}

export type Presence = 'absent' | 'present' | 'drifted';

export interface Difference {
  /** What differs, e.g. `advertisedIpRanges` or `A record`. */
  field: string;
  expected: string;
  actual: string;
}

export interface Inspection {
  presence: Presence;
  resources: Record<string, string>;
  /** For `drifted`: what is not as psc-bridge wants it. */
  differences: Difference[];
  /**
   * Changes `apply` would make to something psc-bridge did not create, which it makes only
   * with the user's yes (`--yes` or the confirmation), e.g. turning on inbound forwarding in
   * an existing DNS policy. Each is a sentence naming the resource.
   */
  consent?: string[];
}

export type ApplyAction = 'created' | 'adopted' | 'updated' | 'unchanged';
export type DestroyAction = 'deleted' | 'restored' | 'kept' | 'absent';

export interface ApplyResult {
  action: ApplyAction;
  ownership: 'created' | 'adopted';
  resources: Record<string, string>;
  outputs?: Record<string, unknown>;
  /** Things the user should know (a warning, an adopted resource). */
  notes?: string[];
}

export interface DestroyResult {
  action: DestroyAction;
  notes?: string[];
}

export interface Step<Services = unknown> extends StepInfo {
  cloud: Cloud;
  inspect(ctx: StepContext<Services>): Promise<Inspection>;
  apply(ctx: StepContext<Services>): Promise<ApplyResult>;
  destroy(ctx: StepContext<Services>): Promise<DestroyResult>;
  /** The equivalent gcloud / aws command lines, for `plan`. */
  commands(config: Readonly<PartialConfig>, direction: 'apply' | 'destroy'): string[];
}
