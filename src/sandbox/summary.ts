import type { World } from './types.js';

export type Summary = Record<'gcp' | 'aws', Record<string, string[]>>;

/**
 * Lists the world's resources by cloud and kind: every collection of objects that carry a
 * name or an id, found by walking the world, labelled by its path (e.g. `compute.addresses`).
 * Inside each listed object, the collections it holds (a zone's records, a router's
 * advertised ranges, a group's rules) are listed too, one level deep, under the object's
 * label (`managedZones.restrictedgoogleapis.records`), so what a change made is visible.
 */
export function summariseWorld(world: World): Summary {
  return { gcp: collect(world.gcp), aws: collect(world.aws) };
}

function collect(root: unknown): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  const walk = (value: unknown, path: string[], nested: boolean): void => {
    const entries = entriesOf(value);
    const labels = entries.map(([, item]) => labelOf(item)).filter((l): l is string => !!l);
    if (labels.length > 0 && labels.length === entries.length) {
      found[kindOf(path)] = labels;
      if (nested) return;
      entries.forEach(([, item], i) => {
        for (const [key, inner] of entriesOf(item)) {
          if (!PENDING_CHANGES.has(key)) walk(inner, [...path, labels[i] ?? '', key], true);
        }
      });
      return;
    }
    for (const [key, item] of entries) walk(item, [...path, key], nested);
  };
  walk(root, [], false);
  return found;
}

/**
 * Fields that hold a change still to be applied (a Compute operation's effect), not what
 * exists: listing them would show a router's ranges under its operation too.
 */
const PENDING_CHANGES = new Set(['effect']);

function entriesOf(value: unknown): (readonly [string, unknown])[] {
  if (!value || typeof value !== 'object') return [];
  return Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value);
}

function labelOf(item: unknown): string | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const record = item as Record<string, unknown>;
  // A DNS record set is named by name and type together: a zone's SOA and NS share a name.
  if (typeof record.name === 'string' && typeof record.type === 'string' && 'rrdatas' in record) {
    return `${record.name} ${record.type}`;
  }
  const keys = [
    'name',
    'Name',
    'id',
    'Id',
    'GroupId',
    'VpcId',
    'SubnetId',
    'RouteTableId',
    'range',
  ];
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

function kindOf(path: string[]): string {
  return path.filter((part) => !/^\d+$/.test(part)).join('.') || '(root)';
}
