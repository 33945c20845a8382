import { UserError } from '../errors.js';
import {
  type ConfigKey,
  type DiscoveryKind,
  FIELDS,
  type FieldSpec,
  type PartialConfig,
} from './fields.js';
import { assertValid, checkValue } from './validate.js';

export type Source = 'flag' | 'file' | 'state' | 'prompt' | 'default';

export interface Choice {
  value: string;
  /** What the list shows, e.g. `subnet-0ab… (10.128.1.0/24, ap-northeast-1a)`. */
  label: string;
}

/**
 * Lists what the cloud offers for a value (projects, networks, subnets with their AZs...).
 * Returns undefined when nothing can be discovered, so the prompt falls back to free text.
 */
export type Discoverer = (
  kind: DiscoveryKind,
  known: PartialConfig,
) => Promise<Choice[] | undefined>;

/** The prompts resolution needs; the UI layer provides them on a terminal. */
export interface Prompter {
  text(field: FieldSpec, validate: (value: string) => string | true): Promise<string>;
  select(field: FieldSpec, choices: Choice[]): Promise<string>;
  selectMany(field: FieldSpec, choices: Choice[]): Promise<string[]>;
}

export interface ResolveInput {
  /** The values this run needs. */
  keys: readonly ConfigKey[];
  flags: PartialConfig;
  file: PartialConfig;
  state: PartialConfig;
  /** Present only when prompting is allowed (a terminal, no --yes). */
  prompter?: Prompter;
  discover?: Discoverer;
}

export interface Resolved {
  config: PartialConfig;
  sources: Partial<Record<ConfigKey, Source>>;
}

/**
 * Settles every value a run needs: flag, then config file, then what the state recorded, then
 * a prompt (on a terminal) or the field's default. Invalid values and missing values are each
 * reported in one error, before any cloud call.
 */
export async function resolveConfig(input: ResolveInput): Promise<Resolved> {
  assertValid(input.flags, 'given as flags');
  assertValid(input.file, 'in the config file');
  assertValid(input.state, 'recorded in the state file');

  const config: Record<string, unknown> = {};
  const sources: Partial<Record<ConfigKey, Source>> = {};
  const layers: [Source, PartialConfig][] = [
    ['flag', input.flags],
    ['file', input.file],
    ['state', input.state],
  ];
  for (const field of FIELDS) {
    const found = layers.find(([, values]) => values[field.key] !== undefined);
    if (!found) continue;
    config[field.key] = found[1][field.key];
    sources[field.key] = found[0];
  }

  const missing: FieldSpec[] = [];
  for (const field of FIELDS) {
    if (!input.keys.includes(field.key) || config[field.key] !== undefined) continue;
    if (field.fallback !== undefined) {
      config[field.key] = field.fallback;
      sources[field.key] = 'default';
    } else if (input.prompter && !field.optional) {
      const known = config as PartialConfig;
      config[field.key] = await ask(field, input.prompter, known, input.discover);
      sources[field.key] = 'prompt';
    } else if (!field.optional) {
      missing.push(field);
    }
  }
  if (missing.length > 0) throw missingValues(missing);
  return { config: config as PartialConfig, sources };
}

async function ask(
  field: FieldSpec,
  prompter: Prompter,
  known: PartialConfig,
  discover?: Discoverer,
): Promise<string | string[]> {
  const choices = field.discover && discover ? await discover(field.discover, known) : undefined;
  if (choices && choices.length > 0) {
    return field.list ? prompter.selectMany(field, choices) : prompter.select(field, choices);
  }
  const answer = await prompter.text(field, (text) => {
    const value = field.list ? text.split(',').map((item) => item.trim()) : text.trim();
    return checkValue(field, value) ?? true;
  });
  return field.list ? answer.split(',').map((item) => item.trim()) : answer.trim();
}

function missingValues(fields: FieldSpec[]): UserError {
  const width = Math.max(...fields.map((field) => `${field.flag} ${field.arg}`.length));
  const lines = fields.map(
    (field) => `  ${`${field.flag} ${field.arg}`.padEnd(width)}  ${field.description}`,
  );
  return new UserError(
    'MISSING_VALUES',
    `Missing value${fields.length > 1 ? 's' : ''}:\n${lines.join('\n')}`,
    'Pass them as flags or in a --config file, or run on a terminal without --yes to be asked.',
  );
}
