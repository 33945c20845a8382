import type { World } from './types.js';

export type Summary = Record<'gcp' | 'aws', Record<string, string[]>>;

/**
 * Lists the world's resources by cloud and kind: every collection of objects that carry a
 * name or an id, found by walking the world, labelled by its path (e.g. `compute.addresses`).
 */
export function summariseWorld(world: World): Summary {
  return { gcp: collect(world.gcp), aws: collect(world.aws) };
}

function collect(root: unknown): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  const walk = (value: unknown, path: string[]): void => {
    if (!value || typeof value !== 'object') return;
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    const labels = entries.map(([, item]) => labelOf(item)).filter((l): l is string => !!l);
    if (labels.length > 0 && labels.length === entries.length) {
      found[kindOf(path)] = labels;
      return;
    }
    for (const [key, item] of entries) walk(item, [...path, key]);
  };
  walk(root, []);
  return found;
}

function labelOf(item: unknown): string | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const record = item as Record<string, unknown>;
  for (const key of ['name', 'Name', 'id', 'Id', 'GroupId', 'VpcId', 'SubnetId', 'RouteTableId']) {
    const value = record[key];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

function kindOf(path: string[]): string {
  return path.filter((part) => !/^\d+$/.test(part)).join('.') || '(root)';
}
