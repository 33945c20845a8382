import { createRequire } from 'node:module';
import type {
  AddressesClient,
  GlobalAddressesClient,
  GlobalForwardingRulesClient,
  GlobalOperationsClient,
  NetworksClient,
  RegionOperationsClient,
  RoutersClient,
  SubnetworksClient,
} from '@google-cloud/compute';
import type { GoogleAuth, OAuth2Client } from 'google-auth-library';
import type { cloudresourcemanager_v1 } from 'googleapis/build/src/apis/cloudresourcemanager/v1.js';
import type { dns_v1 } from 'googleapis/build/src/apis/dns/v1.js';
import type { serviceusage_v1 } from 'googleapis/build/src/apis/serviceusage/v1.js';
import { CloudError } from '../errors.js';
import { currentStep, STEP_HEADER } from '../util/scope.js';

export interface GcpClientOptions {
  projectId: string;
  /** Base URL such as `http://127.0.0.1:4510`; the real Google endpoints when omitted. */
  endpoint?: string;
  verbose?: (line: string) => void;
}

export interface ComputeClients {
  networks: NetworksClient;
  subnetworks: SubnetworksClient;
  globalAddresses: GlobalAddressesClient;
  globalForwardingRules: GlobalForwardingRulesClient;
  routers: RoutersClient;
  addresses: AddressesClient;
  globalOperations: GlobalOperationsClient;
  regionOperations: RegionOperationsClient;
}

export interface GcpClients {
  projectId: string;
  compute: ComputeClients;
  dns(): Promise<dns_v1.Dns>;
  serviceUsage(): Promise<serviceusage_v1.Serviceusage>;
  /** Only to offer the projects the caller can see, when a prompt asks for one. */
  resourceManager(): Promise<cloudresourcemanager_v1.Cloudresourcemanager>;
}

/**
 * Call options for the `*Async` list iterators: they page on demand anyway, and without this
 * google-gax prints an AutopaginateTrueWarning on every run.
 */
export const NO_AUTO_PAGINATE = { autoPaginate: false } as const;

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Builds the GCP clients. The SDKs load on first use only: `@google-cloud/compute` (about
 * two seconds of CPU) and the two single-API `googleapis` modules, never the whole package.
 * With a loopback `endpoint` (the sandbox) calls carry a fixed token and no credentials are
 * looked for; otherwise Application Default Credentials are used.
 */
export async function createGcpClients(options: GcpClientOptions): Promise<GcpClients> {
  const endpoint = options.endpoint ? new URL(options.endpoint) : undefined;
  const { auth, computeAuth } = await credentials(endpoint);
  options.verbose?.(`gcp: ${endpoint ? `endpoint ${endpoint.origin}` : 'Google APIs'}`);

  const settings = endpoint
    ? {
        apiEndpoint: endpoint.hostname,
        port: endpointPort(endpoint),
        protocol: endpoint.protocol.replace(':', ''),
      }
    : {};
  let compute: ComputeClients | undefined;
  const computeSettings: ComputeSettings = { ...settings, ...computeAuth };

  const rootUrl = endpoint ? `${endpoint.origin}/` : undefined;
  const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () => {
      made ??= make();
      return made;
    };
  };
  return {
    projectId: options.projectId,
    // Built on first use: a step that only needs Cloud DNS or Service Usage never pays for it.
    get compute() {
      compute ??= computeClients(computeSettings);
      return compute;
    },
    dns: once(async () => {
      const { dns_v1 } = await import('googleapis/build/src/apis/dns/v1.js');
      return new dns_v1.Dns({ ...(rootUrl ? { rootUrl } : {}), auth });
    }),
    resourceManager: once(async () => {
      const { cloudresourcemanager_v1 } = await import(
        'googleapis/build/src/apis/cloudresourcemanager/v1.js'
      );
      return new cloudresourcemanager_v1.Cloudresourcemanager({
        ...(rootUrl ? { rootUrl } : {}),
        auth,
      });
    }),
    serviceUsage: once(async () => {
      const { serviceusage_v1 } = await import('googleapis/build/src/apis/serviceusage/v1.js');
      return new serviceusage_v1.Serviceusage({
        ...(rootUrl ? { rootUrl } : {}),
        auth,
      });
    }),
  };
}

/**
 * The Compute clients. `@google-cloud/compute` is CommonJS, so it can be required on first
 * use from the synchronous `compute` getter. Each client is required from its own module:
 * the package's index loads every Compute client and a 30 MB protobuf module, about two
 * seconds of CPU that block everything else in flight; the eight used here cost a fraction.
 */
