import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { STEP_HEADER } from '../util/scope.js';
import { queryParams } from './aws/ec2.js';
import { awsModules } from './aws/index.js';
import { gcpModules } from './gcp/index.js';
import { DEFAULT_PROFILE, type SandboxProfile, scaleDuration, seededRandom } from './profile.js';
import type {
  CallRecord,
  Deferral,
  Operation,
  SandboxEnv,
  SandboxRequest,
  SandboxResult,
  ServiceModule,
} from './types.js';
import { type DataPlaneOptions, startDataPlane } from './vpc/data-plane.js';
import { WorldStore } from './world-store.js';

export interface SandboxOptions {
  /** World file shared between commands; omit to keep the world in memory. */
  worldFile?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  profile?: Partial<SandboxProfile>;
  /** Service modules to serve; defaults to every emulated API. */
  modules?: ServiceModule[];
  /**
   * Called for each call after the world has changed and before the answer is sent. Tests
   * use it to kill a client between a create call and its state write.
   */
  onServed?: (call: CallRecord) => void;
  /**
   * Also serve what a workload in the AWS VPC sees, on 127.0.0.1: the VPC resolver's DNS
   * answers and a stand-in for the PSC endpoint (`dns` and `pscHttp` on the server).
   */
  vpcDns?: boolean | DataPlaneOptions;
}

export interface SandboxServer {
  url: string;
  port: number;
  store: WorldStore;
  profile: SandboxProfile;
  /** The VPC resolver stand-in (UDP and TCP), when started with `vpcDns`. */
  dns?: { port: number };
  /**
   * The PSC endpoint stand-in (HTTP), when started with `vpcDns`: the shared port reads the
   * modelled address from the Host header; `portFor(ip)` opens a port for one address.
   */
  pscHttp?: { port: number; portFor(ip: string): Promise<number> };
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1. It never listens on any other address. */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxServer> {
  const profile: SandboxProfile = { ...DEFAULT_PROFILE, ...options.profile };
  const store = new WorldStore(options.worldFile);
  const modules = options.modules ?? [...gcpModules, ...awsModules];
  const dispatcher = new Dispatcher(store, modules, profile, options.onServed);

  const server = createServer((req, res) => {
    dispatcher.serve(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
      }
      res.end(JSON.stringify({ error: { code: 500, message: `sandbox failure: ${message}` } }));
    });
  });
  await listen(server, options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  dispatcher.baseUrl = url;
  const dataPlane = options.vpcDns
    ? await startDataPlane(store, modules, options.vpcDns === true ? {} : options.vpcDns).catch(
        async (error: unknown) => {
          await dispatcher.close(server);
          throw error;
        },
      )
    : undefined;

  return {
    url,
    port,
    store,
    profile,
    ...(dataPlane ? { dns: dataPlane.dns, pscHttp: dataPlane.pscHttp } : {}),
    close: async () => {
      await dataPlane?.close();
      await dispatcher.close(server);
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

class Dispatcher {
  baseUrl = '';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly random: () => number;
  private closing = false;

  constructor(
    private readonly store: WorldStore,
    private readonly modules: ServiceModule[],
    private readonly profile: SandboxProfile,
    private readonly onServed?: (call: CallRecord) => void,
  ) {
    this.random = seededRandom(profile.faultSeed);
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readRequest(req);
    const module = this.modules.find((candidate) => candidate.matches(request));
    if (!module) {
      send(res, await this.exclusive(() => this.unmatched(request)));
      return;
    }

    const op = module.identify(request);
    for (;;) {
      const outcome = await this.exclusive(() => this.answer(module, op, request));
      if ('deferMs' in outcome) {
        if (this.closing) throw new Error('the sandbox is shutting down');
        await sleep(Math.max(1, outcome.deferMs));
        continue;
      }
      send(res, outcome);
      return;
    }
  }

  /** Runs one answer at a time, so handlers never see a half-changed world. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async answer(
    module: ServiceModule,
    op: Operation | undefined,
    request: SandboxRequest,
  ): Promise<SandboxResult | Deferral> {
    const world = this.store.current();
    const now = Date.now();
    for (const each of this.modules) each.advance(world, now);

    let workMs = 0;
    const env: SandboxEnv = {
      world,
      now: () => now,
      duration: (ms) => scaleDuration(this.profile, ms),
      work: (ms) => {
        const scaled = scaleDuration(this.profile, ms);
        workMs += scaled;
        return scaled;
      },
      heads: () => this.random() < 0.5,
      hex: (length) =>
        randomBytes(Math.ceil(length / 2))
          .toString('hex')
          .slice(0, length),
      baseUrl: this.baseUrl,
    };

    let result: SandboxResult | Deferral;
    let injected = false;
    if (!op) {
      result = module.unknownOperation(request);
    } else if (this.profile.faults > 0 && this.random() < this.profile.faults) {
      result = module.transientFault(op, env);
      injected = true;
    } else {
      result = module.handle(request, op, env);
    }
    if ('deferMs' in result) return result;

    const call: CallRecord = {
      at: request.arrivedAt,
      service: module.service,
      operation: op?.operation ?? unknownName(request),
      mutating: op?.mutating ?? false,
      status: result.status,
    };
    call.target = targetOf(request);
    const step = request.headers[STEP_HEADER];
    if (step) call.step = step;
    if (workMs > 0) call.workMs = workMs;
    if (result.error) call.error = result.error;
    if (injected) call.injected = true;
    world.calls.push(call);
    await this.store.save();
    this.onServed?.(call);
    return result;
  }

  /**
   * A request no service module claims: a 404 naming it, logged (service `unknown`) like any
   * other call so that a client reaching for an API the sandbox lacks shows up in the log.
   */
  private async unmatched(request: SandboxRequest): Promise<SandboxResult> {
    const result: SandboxResult = {
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          code: 404,
          message: `psc-bridge sandbox does not emulate ${request.method} ${request.path}`,
        },
      }),
      error: 'notEmulated',
    };
    const call: CallRecord = {
      at: request.arrivedAt,
      service: 'unknown',
      operation: unknownName(request),
      mutating: false,
      status: result.status,
      target: targetOf(request),
      error: 'notEmulated',
    };
    this.store.current().calls.push(call);
    await this.store.save();
    this.onServed?.(call);
    return result;
  }

  async close(server: Server): Promise<void> {
    this.closing = true;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await this.queue;
  }
}

/**
 * How the call log names a request the emulator does not model: by the operation the client
 * asked for where the protocol names one (the JSON protocols' X-Amz-Target, the EC2 Query
 * protocol's Action), else by method and path (the REST APIs).
 */
function unknownName(request: SandboxRequest): string {
  const target = request.headers['x-amz-target'];
  if (target) return `unknown ${target}`;
  const action = queryParams(request).get('Action');
  if (action) return `unknown ${action}`;
  return `unknown ${request.method} ${request.path}`;
}

function targetOf(request: SandboxRequest): string {
  const query = request.query.toString();
  const body = request.body
    ? ` #${createHash('sha1').update(request.body).digest('hex').slice(0, 12)}`
    : '';
  return `${request.method} ${request.path}${query ? `?${query}` : ''}${body}`;
}

async function readRequest(req: IncomingMessage): Promise<SandboxRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
    arrivedAt: Date.now(),
  };
}

function send(res: ServerResponse, result: SandboxResult): void {
  const headers = { 'content-type': 'application/json', ...result.headers };
  res.writeHead(result.status, headers);
  res.end(result.body);
}
