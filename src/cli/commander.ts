import { createRequire } from 'node:module';
import type * as CommanderModule from 'commander';

/**
 * commander is CommonJS. Requiring it directly, rather than through its ESM wrapper, skips
 * the scan Node makes of a CommonJS module's exports on import: about 5 ms of every start,
 * `--help` included.
 */
const commander = createRequire(import.meta.url)('commander') as typeof CommanderModule;

export const { Command, CommanderError, Option } = commander;
export type Command = CommanderModule.Command;
export type CommanderError = CommanderModule.CommanderError;
export type Option = CommanderModule.Option;
