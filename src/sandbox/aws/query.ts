/**
 * The EC2 Query protocol: reading flattened form parameters (`Filter.1.Value.2`) and writing
 * the XML answers and errors.
 */

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** A view of the form parameters under one prefix (`IpPermissions.1`, or the root). */
export class QueryView {
  constructor(
    private readonly params: URLSearchParams,
    private readonly prefix = '',
  ) {}

  private key(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  str(name: string): string | undefined {
    return this.params.get(this.key(name)) ?? undefined;
  }

  int(name: string): number | undefined {
    const raw = this.str(name);
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value)) {
      throw new QueryError('InvalidParameterValue', `Invalid value '${raw}' for ${name}`);
    }
    return value;
  }

  /** `Name.1`, `Name.2`, ... in index order. */
  list(name: string): string[] {
    return this.indexes(name, false).map((index) => this.str(`${name}.${index}`) ?? '');
  }

  /** Views of the structures `Name.1.*`, `Name.2.*`, ... in index order. */
  items(name: string): QueryView[] {
    return this.indexes(name, true).map(
      (index) => new QueryView(this.params, this.key(`${name}.${index}`)),
    );
  }

  private indexes(name: string, nested: boolean): number[] {
    const base = `${this.key(name)}.`;
    const found = new Set<number>();
    for (const key of this.params.keys()) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length);
      const match = nested ? /^(\d+)\./.exec(rest) : /^(\d+)$/.exec(rest);
      if (match?.[1]) found.add(Number(match[1]));
    }
    return [...found].sort((a, b) => a - b);
  }
}

/** A request refused with an EC2 error code. */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** `<name>value</name>`, or nothing when the value is absent. */
export function tag(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** An element holding already-written XML. */
export function wrap(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** A list element: `<name><item>...</item>...</name>`, each entry already written. */
export function itemSet(name: string, entries: string[]): string {
  return wrap(name, entries.map((entry) => wrap('item', entry)).join(''));
}

export function requestId(hex: (length: number) => string): string {
  const raw = hex(32);
  return [
    raw.slice(0, 8),
    raw.slice(8, 12),
    raw.slice(12, 16),
    raw.slice(16, 20),
    raw.slice(20),
  ].join('-');
}

export function ec2Document(action: string, id: string, inner: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<${action}Response xmlns="${EC2_NAMESPACE}">${tag('requestId', id)}${inner}` +
    `</${action}Response>`
  );
}

export function ec2ErrorDocument(code: string, message: string, id: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Response><Errors><Error>${tag('Code', code)}${tag('Message', message)}</Error></Errors>` +
    `${tag('RequestID', id)}</Response>`
  );
}

export interface Filter {
  name: string;
  values: string[];
}

/** `Filter.N.Name` / `Filter.N.Value.M` (the wire name is `Filter` for every EC2 call). */
export function readFilters(query: QueryView): Filter[] {
  return query.items('Filter').map((item) => {
    const name = item.str('Name');
    if (!name) throw new QueryError('InvalidParameterValue', 'The filter name is missing');
    return { name, values: item.list('Value') };
  });
}

/** EC2 filter values take `*` and `?` wildcards. */
export function globMatch(pattern: string, value: string): boolean {
  let source = '^';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${source}$`, 's').test(value);
}

/**
 * Keeps the resources every filter matches. `fields` gives a resource's values for a filter
 * name, or undefined when the API has no such filter (an error, as on AWS).
 */
export function applyFilters<T>(
  resources: T[],
  filters: Filter[],
  fields: (resource: T, name: string) => string[] | undefined,
): T[] {
  return resources.filter((resource) =>
    filters.every((filter) => {
      const values = fields(resource, filter.name);
      if (values === undefined) {
        throw new QueryError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
      }
      return filter.values.some((pattern) => values.some((value) => globMatch(pattern, value)));
    }),
  );
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** Offset pagination with opaque tokens, as `MaxResults` / `NextToken` behave. */
export function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  invalidToken: () => Error = () =>
    new QueryError('InvalidNextToken', 'The provided NextToken is not valid.'),
): Page<T> {
  let start = 0;
  if (nextToken) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw invalidToken();
    start = decoded;
  }
  if (maxResults === undefined) return { items: items.slice(start) };
  const end = start + maxResults;
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length) page.nextToken = Buffer.from(String(end)).toString('base64url');
  return page;
}
