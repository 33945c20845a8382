import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { CloudError } from '../errors.js';
import { currentStep, STEP_HEADER } from '../util/scope.js';

export interface AwsClientOptions {
  region: string;
  /** A named profile for the default credential chain. */
  profile?: string;
  /** Overrides AWS_ENDPOINT_URL (and the per-service variables) when set. */
  endpoint?: string;
  /** Receives one line per API call (operation, outcome, time). */
  verbose?: (line: string) => void;
  /** Attempts per call including the first (SDK standard retry mode); default 3. */
  maxAttempts?: number;
}

/** The SDK's credential types, named through the client so no transitive package is imported. */
type AwsCredentialIdentityProvider = EC2Client['config']['credentials'];
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

/** Credentials handed to a local emulator when the machine has none; never sent to AWS. */
const SANDBOX_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'psc-bridge-sandbox',
  secretAccessKey: 'psc-bridge-sandbox',
};

export async function createEc2(options: AwsClientOptions): Promise<EC2Client> {
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const local = isLoopbackTarget(options, 'EC2');
  const make = (config: BaseConfig) => new EC2Client(config);
  const client = make(clientConfig(options, local, make));
  if (local) {
    client.middlewareStack.add((next) => (args) => next(withStep(args)), STEP_MIDDLEWARE);
  }
  const { verbose } = options;
  if (verbose) {
    client.middlewareStack.add(
      (next, context) => (args) => timed(verbose, context.commandName, () => next(args)),
      VERBOSE_MIDDLEWARE,
    );
  }
  return client;
}

export async function createResolver(options: AwsClientOptions): Promise<Route53ResolverClient> {
  const { Route53ResolverClient } = await import('@aws-sdk/client-route53resolver');
  const local = isLoopbackTarget(options, 'ROUTE53RESOLVER');
  const make = (config: BaseConfig) => new Route53ResolverClient(config);
  const client = make(clientConfig(options, local, make));
  if (local) {
    client.middlewareStack.add((next) => (args) => next(withStep(args)), STEP_MIDDLEWARE);
  }
  const { verbose } = options;
  if (verbose) {
    client.middlewareStack.add(
      (next, context) => (args) => timed(verbose, context.commandName, () => next(args)),
      VERBOSE_MIDDLEWARE,
    );
  }
  return client;
}

/**
 * The configuration a client is built with. Toward a local emulator the default credential
 * chain still comes first (a configured profile wins), but dummy keys stand in when the
 * machine has no AWS configuration; `make` builds a throwaway client to read that chain.
 */
function clientConfig<
  C extends { config: { credentials: AwsCredentialIdentityProvider }; destroy(): void },
>(options: AwsClientOptions, local: boolean, make: (config: BaseConfig) => C): BaseConfig {
  const config = baseConfig(options);
  if (!local) return config;
  const probe = make(config);
  config.credentials = withFallback(probe.config.credentials);
  probe.destroy();
  return config;
}

interface BaseConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  retryMode: string;
  maxAttempts: number;
  credentials?: AwsCredentialIdentityProvider;
}

function baseConfig(options: AwsClientOptions): BaseConfig {
  return {
    region: options.region,
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
}

/** Adds the running step's id to a request bound for a local emulator, for its call log. */
function withStep<T extends { request: unknown }>(args: T): T {
  const step = currentStep.getStore();
  const request = args.request as { headers?: Record<string, string> };
  if (step && request.headers) request.headers[STEP_HEADER] = step;
  return args;
}

const STEP_MIDDLEWARE = { step: 'build', name: 'pscBridgeStepHeader' } as const;
const VERBOSE_MIDDLEWARE = { step: 'initialize', name: 'pscBridgeVerboseLog' } as const;

/** True when calls for `service` go to a local emulator. */
function isLoopbackTarget(options: AwsClientOptions, service: string): boolean {
  const endpoint = effectiveEndpoint(options, service);
  return endpoint !== undefined && isLoopback(endpoint);
}

async function timed<T>(
  verbose: (line: string) => void,
  command: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const name = command?.replace(/Command$/, '') ?? 'call';
  try {
    const result = await run();
    verbose(`aws ${name} ok (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    verbose(`aws ${name} failed: ${errorName(error)} (${Date.now() - started} ms)`);
    throw error;
  }
}

function withFallback(chain: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  return async (identityProperties) => {
    try {
      return await chain(identityProperties);
    } catch {
      return SANDBOX_CREDENTIALS;
    }
  };
}

function effectiveEndpoint(options: AwsClientOptions, service: string): string | undefined {
  return (
    options.endpoint ??
    process.env[`AWS_ENDPOINT_URL_${service}`] ??
    process.env.AWS_ENDPOINT_URL ??
    undefined
  );
}

export function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

function errorName(error: unknown): string {
  const { name, code } = shape(error);
  if (typeof name === 'string' && name !== 'Error') return name;
  return typeof code === 'string' ? code : 'Error';
}

const TRANSIENT_NAMES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalServiceErrorException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'AuthFailure',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationTokenException',
]);

/** Maps an SDK failure to the project's CloudError, marking the ones worth retrying. */
export function toCloudError(error: unknown, api: string, resource?: string): CloudError {
  if (error instanceof CloudError) return error;
  const details = shape(error);
  const code = errorName(error);
  const message = typeof details.message === 'string' ? details.message : String(error);
  const rawStatus = details.$metadata?.httpStatusCode;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const transient =
    TRANSIENT_NAMES.has(code) ||
    (status !== undefined && status >= 500) ||
    status === 429 ||
    message.includes('RSLVR-00201');
  const hint = CREDENTIAL_NAMES.has(code)
    ? 'Check the AWS credentials: run `aws sts get-caller-identity` (with --profile if you ' +
      'use one) or pass --aws-profile.'
    : undefined;
  return new CloudError(
    code,
    `${api}${resource ? ` (${resource})` : ''} failed: ${code}: ${message}`,
    {
      cloud: 'aws',
      api,
      ...(resource ? { resource } : {}),
      ...(status !== undefined ? { status } : {}),
      transient,
    },
    hint,
  );
}
