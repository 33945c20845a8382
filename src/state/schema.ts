import { z } from 'zod';
import { STEP_IDS } from '../steps/catalog.js';

export const STATE_FORMAT = 'psc-bridge-state';
export const STATE_VERSION = 1;

export const stepStatusSchema = z.enum(['pending', 'in-progress', 'done', 'failed']);
export type StepStatus = z.infer<typeof stepStatusSchema>;

const stepRecordSchema = z.strictObject({
  status: stepStatusSchema,
  /** Which way the step was going when it was last in progress or failed. */
  operation: z.enum(['apply', 'destroy']).optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Outcome of the last finished run: created, adopted, unchanged, deleted... */
  action: z.string().optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
  ownership: z.enum(['created', 'adopted']).optional(),
  /** Cloud resource ids and names, by role (e.g. `address`, `forwardingRule`). */
  resources: z.record(z.string(), z.string()),
  /** Values other steps read, such as forwarder IPs. */
  outputs: z.record(z.string(), z.unknown()),
  /** Idempotency tokens (GCP requestId, AWS CreatorRequestId), written before create calls. */
  tokens: z.record(z.string(), z.string()),
  /** What a shared object looked like before psc-bridge changed it, for teardown. */
  prior: z.unknown().optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

export const stateSchema = z.strictObject({
  format: z.literal(STATE_FORMAT),
  version: z.literal(STATE_VERSION),
  mode: z.enum(['cloud', 'sandbox']),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The resolved inputs of the last run (no credentials: a profile name at most). */
  config: z.record(z.string(), z.unknown()),
  steps: z.partialRecord(z.enum(STEP_IDS), stepRecordSchema),
});
export type State = z.infer<typeof stateSchema>;
export type Mode = State['mode'];

export function emptyRecord(): StepRecord {
  return { status: 'pending', resources: {}, outputs: {}, tokens: {} };
}

export function emptyState(mode: Mode, now = new Date()): State {
  const at = now.toISOString();
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    mode,
    createdAt: at,
    updatedAt: at,
    config: {},
    steps: {},
  };
}
