import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GcpClients } from '../../src/cloud/gcp.js';
import type { RunResult, StepOutcome } from '../../src/engine/run.js';
import { UserError } from '../../src/errors.js';
import { GCP_SEED, type GcpProject } from '../../src/sandbox/gcp/world.js';
import type { SandboxOptions } from '../../src/sandbox/server.js';
import type { StepRecord } from '../../src/state/schema.js';
import { StateStore } from '../../src/state/store.js';
import type { StepId } from '../../src/steps/catalog.js';
import { type CliResult, runCli } from './cli.js';
import { nested, StepBench } from './steps.js';
import { tempDir } from './temp.js';

export const PROJECT = GCP_SEED.projectId;
export const REGION = GCP_SEED.region;
const COMPUTE = 'https://www.googleapis.com/compute/v1';
export const NETWORK_URL = `${COMPUTE}/projects/${PROJECT}/global/networks/${GCP_SEED.network}`;

/**
 * A bench for the GCP steps with the real SDK clients built once (about two seconds) and,
 * unless told otherwise, the APIs already enabled through the enable-apis step.
 */
export async function gcpBench(
  options: { sandbox?: SandboxOptions; enable?: boolean } = {},
): Promise<{ bench: StepBench; clients: GcpClients }> {
  const bench = await StepBench.start(options.sandbox ? { sandbox: options.sandbox } : {});
  const clients = await bench.services.gcp();
  if (options.enable !== false) ok(await bench.apply(['enable-apis']), 'enable-apis');
  return { bench, clients };
}

/** The sandbox's GCP project as it stands now. */
export function world(bench: StepBench): GcpProject {
  const project = bench.world().gcp.projects[PROJECT];
  assert.ok(project, 'the sandbox holds the seeded project');
  return project;
}

/** Asserts the run succeeded and returns the outcome of `id`. */
export function ok(result: RunResult, id: StepId): StepOutcome {
  const outcome = result.outcomes.find((each) => each.id === id);
  assert.ok(outcome, `no outcome for ${id}`);
  assert.ok(result.ok, `${id} failed: ${String(result.failure?.error)}`);
  return outcome;
}

/** Asserts the run failed with a UserError (exit 2) of `code` whose message matches. */
export function refused(result: RunResult, code: string, message: RegExp): UserError {
  assert.equal(result.ok, false, 'the run should have failed');
  const error = result.failure?.error;
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.exitCode, 2);
  assert.match(error.message, message);
  return error;
}

/** The operations that changed something since `mark`, for failure messages. */
export function mutations(bench: StepBench, mark: number): string[] {
  return bench.mutatingSince(mark).map((call) => call.operation);
}

/** The operations served since `mark` that name `operation`. */
export function served(bench: StepBench, mark: number, operation: string): number {
  return bench.callsSince(mark).filter((call) => call.operation === operation).length;
}

/**
 * Runs the built CLI (`plan`, `status`, a step...) against the bench's sandbox, config and
 * state, as a user pointing psc-bridge at the emulator with endpoint variables would.
 */
export async function benchCli(bench: StepBench, args: string[]): Promise<CliResult> {
  const configPath = join(await tempDir(), 'config.json');
  await writeFile(configPath, JSON.stringify(nested(bench.config)));
  return runCli([...args, '--config', configPath, '--state', bench.statePath], {
    env: {
      AWS_ENDPOINT_URL: bench.sandbox.url,
      PSC_BRIDGE_GCP_ENDPOINT: bench.sandbox.url,
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
    },
  });
}

type Method = (...args: never[]) => unknown;

/**
 * Wraps one method of an SDK object the steps share (the clients are built once per bench),
 * so a test can change what a real call answered: add a field the sandbox does not model, or
 * lose an answer after the sandbox served it. Returns the function that puts it back.
 */
export function intercept<T extends object, K extends keyof T & string>(
  target: T,
  name: K,
  wrap: (original: (...args: unknown[]) => Promise<unknown>) => (...args: unknown[]) => unknown,
): () => void {
  const original = target[name] as Method;
  const bound = (...args: unknown[]) => Promise.resolve(original.apply(target, args as never[]));
  Reflect.set(target, name, wrap(bound));
  return () => {
    Reflect.set(target, name, original);
  };
}

/** What a connection dropped after the request went out looks like to the SDK. */
export function lostAnswer(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/**
 * The next call of `target[name]` reaches the sandbox (which acts on it), then its answer is
 * lost as on a dropped connection; later calls are untouched. `instead` replaces what that
 * first call sends.
 */
export function loseNextAnswer<T extends object, K extends keyof T & string>(
  target: T,
  name: K,
  instead?: (original: (...args: unknown[]) => Promise<unknown>) => Promise<unknown>,
): void {
  const restore = intercept(target, name, (original) => async (...args) => {
    restore();
    await (instead ? instead(original) : original(...args));
    throw lostAnswer();
  });
}

/** Changes one step's record in the bench's state file, as an earlier run could have left it. */
export async function editRecord(
  bench: StepBench,
  id: StepId,
  change: (record: StepRecord) => void,
): Promise<void> {
  const store = await StateStore.open(bench.statePath, 'cloud');
  try {
    await store.updateStep(id, change);
  } finally {
    await store.close();
  }
}
