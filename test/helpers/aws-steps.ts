import assert from 'node:assert/strict';
import { after } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { type CloudServices, cloudServices } from '../../src/cloud/clients.js';
import type { PartialConfig } from '../../src/config/fields.js';
import { type Reporter, type RunResult, runSteps, type StepOutcome } from '../../src/engine/run.js';
import { UserError } from '../../src/errors.js';
import { ec2Module } from '../../src/sandbox/aws/ec2.js';
import { resolverError, resolverModule } from '../../src/sandbox/aws/resolver.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { AwsRegion } from '../../src/sandbox/aws/world.js';
import { gcpModules } from '../../src/sandbox/gcp/index.js';
import type { ServiceModule } from '../../src/sandbox/types.js';
import { StateStore } from '../../src/state/store.js';
import type { StepId } from '../../src/steps/catalog.js';
import { loadSteps } from '../../src/steps/load.js';
import { type AwsClients, sandboxClients } from './aws.js';
import { StepBench } from './steps.js';

export const FORWARDER = '10.146.0.3';
export const GCP_SUBNET = '10.146.0.0/24';

/** A bench plus real SDK clients on its sandbox, for making and checking things directly. */
export interface AwsBench {
  bench: StepBench;
  aws: AwsClients;
}

export async function awsBench(options: Parameters<typeof StepBench.start>[0] = {}) {
  const bench = await StepBench.start(options);
  const aws = await sandboxClients(bench.sandbox);
  after(() => aws.close());
  return { bench, aws };
}

/**
 * Stands in for the GCP step create-policy (written by someone else): records it as done
 * with the forwarder addresses create-rule reads.
 */
export async function seedPolicy(
  bench: { statePath: string },
  forwarders: Record<string, string[]> = { 'asia-northeast1': [FORWARDER] },
): Promise<void> {
  const store = await StateStore.open(bench.statePath, 'cloud');
  try {
    await store.updateStep('create-policy', (record) => {
      record.status = 'done';
      record.ownership = 'created';
      record.outputs.forwarders = forwarders;
    });
  } finally {
    await store.close();
  }
}

/** The sandbox's one AWS region, as it is now. */
export function region(bench: StepBench): AwsRegion {
  const found = bench.world().aws.regions[SEED.region];
  assert.ok(found, 'the sandbox has the seed region');
  return found;
}

export function outcomeOf(result: RunResult, id: StepId): StepOutcome {
  const found = result.outcomes.find((each) => each.id === id);
  assert.ok(found, `no outcome for ${id}`);
  return found;
}

/** Asserts the run finished and returns the step's outcome. */
export function succeeded(result: RunResult, id: StepId): StepOutcome {
  const outcome = outcomeOf(result, id);
  const failures = result.outcomes
    .filter((each) => each.error !== undefined)
    .map((each) => `${each.id}: ${String(each.error)}`);
  assert.ok(result.ok, `the run failed:\n${failures.join('\n')}`);
  return outcome;
}

/** Asserts the step failed with the user error `code` (exit 2) and returns its message. */
export function refused(result: RunResult, id: StepId, code = 'CONFLICT'): string {
  const { error, action } = outcomeOf(result, id);
  assert.equal(action, 'failed');
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.exitCode, 2);
  return error.message;
}

/** The calls served since `mark`, as `service:operation` (mutating ones only by default). */
export function mutations(bench: StepBench, mark: number): string[] {
  return bench.mutatingSince(mark).map((call) => call.operation);
}

/** create-policy seeded, create-sg and create-resolver-endpoint applied: create-rule can run. */
export async function readyForRule(bench: StepBench): Promise<string> {
  await seedPolicy(bench);
  const result = await bench.apply(['create-sg', 'create-resolver-endpoint']);
  return succeeded(result, 'create-resolver-endpoint').resources.resolverEndpoint ?? '';
}

