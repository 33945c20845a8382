import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { FIELDS, type PartialConfig } from './fields.js';
import { describeIssues } from './issues.js';

function sectionSchema(section: 'gcp' | 'aws') {
  const shape: Record<string, z.ZodType> = {};
  for (const field of FIELDS) {
    if (field.file[0] !== section) continue;
    shape[field.file[1]] = field.list ? z.array(z.string()) : z.string();
  }
  return z.strictObject(shape).partial();
}

const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  gcp: sectionSchema('gcp').optional(),
  aws: sectionSchema('aws').optional(),
});

/** Reads a config file (`{ "gcp": {...}, "aws": {...} }`) into flat config values. */
export async function loadConfigFile(path: string): Promise<PartialConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : '';
    throw new UserError(
      'CONFIG_UNREADABLE',
      `Cannot read the config file ${path}${reason ? `: ${reason}` : ''}.`,
      'Check the path given to --config.',
    );
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, path: string): PartialConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      'CONFIG_INVALID',
      `The config file ${path} is not valid JSON (${(error as Error).message}).`,
    );
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues).map((line) => `  ${line}`);
    throw new UserError(
      'CONFIG_INVALID',
      `The config file ${path} does not match the schema:\n${lines.join('\n')}`,
      'See "Config file" in the README for the keys psc-bridge reads.',
    );
  }
  const values: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const section = parsed.data[field.file[0]] as Record<string, unknown> | undefined;
    const value = section?.[field.file[1]];
    if (value !== undefined) values[field.key] = value;
  }
  return values as PartialConfig;
}
