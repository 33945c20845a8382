import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetResolverEndpointCommand } from '@aws-sdk/client-route53resolver';
import type { CallRecord } from '../../src/sandbox/types.js';
import type { StepId } from '../../src/steps/catalog.js';
import { rejectsWith } from '../helpers/aws.js';
import {
  awsBench,
  faultEveryFirstAttempt,
  internalErrorModules,
  region,
  seedPolicy,
  succeeded,
} from '../helpers/aws-steps.js';
import type { StepBench } from '../helpers/steps.js';

const AWS_STEPS: StepId[] = ['create-sg', 'create-resolver-endpoint', 'create-rule', 'associate'];

/** `operation error` for each call since `mark`, `ok` for the ones that succeeded. */
function answers(calls: CallRecord[]): string[] {
  return calls.map((call) => `${call.operation} ${call.error ?? 'ok'}`);
}

/**
 * Asserts each injected fault was followed at once by a real answer to the same call: the
 * retry. (That answer may be an error the step expects, e.g. revoking a rule that is not
 * there.)
 */
function everyFaultRetried(calls: CallRecord[]): void {
  calls.forEach((call, index) => {
    if (!call.injected) return;
    const next = calls[index + 1];
    assert.equal(next?.operation, call.operation, answers(calls).join('\n'));
    assert.equal(next?.injected, undefined, `${call.operation} faulted twice`);
  });
}

async function faultyBench(): Promise<StepBench> {
  const { bench } = await awsBench({ sandbox: { modules: internalErrorModules() } });
  await seedPolicy(bench);
  return bench;
}

describe('AWS steps with a transient fault on the first attempt at every call', () => {
  test('setup and teardown complete; RSLVR-00201 is retried by the SDK', async () => {
    const bench = await faultyBench();
    const mark = bench.mark();
    faultEveryFirstAttempt(bench);

    const setup = await bench.apply(AWS_STEPS);
    for (const id of AWS_STEPS) assert.equal(succeeded(setup, id).action, 'created');
    const world = region(bench);
    assert.equal(world.securityGroups.filter((g) => g.name !== 'default').length, 1);
    assert.equal(world.resolverEndpoints.length, 1);
    assert.equal(world.resolverRules.length, 1);
    assert.equal(world.ruleAssociations.length, 1);

    const torn = await bench.destroy(AWS_STEPS);
    for (const id of AWS_STEPS) assert.equal(succeeded(torn, id).action, 'deleted');
    assert.equal(region(bench).resolverEndpoints.length, 0);

    const calls = bench.callsSince(mark);
    everyFaultRetried(calls);
    const resolverFaults = calls.filter((c) => c.injected && c.service === 'route53resolver');
    assert.ok(
      resolverFaults.every((c) => c.error === 'InternalServiceErrorException' && c.status === 400),
      answers(resolverFaults).join('\n'),
    );
    const faulted = new Set(resolverFaults.map((c) => c.operation));
    for (const operation of [
      'CreateResolverEndpoint',
      'CreateResolverRule',
      'AssociateResolverRule',
      'DisassociateResolverRule',
      'DeleteResolverRule',
      'DeleteResolverEndpoint',
    ]) {
      assert.ok(faulted.has(operation), `${operation} met RSLVR-00201`);
    }
    const gcpFaults = calls.filter((c) => c.injected && c.operation === 'compute.subnetworks.list');
    assert.ok(gcpFaults.length > 0 && gcpFaults.every((c) => c.status === 429));
  });

  test('create-sg survives a 429 on its GCP subnet lookup', async () => {
    const bench = await faultyBench();
    const mark = bench.mark();
    faultEveryFirstAttempt(bench);
    succeeded(await bench.apply(['create-sg']), 'create-sg');
    const calls = bench.callsSince(mark);
    assert.deepEqual(answers(calls).slice(0, 2), [
      'compute.subnetworks.list rateLimitExceeded',
      'compute.subnetworks.list ok',
    ]);
    everyFaultRetried(calls);
  });

  test('an error that is the caller’s own is not retried', async () => {
    const bench = await faultyBench();
    const resolver = await bench.services.resolver();
    const mark = bench.mark();
    const missing = new GetResolverEndpointCommand({ ResolverEndpointId: 'rslvr-out-0000000000' });
    await rejectsWith(resolver.send(missing), 'ResourceNotFoundException');
    assert.deepEqual(answers(bench.callsSince(mark)), [
      'GetResolverEndpoint ResourceNotFoundException',
    ]);
  });
});
