import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chainLengths, criticalPath, waitsFor } from '../../src/engine/graph.js';
import { type Reporter, runSteps } from '../../src/engine/run.js';
import { CloudError } from '../../src/errors.js';
import { readState, StateStore } from '../../src/state/store.js';
import { CATALOG, type StepId, stepInfo } from '../../src/steps/catalog.js';
import type { Step, StepContext } from '../../src/steps/types.js';
import { tempDir } from '../helpers/temp.js';

interface Event {
  id: StepId;
  kind: 'start' | 'end';
  at: number;
}

interface FixtureOptions {
  delayMs?: Partial<Record<StepId, number>>;
  failing?: StepId[];
  /** Called inside apply, after the token is written, before the "cloud call". */
  during?: (id: StepId, ctx: StepContext) => Promise<void> | void;
}

/** Test-only steps with the real ids and graph: they sleep and log instead of calling clouds. */
function fixtureSteps(events: Event[], options: FixtureOptions = {}): Step[] {
  return CATALOG.map((info) => {
    const work = async (ctx: StepContext) => {
      events.push({ id: info.id, kind: 'start', at: performance.now() });
      const token = await ctx.token('create');
      await options.during?.(info.id, ctx);
      await sleep(options.delayMs?.[info.id] ?? 5, undefined, { signal: ctx.signal });
      events.push({ id: info.id, kind: 'end', at: performance.now() });
      if (options.failing?.includes(info.id)) {
        throw new CloudError('BOOM', `fixture ${info.id} failed`, {
          cloud: info.cloud,
          api: 'fixture.call',
          resource: info.id,
        });
      }
      return token;
    };
    return {
      ...info,
      inspect: async () => ({ presence: 'absent', resources: {}, differences: [] }),
      apply: async (ctx) => {
        const token = await work(ctx);
        return {
          action: 'created',
          ownership: 'created',
          resources: { id: `${info.id}-${token.slice(0, 4)}` },
        };
      },
      destroy: async (ctx) => {
        await work(ctx);
        return { action: 'deleted' };
      },
      commands: () => [`echo ${info.id}`],
    } satisfies Step;
  });
}

const quiet: Reporter = { started() {}, progress() {}, finished() {} };

async function run(
  events: Event[],
  options: FixtureOptions & {
    direction?: 'apply' | 'destroy';
    signal?: AbortSignal;
    path?: string;
  } = {},
) {
  const path = options.path ?? join(await tempDir(), 'state.json');
  const store = await StateStore.open(path, 'sandbox');
  try {
    const result = await runSteps({
      steps: fixtureSteps(events, options),
      direction: options.direction ?? 'apply',
      store,
      config: {},
      services: undefined,
      reporter: quiet,
      signal: options.signal ?? new AbortController().signal,
      assumeYes: true,
    });
    return { result, path };
  } finally {
    await store.close();
  }
}

const order = (events: Event[], kind: Event['kind']) =>
  events.filter((e) => e.kind === kind).map((e) => e.id);
const when = (events: Event[], id: StepId, kind: Event['kind']) => {
  const event = events.find((e) => e.id === id && e.kind === kind);
  assert.ok(event, `${id} ${kind}`);
  return event.at;
};

describe('graph', () => {
  test('apply waits for needs; destroy waits for dependents', () => {
    const apply = waitsFor(CATALOG, 'apply');
    assert.deepEqual(apply.get('create-rule'), ['create-resolver-endpoint', 'create-policy']);
    const destroy = waitsFor(CATALOG, 'destroy');
    assert.deepEqual(destroy.get('create-psc'), ['advertise-route', 'add-records']);
    assert.deepEqual(destroy.get('associate'), []);
  });

  test('each step knows the longest chain that waits on it', () => {
    const destroy = chainLengths(CATALOG, 'destroy');
    assert.equal(destroy.get('associate'), 4); // associate, rule, endpoint, group
    assert.equal(destroy.get('advertise-route'), 3); // advertise-route, create-psc, enable-apis
    assert.equal(chainLengths(CATALOG, 'apply').get('associate'), 1);
  });

  test('the critical path of the real graph is four steps deep', () => {
    assert.equal(criticalPath(CATALOG, 'apply'), 4);
    assert.equal(criticalPath(CATALOG, 'destroy'), 4);
  });
});

