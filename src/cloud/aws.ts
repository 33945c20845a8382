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
/** The SDK's retry strategy types, named the same way. */
type RetryStrategy = Awaited<ReturnType<EC2Client['config']['retryStrategy']>>;
type RetryStrategyV2 = Extract<RetryStrategy, { refreshRetryTokenForRetry: unknown }>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

/** Credentials handed to a local emulator when the machine has none; never sent to AWS. */
const SANDBOX_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'psc-bridge-sandbox',
  secretAccessKey: 'psc-bridge-sandbox',
};

export async function createEc2(options: AwsClientOptions): Promise<EC2Client> {
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const local = isLoopbackTarget(options, 'EC2');
  const make = (config: BaseConfig) => new EC2Client(config);
  const client = make(await clientConfig(options, local, make));
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
  const client = make(await clientConfig(options, local, make));
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
 * The configuration a client is built with. `make` builds a throwaway client first, to read
 * the SDK's own defaults: its standard retry strategy, which the real client gets wrapped
 * (see `retryingInternalErrors`), and its credential chain. Toward a local emulator that chain
 * still comes first (a configured profile wins), but dummy keys stand in when the machine has
 * no AWS configuration.
 */
async function clientConfig<
  C extends {
    config: {
      credentials: AwsCredentialIdentityProvider;
      retryStrategy: () => Promise<RetryStrategy>;
    };
    destroy(): void;
  },
>(options: AwsClientOptions, local: boolean, make: (config: BaseConfig) => C): Promise<BaseConfig> {
  const config = baseConfig(options);
  const probe = make(config);
  try {
    config.retryStrategy = retryingInternalErrors(await probe.config.retryStrategy());
    if (local) config.credentials = withFallback(probe.config.credentials);
  } finally {
    probe.destroy();
  }
  return config;
}

/**
 * The SDK's standard retry, also retrying Route 53 Resolver's `[RSLVR-00201] Internal Service
 * Error`. AWS answers it with HTTP 400 and no retryable trait, so the standard strategy takes
 * it for the caller's fault and gives up, though the service means "try again". Reclassified
 * as transient, it gets the same attempts, backoff and retry quota as a 5xx.
 */
function retryingInternalErrors(standard: RetryStrategy): RetryStrategy {
  if (!('refreshRetryTokenForRetry' in standard)) return standard;
  const reclassified = (info: RetryErrorInfo): RetryErrorInfo =>
    isInternalServiceError(info.error) ? { ...info, errorType: 'TRANSIENT' } : info;
  return {
    acquireInitialRetryToken: (scope) => standard.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token, info) =>
      standard.refreshRetryTokenForRetry(token, reclassified(info)),
    recordSuccess: (token) => standard.recordSuccess(token),
  };
}

interface BaseConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  retryMode: string;
  maxAttempts: number;
  retryStrategy?: RetryStrategy;
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

/** Route 53 Resolver's `InternalServiceErrorException` ([RSLVR-00201]): transient. */
function isInternalServiceError(error: unknown): boolean {
  const { message } = shape(error);
  return (
    errorName(error) === 'InternalServiceErrorException' ||
    (typeof message === 'string' && message.includes('RSLVR-00201'))
  );
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
    isInternalServiceError(error);
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