function computeClients(settings: ComputeSettings): ComputeClients {
  const require = createRequire(import.meta.url);
  const load = <K extends keyof ComputeSdk>(file: string, name: K): ComputeSdk[K] =>
    (require(`@google-cloud/compute/build/src/v1/${file}_client.js`) as ComputeSdk)[name];
  const NetworksClient = load('networks', 'NetworksClient');
  const SubnetworksClient = load('subnetworks', 'SubnetworksClient');
  const GlobalAddressesClient = load('global_addresses', 'GlobalAddressesClient');
  const GlobalForwardingRulesClient = load(
    'global_forwarding_rules',
    'GlobalForwardingRulesClient',
  );
  const RoutersClient = load('routers', 'RoutersClient');
  const AddressesClient = load('addresses', 'AddressesClient');
  const GlobalOperationsClient = load('global_operations', 'GlobalOperationsClient');
  const RegionOperationsClient = load('region_operations', 'RegionOperationsClient');
  return {
    networks: new NetworksClient(settings),
    subnetworks: new SubnetworksClient(settings),
    globalAddresses: new GlobalAddressesClient(settings),
    globalForwardingRules: new GlobalForwardingRulesClient(settings),
    routers: new RoutersClient(settings),
    addresses: new AddressesClient(settings),
    globalOperations: new GlobalOperationsClient(settings),
    regionOperations: new RegionOperationsClient(settings),
  };
}

type ComputeSdk = typeof import('@google-cloud/compute');
type ComputeSettings = ConstructorParameters<ComputeSdk['NetworksClient']>[0];

/**
 * The credentials for both SDKs: a fixed token for a loopback endpoint (the sandbox), else
 * Application Default Credentials. google-gax takes an OAuth2 client as `authClient` and a
 * GoogleAuth as `auth`; googleapis takes either as `auth`.
 */
async function credentials(endpoint: URL | undefined): Promise<{
  auth: GoogleAuth | OAuth2Client;
  computeAuth: Pick<NonNullable<ComputeSettings>, 'auth' | 'authClient'>;
}> {
  if (endpoint && LOOPBACK.has(endpoint.hostname)) {
    const client = await sandboxAuth();
    return { auth: client, computeAuth: { authClient: client } };
  }
  const auth = await adc();
  return { auth, computeAuth: { auth } };
}

function endpointPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}

/** An OAuth2 client holding a fixed, never-expiring token: it never reaches for credentials. */
async function sandboxAuth(): Promise<OAuth2Client> {
  const { OAuth2Client } = await import('google-auth-library');
  // Both request paths pass through the auth client: google-gax asks it for headers,
  // googleapis sends through its transporter. Each also names the running step, for the
  // emulator's call log.
  class SandboxAuth extends OAuth2Client {
    override async getRequestHeaders(url?: string | URL): Promise<Headers> {
      return stampStep(await super.getRequestHeaders(url));
    }
  }
  const client = new SandboxAuth();
  client.setCredentials({ access_token: 'psc-bridge-sandbox', expiry_date: Date.now() + 3.15e10 });
  client.transporter.interceptors.request.add({
    resolved: async (options) => {
      stampStep(options.headers);
      return options;
    },
  });
  return client;
}

function stampStep(headers: Headers): Headers {
  const step = currentStep.getStore();
  if (step) headers.set(STEP_HEADER, step);
  return headers;
}

/**
 * Application Default Credentials, looked up here rather than by the SDKs: google-gax throws a
 * missing-credentials error from a callback where nothing can catch it (the process dies with
 * a stack trace), so the clients get an auth whose client already exists, and a missing login
 * becomes one clear error.
 */
async function adc(): Promise<GoogleAuth> {
  const { GoogleAuth } = await import('google-auth-library');
  const auth = new GoogleAuth({ scopes: SCOPES });
  try {
    await auth.getClient(); // cached by `auth`, which both SDKs then reuse
    return auth;
  } catch (error) {
    throw new CloudError(
      'UNAUTHENTICATED',
      `no Google credentials: ${error instanceof Error ? error.message : String(error)}`,
      { cloud: 'gcp', api: 'google-auth-library', transient: false },
      CREDENTIALS_HINT,
    );
  }
}

const CREDENTIALS_HINT =
  'Run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a ' +
  'service account key file), then run psc-bridge again.';

// ---------------------------------------------------------------------------------------
// Errors

interface ErrorFacts {
  status?: number;
  grpc?: number;
  reason?: string;
  message: string;
  network?: string;
}