/** Adds a second VPC to the sandbox world, for associations that are not psc-bridge's. */
export function addVpc(bench: StepBench, id = 'vpc-0b1b2b3b4b5b6b7b8'): string {
  region(bench).vpcs.push({
    id,
    cidr: '10.200.0.0/16',
    cidrAssociationId: 'vpc-cidr-assoc-0b1b2b3b4b5b6b7b8',
    isDefault: false,
    dhcpOptionsId: SEED.dhcpOptionsId,
    tags: [],
  });
  return id;
}

/**
 * Runs steps through the real engine with any services (e.g. moto for AWS), the way
 * StepBench runs them against its sandbox.
 */
export async function runWith(
  services: CloudServices,
  config: PartialConfig,
  statePath: string,
  ids: StepId[],
  direction: 'apply' | 'destroy',
  progress: string[] = [],
): Promise<RunResult> {
  const store = await StateStore.open(statePath, 'cloud');
  const reporter: Reporter = {
    started() {},
    progress: (step, text) => progress.push(`${step.id}: ${text}`),
    finished() {},
  };
  try {
    return await runSteps({
      steps: await loadSteps(ids),
      direction,
      store,
      config,
      services,
      reporter,
      signal: new AbortController().signal,
      assumeYes: true,
    });
  } finally {
    await store.close();
  }
}

/**
 * A bench whose sandbox replays real durations `speed` times faster, with steps polling at the
 * matching scale (1/speed, as `psc-bridge --sandbox` does), so CREATING and DELETING last long
 * enough to be seen even on a loaded machine. StepBench's own services poll at 0.001.
 */
export async function realisticBench(speed: number) {
  const made = await awsBench({ sandbox: { profile: { latency: 'realistic', speed } } });
  const { bench } = made;
  const url = bench.sandbox.url;
  const services = cloudServices(bench.config, { gcp: url, aws: url }, undefined, 1 / speed);
  const run = (ids: StepId[], direction: 'apply' | 'destroy', progress?: string[]) =>
    runWith(services, bench.config, bench.statePath, ids, direction, progress);
  return { ...made, run };
}

/**
 * The sandbox's services, except that Route 53 Resolver's injected fault is always
 * `[RSLVR-00201] Internal Service Error` (the real module picks it or ThrottlingException at
 * random), so a test can count on meeting it.
 */
export function internalErrorModules(): ServiceModule[] {
  const resolver: ServiceModule = {
    ...resolverModule,
    transientFault: () =>
      resolverError('InternalServiceErrorException', '[RSLVR-00201] Internal Service Error'),
  };
  return [...gcpModules, resolver, ec2Module];
}

/**
 * Makes the sandbox fail the first attempt at every call with its injected transient fault:
 * the fault rate is 1 until a fault has been served, then 0 for the call after it (the
 * retry), then 1 again. The calls must come one at a time, as in one chain of steps.
 */
export function faultEveryFirstAttempt(bench: StepBench): void {
  bench.sandbox.profile.faults = 1;
  bench.killOn = (call) => {
    bench.sandbox.profile.faults = call.injected ? 0 : 1;
  };
}

/**
 * Sends every `command` twice and drops the first answer, inside the SDK's retry loop: the
 * call reached the cloud but its answer was lost, and the retry meets what the first made.
 * Returns the function that takes the middleware out again.
 */
export function loseFirstAnswer(
  client: EC2Client | Route53ResolverClient,
  command: string,
): () => void {
  const name = `lostFirstAnswer${command}`;
  const lose =
    <A, R>(next: (args: A) => Promise<R>, context: { commandName?: string }) =>
    async (args: A) => {
      if (context.commandName === command) await next(args);
      return next(args);
    };
  const options = { step: 'deserialize', name } as const;
  // One call per client type: the two stacks' signatures differ in their input types.
  if (client instanceof EC2Client) client.middlewareStack.add(lose, options);
  else client.middlewareStack.add(lose, options);
  return () => {
    client.middlewareStack.remove(name);
  };
}
