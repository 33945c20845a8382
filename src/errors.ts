/**
 * The project's own errors. Each carries a stable `code` and the exit code the entry point
 * uses; anything that is not a PscError is treated as a bug (exit 1, stack with --verbose).
 */
export abstract class PscError extends Error {
  abstract readonly exitCode: number;

  constructor(
    readonly code: string,
    message: string,
    /** What the user can do about it, shown under the message. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The user's input or environment is wrong: a message and a fix, no stack. Exit 2. */
export class UserError extends PscError {
  readonly exitCode = 2;
}

/** A cloud API refused or failed a call. Exit 1. */
export class CloudError extends PscError {
  readonly exitCode = 1;

  constructor(
    code: string,
    message: string,
    readonly details: {
      cloud: 'gcp' | 'aws';
      /** The API operation, e.g. `compute.globalAddresses.insert` or `ec2:CreateSecurityGroup`. */
      api: string;
      /** The resource involved, when known. */
      resource?: string;
      /** HTTP status, when there was one. */
      status?: number;
      /** True when retrying the same call may succeed (throttling, 5xx, not-ready). */
      transient?: boolean;
    },
    hint?: string,
  ) {
    super(code, message, hint);
  }
}

/** A runtime failure that is neither the user's nor a cloud API's (lock held, I/O). Exit 1. */
export class RuntimeError extends PscError {
  readonly exitCode = 1;
}

/** The run was stopped by SIGINT/SIGTERM or a declined confirmation. Exit 130. */
export class InterruptedError extends PscError {
  readonly exitCode = 130;

  constructor(message = 'Interrupted.', hint?: string) {
    super('INTERRUPTED', message, hint);
  }
}

export function isPscError(error: unknown): error is PscError {
  return error instanceof PscError;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
