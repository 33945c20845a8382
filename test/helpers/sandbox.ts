import type { SandboxOptions, SandboxServer } from '../../src/sandbox/server.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { CallRecord } from '../../src/sandbox/types.js';

/** Starts an in-memory sandbox on a free 127.0.0.1 port for one test file or test. */
export async function withSandbox(options: SandboxOptions = {}): Promise<SandboxServer> {
  return startSandbox(options);
}

/** Calls served since `from` (an index into the call log). */
export function callsSince(server: SandboxServer, from = 0): CallRecord[] {
  return server.store.current().calls.slice(from);
}

export function mutatingCalls(server: SandboxServer, from = 0): CallRecord[] {
  return callsSince(server, from).filter((call) => call.mutating);
}
