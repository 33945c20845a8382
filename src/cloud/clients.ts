import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import type { PartialConfig } from '../config/fields.js';
import type { GcpClients } from './gcp.js';

/** Where the SDKs send their calls: the real clouds unless overridden. */
export interface Endpoints {
  /** One base URL for Compute, Cloud DNS and Service Usage (PSC_BRIDGE_GCP_ENDPOINT). */
  gcp?: string;
  /** One base URL for EC2 and Route 53 Resolver (else the SDK reads AWS_ENDPOINT_URL*). */
  aws?: string;
}

/** The clients steps use, each built on first use so a GCP-only run never loads the AWS SDK. */
export interface CloudServices {
  /**
   * Multiplies every client-side polling interval and timeout: 1 against the real clouds,
   * smaller against a sandbox that replays real durations faster.
   */
  pollScale: number;
  /** With --verbose: one line per API call, on stderr. */
  trace?: (line: string) => void;
  gcp(): Promise<GcpClients>;
  ec2(): Promise<EC2Client>;
  resolver(): Promise<Route53ResolverClient>;
}

export function cloudServices(
  config: Readonly<PartialConfig>,
  endpoints: Endpoints,
  verbose?: (line: string) => void,
  pollScale = 1,
): CloudServices {
  const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () => {
      made ??= make();
      return made;
    };
  };
  const aws = () => ({
    region: required(config.awsRegion, '--aws-region'),
    ...(config.awsProfile ? { profile: config.awsProfile } : {}),
    ...(endpoints.aws ? { endpoint: endpoints.aws } : {}),
    ...(verbose ? { verbose } : {}),
  });
  return {
    pollScale,
    ...(verbose ? { trace: verbose } : {}),
    gcp: once(async () => {
      const { createGcpClients } = await import('./gcp.js');
      return createGcpClients({
        projectId: required(config.gcpProject, '--gcp-project'),
        ...(endpoints.gcp ? { endpoint: endpoints.gcp } : {}),
        ...(verbose ? { verbose } : {}),
      });
    }),
    ec2: once(async () => (await loadAws()).createEc2(aws())),
    resolver: once(async () => (await loadAws()).createResolver(aws())),
  };
}

function loadAws() {
  // The SDK warns on every run that its releases from 2027 on will need Node 22. psc-bridge
  // supports Node 20 with the versions its lock file pins, so the warning is noise for users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return import('./aws.js');
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new Error(`${flag} was not resolved before the cloud was called`);
  return value;
}

/** Endpoint overrides for real use, read from the environment. */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  return env.PSC_BRIDGE_GCP_ENDPOINT ? { gcp: env.PSC_BRIDGE_GCP_ENDPOINT } : {};
}

/**
 * Builds the AWS clients ahead of need, so that a step late in a run does not spend its first
 * second loading the SDK (the EC2 client, first needed by the last step of a teardown). Meant
 * for a moment when the running steps are waiting on the cloud, and only when AWS steps are
 * still to come. (Not the GCP clients: which of them a step needs depends on the step, and
 * loading Compute for a run that never calls it would cost more than it saves.) A failure
 * here is ignored: the step that needs the client meets it again and reports it.
 */
export function warmUpAws(services: CloudServices): void {
  const ignore = () => {};
  void services.ec2().catch(ignore);
  void services.resolver().catch(ignore);
}
