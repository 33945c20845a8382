import { UserError } from '../errors.js';
import { type ConfigKey, FIELDS, type FieldSpec, fieldOf, type PartialConfig } from './fields.js';

export interface Problem {
  field: FieldSpec;
  message: string;
}

/** Checks one value against its field's rule; returns the problem in words, or undefined. */
export function checkValue(field: FieldSpec, value: unknown): string | undefined {
  if (field.list) {
    if (!Array.isArray(value)) return `expected a list: ${field.rule}`;
    const items = value as unknown[];
    const bad = items.filter((item) => typeof item !== 'string' || !field.check(item));
    if (bad.length > 0) return `${bad.map(String).join(', ')} is not valid: ${field.rule}`;
    if (new Set(items).size !== items.length) return `lists a value twice: ${field.rule}`;
    if (items.length < 2) return `has ${items.length} item(s): ${field.rule}`;
    return undefined;
  }
  if (typeof value !== 'string' || !field.check(value)) {
    return `${JSON.stringify(value)} is not valid: ${field.rule}`;
  }
  return undefined;
}

export function findProblems(values: PartialConfig, keys?: readonly ConfigKey[]): Problem[] {
  const problems: Problem[] = [];
  for (const field of FIELDS) {
    if (keys && !keys.includes(field.key)) continue;
    const value = values[field.key];
    if (value === undefined) continue;
    const message = checkValue(field, value);
    if (message) problems.push({ field, message });
  }
  return problems;
}

/** Throws one UserError naming every invalid value with its flag and rule. */
export function assertValid(values: PartialConfig, origin: string): void {
  const problems = findProblems(values);
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${p.field.flag} (${p.field.file.join('.')}): ${p.message}`);
  throw new UserError(
    'INVALID_VALUE',
    `Invalid value${problems.length > 1 ? 's' : ''} ${origin}:\n${lines.join('\n')}`,
  );
}

/** Splits `a,b` (flags) into a list, dropping blanks. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function flagOf(key: ConfigKey): string {
  return fieldOf(key).flag;
}
