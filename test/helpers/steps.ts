import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import { type CloudServices, cloudServices } from '../../src/cloud/clients.js';
import { FIELDS, type PartialConfig } from '../../src/config/fields.js';
import { type InspectOutcome, inspectSteps } from '../../src/engine/inspect.js';
import { type Reporter, type RunResult, runSteps } from '../../src/engine/run.js';
import type { SandboxOptions, SandboxServer } from '../../src/sandbox/server.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { CallRecord, World } from '../../src/sandbox/types.js';
import type { State } from '../../src/state/schema.js';
import { readState, StateStore } from '../../src/state/store.js';
import type { StepId } from '../../src/steps/catalog.js';
import { type CloudStep, loadSteps } from '../../src/steps/load.js';
import { BIN } from './cli.js';
import { tempDir } from './temp.js';

/** The runbook's values, as examples/runbook.json holds them, flattened. */
export const RUNBOOK: PartialConfig = {
  gcpProject: 'psc-bridge-sandbox',
  gcpRegion: 'asia-northeast1',
  gcpNetwork: 'aws-vpn-test-vpc',
  gcpRouter: 'aws-vpn-test-connect-aws-router',
  pscEndpoint: 'awsconnpscep',
  pscAddressName: 'psced-address',
  pscIp: '10.164.128.1',
  dnsZone: 'restrictedgoogleapis',
  dnsPolicy: 'aws-vpn-test-api-policy',
  awsRegion: 'ap-northeast-1',
  vpcId: 'vpc-028bdb0ee3a9213b4',
  subnetIds: ['subnet-03e945e9c28079b4f', 'subnet-0b5d2f7c81e4a9036'],
  securityGroupName: 'bigquery_vpn_test-resolver-outep-sg',
  resolverEndpointName: 'bigquery_vpn_test-outbound-endpoint',
  resolverRuleName: 'bigquery_vpn_test-forwarding-rule',
};

export interface StepRunOptions {
  assumeYes?: boolean;
  signal?: AbortSignal;
  /** Collects the progress lines steps report. */
  progress?: string[];
}

/**
 * A sandbox, a state file and the real step modules, wired as the CLI wires them, for one
 * test file. Steps run through the engine, so state transitions are the real ones. The state
 * is a `cloud`-mode state pointed at the sandbox through endpoint overrides, as a child
 * `psc-bridge` with AWS_ENDPOINT_URL / PSC_BRIDGE_GCP_ENDPOINT would use it.
 */
export class StepBench {
  readonly services: CloudServices;

  private constructor(
    readonly sandbox: SandboxServer,
    readonly statePath: string,
    readonly config: PartialConfig,
  ) {
    this.services = cloudServices(config, { gcp: sandbox.url, aws: sandbox.url }, undefined, 0.001);
  }

  static async start(
    options: { config?: PartialConfig; sandbox?: SandboxOptions } = {},
  ): Promise<StepBench> {
    let bench: StepBench | undefined;
    const sandbox = await startSandbox({
      ...options.sandbox,
      onServed: (call) => bench?.killOn?.(call),
    });
    after(() => sandbox.close());
    const dir = await tempDir();
    bench = new StepBench(sandbox, join(dir, 'state.json'), { ...RUNBOOK, ...options.config });
    return bench;
  }

  world(): World {
    return this.sandbox.store.current();
  }

  /** Position in the call log, to count calls made after it. */
  mark(): number {
    return this.world().calls.length;
  }

  callsSince(mark: number): CallRecord[] {
    return this.world().calls.slice(mark);
  }

  mutatingSince(mark: number): CallRecord[] {
    return this.callsSince(mark).filter((call) => call.mutating);
  }

  state(): Promise<State | undefined> {
    return readState(this.statePath);
  }

  apply(ids: StepId[], options: StepRunOptions = {}): Promise<RunResult> {
    return this.run(ids, 'apply', options);
  }

  destroy(ids: StepId[], options: StepRunOptions = {}): Promise<RunResult> {
    return this.run(ids, 'destroy', options);
  }

  async inspect(id: StepId): Promise<InspectOutcome> {
    const steps = await loadSteps([id]);
    const [outcome] = await inspectSteps(steps, {
      state: await this.state(),
      config: this.config,
      services: this.services,
      signal: new AbortController().signal,
    });
    if (!outcome) throw new Error(`no inspection for ${id}`);
    return outcome;
  }

  async steps(ids: StepId[]): Promise<CloudStep[]> {
    return loadSteps(ids);
  }

  private async run(
    ids: StepId[],
    direction: 'apply' | 'destroy',
    options: StepRunOptions,
  ): Promise<RunResult> {
    const store = await StateStore.open(this.statePath, 'cloud');
    const progress = options.progress;
    const reporter: Reporter = {
      started() {},
      progress(step, text) {
        progress?.push(`${step.id}: ${text}`);
      },
      finished() {},
    };
    try {
      await store.update((state) => {
        state.config = { ...state.config, ...this.config };
      });
      return await runSteps({
        steps: await loadSteps(ids),
        direction,
        store,
        config: this.config,
        services: this.services,
        reporter,
        signal: options.signal ?? new AbortController().signal,
        assumeYes: options.assumeYes ?? true,
      });
    } finally {
      await store.close();
    }
  }

  /**
   * Runs one step subcommand in a child process against this sandbox and kills it with
   * SIGKILL the moment the sandbox has served `operation` (before the answer leaves), which is
   * a crash between a create call and the state write that would follow it.
   */
  async crashDuring(id: StepId, operation: string): Promise<{ killed: boolean }> {
    const configPath = join(await tempDir(), 'config.json');
    await writeFile(configPath, JSON.stringify(nested(this.config)));
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [BIN, id, '--yes', '--config', configPath, '--state', this.statePath],
        {
          env: {
            ...process.env,
            AWS_ENDPOINT_URL: this.sandbox.url,
            PSC_BRIDGE_GCP_ENDPOINT: this.sandbox.url,
            AWS_ACCESS_KEY_ID: 'sandbox',
            AWS_SECRET_ACCESS_KEY: 'sandbox',
            NO_COLOR: '1',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      let killed = false;
      this.killOn = (call) => {
        if (call.operation === operation && call.mutating && !killed) {
          killed = child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('error', reject);
      child.once('exit', () => {
        clearTimeout(timer);
        this.killOn = undefined;
        if (!killed) reject(new Error(`${id} finished without calling ${operation}:\n${stderr}`));
        else resolve({ killed });
      });
    });
  }

  killOn: ((call: CallRecord) => void) | undefined;
}

/** Flat config values back into the config file's `{ gcp, aws }` shape. */
export function nested(config: PartialConfig): Record<'gcp' | 'aws', Record<string, unknown>> {
  const out: Record<'gcp' | 'aws', Record<string, unknown>> = { gcp: {}, aws: {} };
  for (const field of FIELDS) {
    const value = config[field.key];
    if (value !== undefined) out[field.file[0]][field.file[1]] = value;
  }
  return out;
}