describe('engine', () => {
  test('every step starts only after what it needs has ended', async () => {
    const events: Event[] = [];
    const { result } = await run(events);
    assert.equal(result.ok, true);
    assert.equal(result.outcomes.length, 10);
    for (const info of CATALOG) {
      for (const need of info.needs) {
        assert.ok(
          when(events, need, 'end') <= when(events, info.id, 'start'),
          `${need} before ${info.id}`,
        );
      }
    }
  });

  test('independent chains overlap', async () => {
    const events: Event[] = [];
    const delayMs = Object.fromEntries(CATALOG.map((s) => [s.id, 100]));
    const began = performance.now();
    const { result } = await run(events, { delayMs });
    const took = performance.now() - began;
    assert.equal(result.ok, true);
    let running = 0;
    let most = 0;
    for (const event of [...events].sort((a, b) => a.at - b.at)) {
      running += event.kind === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    assert.ok(most >= 3, `at most ${most} steps ran at once`);
    assert.ok(when(events, 'create-sg', 'start') < when(events, 'enable-apis', 'end'));
    // One after another the ten steps would take 1000 ms; the graph is four deep. (Kept loose:
    // every transition is an fsync'd state write, slow on a busy machine.)
    assert.ok(took < 950, `took ${took.toFixed(0)} ms`);
  });

  test('of the steps ready together, the head of the longest chain starts first', async () => {
    const events: Event[] = [];
    const { result } = await run(events, { direction: 'destroy' });
    assert.equal(result.ok, true);
    // Catalog order would start advertise-route first; associate heads the longer chain.
    assert.equal(order(events, 'start')[0], 'associate');
  });

  test('teardown walks the graph backwards', async () => {
    const events: Event[] = [];
    const { result } = await run(events, { direction: 'destroy' });
    assert.equal(result.ok, true);
    for (const info of CATALOG) {
      for (const need of info.needs) {
        assert.ok(
          when(events, info.id, 'end') <= when(events, need, 'start'),
          `${info.id} before ${need}`,
        );
      }
    }
  });

  test('a failure starts nothing new, lets running steps finish, and is recorded', async () => {
    const events: Event[] = [];
    const { result, path } = await run(events, {
      failing: ['enable-apis'],
      delayMs: { 'enable-apis': 5, 'create-sg': 60 },
    });
    assert.equal(result.ok, false);
    assert.equal(result.failure?.id, 'enable-apis');
    assert.ok(order(events, 'end').includes('create-sg'), 'the running AWS step finished');
    assert.ok(!order(events, 'start').includes('create-resolver-endpoint'), 'nothing new started');
    const state = await readState(path);
    assert.equal(state?.steps['enable-apis']?.status, 'failed');
    assert.equal(state?.steps['enable-apis']?.error?.code, 'BOOM');
    assert.equal(state?.steps['create-sg']?.status, 'done');
    const skipped = result.outcomes.filter((o) => o.action === 'skipped').map((o) => o.id);
    assert.ok(skipped.includes('create-psc'));
  });

  test('an interrupted run keeps its tokens; the rerun resumes with the same ones', async () => {
    const stop = new AbortController();
    const events: Event[] = [];
    const tokensSeen: Record<string, string> = {};
    const first = await run(events, {
      signal: stop.signal,
      delayMs: { 'create-resolver-endpoint': 500 },
      during: (id, ctx) => {
        if (id === 'create-resolver-endpoint') {
          tokensSeen.first = ctx.record.tokens.create ?? '';
          setTimeout(() => stop.abort(), 20);
        }
      },
    });
    assert.equal(first.result.interrupted, true);
    const mid = await readState(first.path);
    const record = mid?.steps['create-resolver-endpoint'];
    assert.equal(record?.status, 'in-progress');
    assert.equal(record?.error?.code, 'INTERRUPTED');
    assert.equal(record?.tokens.create, tokensSeen.first, 'the token was on disk before the call');

    const second = await run([], {
      path: first.path,
      during: (id, ctx) => {
        if (id === 'create-resolver-endpoint') tokensSeen.second = ctx.record.tokens.create ?? '';
      },
    });
    assert.equal(second.result.ok, true);
    assert.equal(tokensSeen.second, tokensSeen.first);
    const done = await readState(first.path);
    assert.ok(Object.values(done?.steps ?? {}).every((s) => s?.status === 'done'));
  });

  test('a torn-down step keeps nothing of its past life', async () => {
    const path = join(await tempDir(), 'state.json');
    await run([], { path });
    await run([], { path, direction: 'destroy' });
    const state = await readState(path);
    for (const info of CATALOG) {
      const record = state?.steps[info.id];
      assert.equal(record?.status, 'pending');
      assert.equal(record?.action, 'deleted');
      assert.equal(record?.ownership, undefined);
      assert.deepEqual([record?.resources, record?.tokens, record?.outputs], [{}, {}, {}]);
    }
  });

  test('each transition is on disk before the next action', async () => {
    const path = join(await tempDir(), 'state.json');
    const seen: string[] = [];
    await run([], {
      path,
      during: async (id) => {
        const state = await readState(path);
        seen.push(`${id}:${state?.steps[id]?.status}`);
        for (const need of stepInfo(id).needs) {
          assert.equal(state?.steps[need]?.status, 'done', `${need} recorded done before ${id}`);
        }
      },
    });
    assert.ok(
      seen.every((s) => s.endsWith(':in-progress')),
      seen.join(' '),
    );
  });
});