const GRPC_TO_HTTP: Record<number, number> = {
  3: 400,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 412,
  14: 503,
  16: 401,
};

/** What google-auth-library says when a login is missing, expired or revoked. */
const CREDENTIAL_TROUBLE =
  /default credentials|invalid_grant|invalid_rapt|reauth|Could not refresh access token/i;

const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'];

/**
 * Maps what the GCP SDKs throw to a CloudError with a stable code: `GaxiosError` from
 * `googleapis` (`status`, reason in `response.data.error.errors[0]`), `GaxiosError` from
 * `@google-cloud/compute` 6.x (`code` 404/409), `GoogleError` with gRPC codes (7.x), and
 * network failures.
 */
export function toCloudError(error: unknown, api: string, resource?: string): CloudError {
  if (error instanceof CloudError) return error;
  const facts = factsOf(error);
  const status = facts.status ?? (facts.grpc === undefined ? undefined : GRPC_TO_HTTP[facts.grpc]);
  const code = facts.network
    ? 'UNREACHABLE'
    : CREDENTIAL_TROUBLE.test(facts.message)
      ? 'UNAUTHENTICATED'
      : codeFor(status, facts.reason);
  const transient =
    facts.network !== undefined ||
    status === 429 ||
    (status !== undefined && status >= 500 && status !== 501) ||
    facts.reason === 'resourceNotReady';
  const where = resource ? ` (${resource})` : '';
  return new CloudError(
    code,
    `${api}${where}: ${facts.message}`,
    {
      cloud: 'gcp',
      api,
      ...(resource ? { resource } : {}),
      ...(status !== undefined ? { status } : {}),
      transient,
    },
    hintFor(code, facts),
  );
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function factsOf(error: unknown): ErrorFacts {
  const top = record(error);
  const message = error instanceof Error ? error.message : String(error);
  if (!top) return { message };
  const body = record(record(record(top.response)?.data)?.error) ?? bodyFromMessage(message);
  const reason = reasonOf(body) ?? (typeof top.reason === 'string' ? top.reason : undefined);
  const status = numberOf(top.status) ?? numberOf(record(top.response)?.status);
  const code = numberOf(top.code);
  const facts: ErrorFacts = {
    message: typeof body?.message === 'string' ? body.message : message,
    ...(reason ? { reason } : {}),
  };
  if (status !== undefined) facts.status = status;
  else if (code !== undefined && code >= 100) facts.status = code;
  else if (code !== undefined) facts.grpc = code;
  if (typeof top.code === 'string' && NETWORK_CODES.includes(top.code)) facts.network = top.code;
  return facts;
}

/** compute 6.x puts the JSON error body in the message when the response is not kept. */
function bodyFromMessage(message: string): Record<string, unknown> | undefined {
  if (!message.startsWith('{')) return undefined;
  try {
    return record(record(JSON.parse(message))?.error);
  } catch {
    return undefined;
  }
}

function reasonOf(body: Record<string, unknown> | undefined): string | undefined {
  const first = Array.isArray(body?.errors) ? record(body.errors[0]) : undefined;
  if (typeof first?.reason === 'string') return first.reason;
  const details = Array.isArray(body?.details) ? body.details.map(record) : [];
  const info = details.find((each) => typeof each?.reason === 'string');
  return typeof info?.reason === 'string' ? info.reason : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const REASON_CODES: Record<string, string> = {
  alreadyExists: 'ALREADY_EXISTS',
  notFound: 'NOT_FOUND',
  conditionNotMet: 'PRECONDITION_FAILED',
  resourceInUseByAnotherResource: 'RESOURCE_IN_USE',
  resourceNotReady: 'NOT_READY',
  containerNotEmpty: 'NOT_EMPTY',
  accessNotConfigured: 'API_NOT_ENABLED',
  SERVICE_DISABLED: 'API_NOT_ENABLED',
  rateLimitExceeded: 'RATE_LIMITED',
  RATE_LIMIT_EXCEEDED: 'RATE_LIMITED',
  notImplemented: 'NOT_IMPLEMENTED',
};

const STATUS_CODES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'PRECONDITION_FAILED',
  429: 'RATE_LIMITED',
  501: 'NOT_IMPLEMENTED',
};

function codeFor(status: number | undefined, reason: string | undefined): string {
  const byReason = reason ? REASON_CODES[reason] : undefined;
  if (byReason) return byReason;
  if (status !== undefined && STATUS_CODES[status]) return STATUS_CODES[status] ?? '';
  if (status !== undefined && status >= 500) return 'UNAVAILABLE';
  return 'GCP_ERROR';
}

function hintFor(code: string, facts: ErrorFacts): string | undefined {
  switch (code) {
    case 'API_NOT_ENABLED':
      return 'Enable the API in the project, or wait a few minutes if it was just enabled.';
    case 'UNAUTHENTICATED':
      return CREDENTIALS_HINT;
    case 'UNREACHABLE':
      return `The GCP endpoint could not be reached (${facts.network ?? 'network error'}).`;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Compute operations

/** The fields of a Compute Operation psc-bridge reads. */
export interface ComputeOperation {
  name?: string | null;
  status?: string | number | null;
  targetLink?: string | null;
  region?: string | null;
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null;
}

export interface ComputeOperationRef {
  name: string;
  /** Region name for a regional operation; global otherwise. */
  region?: string;
}

/** The Operation enum's DONE value, as the compute protos number it. */
const DONE_NUMBER = 2104194;

/**
 * Reads the operation out of what an SDK insert/patch/delete resolved to: `[operation]`
 * whose `latestResponse` (or itself) is the Compute Operation.
 */
export function operationRef(result: unknown): ComputeOperationRef {
  const first = Array.isArray(result) ? result[0] : result;
  const outer = record(first);
  const op = record(outer?.latestResponse) ?? outer;
  const name = typeof op?.name === 'string' ? op.name : undefined;
  if (!name) throw new Error('the SDK answer holds no compute operation');
  const region = typeof op?.region === 'string' ? lastSegment(op.region) : undefined;
  return region ? { name, region } : { name };
}

function lastSegment(link: string): string {
  return link.split('/').filter(Boolean).pop() ?? link;
}

export interface WaitOptions {
  /** API name for errors, e.g. `compute.globalAddresses.insert`. */
  api?: string;
  resource?: string;
  /** Give up after this long (default 15 minutes). */
  timeoutMs?: number;
  onStatus?: (status: string, elapsedMs: number) => void;
}

/**
 * Waits for a Compute operation with `operations.wait` (which returns at DONE or after about
 * two minutes), looping until DONE, then throws a CloudError if the operation failed.
 */
export async function waitForComputeOperation(
  clients: GcpClients,
  ref: ComputeOperationRef,
  options: WaitOptions = {},
): Promise<ComputeOperation> {
  const api = options.api ?? 'compute.operations.wait';
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 15 * 60_000);
  for (;;) {
    const op = await waitOnce(clients, ref, api, options.resource);
    const status = String(op.status ?? '');
    options.onStatus?.(status, Date.now() - started);
    if (status === 'DONE' || op.status === DONE_NUMBER) {
      throwIfFailed(op, api, options.resource);
      return op;
    }
    if (Date.now() >= deadline) {
      throw new CloudError('OPERATION_TIMEOUT', `${api}: ${ref.name} is still ${status}`, {
        cloud: 'gcp',
        api,
        ...(options.resource ? { resource: options.resource } : {}),
        transient: true,
      });
    }
  }
}

async function waitOnce(
  clients: GcpClients,
  ref: ComputeOperationRef,
  api: string,
  resource?: string,
): Promise<ComputeOperation> {
  const project = clients.projectId;
  try {
    const [op] = ref.region
      ? await clients.compute.regionOperations.wait({
          project,
          region: ref.region,
          operation: ref.name,
        })
      : await clients.compute.globalOperations.wait({ project, operation: ref.name });
    return op as ComputeOperation;
  } catch (error) {
    throw toCloudError(error, api, resource);
  }
}

const OPERATION_ERROR_CODES: Record<string, string> = {
  RESOURCE_ALREADY_EXISTS: 'ALREADY_EXISTS',
  RESOURCE_NOT_FOUND: 'NOT_FOUND',
  RESOURCE_NOT_READY: 'NOT_READY',
  RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: 'RESOURCE_IN_USE',
};

function throwIfFailed(op: ComputeOperation, api: string, resource?: string): void {
  const first = op.error?.errors?.[0];
  if (!first) return;
  const raw = first.code ?? 'OPERATION_FAILED';
  const code = OPERATION_ERROR_CODES[raw] ?? 'OPERATION_FAILED';
  const messages = (op.error?.errors ?? []).map((each) => each.message ?? each.code).join('; ');
  throw new CloudError(code, `${api}: ${messages}`, {
    cloud: 'gcp',
    api,
    ...(resource ? { resource } : {}),
    transient: code === 'NOT_READY',
  });
}
