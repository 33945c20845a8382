import { type AwsContext, iso } from './common.js';
import { paginate } from './query.js';
import type { EndpointIp, ResolverEndpoint, ResolverRule, RuleAssociation } from './world.js';

export type Json = Record<string, unknown>;

/** A request refused with a Route 53 Resolver error (`__type`), always HTTP 400. */
export class ResolverError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Json = {},
  ) {
    super(message);
  }
}

function validation(field: string, constraint: string, value: unknown): ResolverError {
  const shown = value === undefined ? 'null' : `'${JSON.stringify(value)}'`;
  return new ResolverError(
    'ValidationException',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ` +
      `Member must ${constraint}`,
  );
}

/** The request body's members, checked against the model's types and limits. */
export class Input {
  constructor(private readonly body: Json) {}

  optionalString(name: string, max = 255): string | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw serialization(name);
    if (value.length > max)
      throw validation(lower(name), `have length less than or equal to ${max}`, value);
    return value;
  }

  string(name: string, max = 255): string {
    const value = this.optionalString(name, max);
    if (value === undefined) throw validation(lower(name), 'not be null', undefined);
    if (value.length === 0)
      throw validation(lower(name), 'have length greater than or equal to 1', value);
    return value;
  }

  enumOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const value =
      fallback === undefined ? this.string(name) : (this.optionalString(name) ?? fallback);
    if (!(allowed as readonly string[]).includes(value)) {
      throw validation(lower(name), `satisfy enum value set: [${allowed.join(', ')}]`, value);
    }
    return value as T;
  }

  list(name: string): unknown[] | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw serialization(name);
    return value;
  }

  objects(name: string): Input[] | undefined {
    return this.list(name)?.map((entry) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw serialization(name);
      }
      return new Input(entry as Json);
    });
  }

  strings(name: string): string[] | undefined {
    return this.list(name)?.map((entry) => {
      if (typeof entry !== 'string') throw serialization(name);
      return entry;
    });
  }

  optionalInt(name: string): number | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(name);
    return value;
  }
}

function lower(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function serialization(name: string): ResolverError {
  return new ResolverError('SerializationException', `Unexpected value type for member ${name}`);
}

const NAME_PATTERN = /^(?!^[0-9]+$)([a-zA-Z0-9\-_' ']+)$/;

export function checkName(name: string | undefined): void {
  if (name === undefined) return;
  if (name.length > 64) throw validation('name', 'have length less than or equal to 64', name);
  if (!NAME_PATTERN.test(name)) {
    throw validation(
      'name',
      "satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+)",
      name,
    );
  }
}

export function readTagList(input: Input): { Key: string; Value: string }[] {
  return (input.objects('Tags') ?? []).map((tag) => ({
    Key: tag.string('Key', 128),
    Value: tag.optionalString('Value', 256) ?? '',
  }));
}

export interface Filter {
  name: string;
  values: string[];
}

export function readResolverFilters(input: Input): Filter[] {
  return (input.objects('Filters') ?? []).map((filter) => ({
    name: filter.string('Name', 64),
    values: filter.strings('Values') ?? [],
  }));
}

/** Filter names match case-insensitively and the old `CREATOR_REQUEST_ID` spelling too. */
function canonical(name: string): string {
  return name.replaceAll('_', '').toLowerCase();
}

export function filterBy<T>(
  items: T[],
  filters: Filter[],
  fields: Record<string, (item: T) => string[]>,
): T[] {
  const table = new Map(Object.entries(fields).map(([key, pick]) => [canonical(key), pick]));
  const checks = filters.map((filter) => {
    const pick = table.get(canonical(filter.name));
    if (!pick) {
      throw new ResolverError(
        'InvalidParameterException',
        `The filter '${filter.name}' is invalid`,
        {
          FieldName: 'Filters',
        },
      );
    }
    if (filter.values.length === 0) {
      throw new ResolverError(
        'InvalidParameterException',
        `No values specified for filter ${filter.name}`,
        { FieldName: 'Filters' },
      );
    }
    return { pick, values: filter.values };
  });
  return items.filter((item) =>
    checks.every(({ pick, values }) => pick(item).some((value) => values.includes(value))),
  );
}

export function page<T>(items: T[], input: Input): { items: T[]; extra: Json } {
  const max = input.optionalInt('MaxResults');
  if (max !== undefined && (max < 1 || max > 100)) {
    throw validation('maxResults', 'have value less than or equal to 100', max);
  }
  const result = paginate(
    items,
    max,
    input.optionalString('NextToken', 4096),
    () =>
      new ResolverError(
        'InvalidNextTokenException',
        'The value that you specified for NextToken in a List request is not valid.',
      ),
  );
  const extra: Json = {};
  if (max !== undefined) extra.MaxResults = max;
  if (result.nextToken) extra.NextToken = result.nextToken;
  return { items: result.items, extra };
}

export function endpointJson(endpoint: ResolverEndpoint): Json {
  return {
    Id: endpoint.id,
    CreatorRequestId: endpoint.creatorRequestId,
    Arn: endpoint.arn,
    ...(endpoint.name === undefined ? {} : { Name: endpoint.name }),
    SecurityGroupIds: [...endpoint.securityGroupIds],
    Direction: endpoint.direction,
    IpAddressCount: endpoint.ipAddresses.length,
    HostVPCId: endpoint.hostVpcId,
    Status: endpoint.status,
    StatusMessage: endpoint.statusMessage,
    CreationTime: iso(endpoint.createdAt),
    ModificationTime: iso(endpoint.modifiedAt),
    ResolverEndpointType: 'IPV4',
    Protocols: ['Do53'],
  };
}

export function ipJson(endpoint: ResolverEndpoint, ip: EndpointIp): Json {
  const status: Record<string, string> = {
    CREATING: 'CREATING',
    DELETING: 'DELETING',
    ACTION_NEEDED: 'FAILED_CREATION',
  };
  return {
    IpId: ip.ipId,
    SubnetId: ip.subnetId,
    Ip: ip.ip,
    Status: status[endpoint.status] ?? 'ATTACHED',
    StatusMessage: 'This IP address is operational.',
    CreationTime: iso(endpoint.createdAt),
    ModificationTime: iso(endpoint.modifiedAt),
  };
}

export function ruleJson(rule: ResolverRule, ownerId: string): Json {
  return {
    Id: rule.id,
    CreatorRequestId: rule.creatorRequestId,
    Arn: rule.arn,
    DomainName: rule.domainName,
    Status: rule.status,
    StatusMessage: rule.statusMessage,
    RuleType: rule.ruleType,
    ...(rule.name === undefined ? {} : { Name: rule.name }),
    ...(rule.targetIps.length ? { TargetIps: rule.targetIps.map((t) => ({ ...t })) } : {}),
    ...(rule.resolverEndpointId ? { ResolverEndpointId: rule.resolverEndpointId } : {}),
    OwnerId: ownerId,
    ShareStatus: 'NOT_SHARED',
    CreationTime: iso(rule.createdAt),
    ModificationTime: iso(rule.modifiedAt),
  };
}

export function associationJson(association: RuleAssociation): Json {
  return {
    Id: association.id,
    ResolverRuleId: association.ruleId,
    ...(association.name === undefined ? {} : { Name: association.name }),
    VPCId: association.vpcId,
    Status: association.status,
    StatusMessage: association.statusMessage,
  };
}

export function resolverArn(ctx: AwsContext, kind: string, id: string): string {
  return `arn:aws:route53resolver:${ctx.regionName}:${ctx.accountId}:${kind}/${id}`;
}
