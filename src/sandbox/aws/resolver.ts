import { randomUUID } from 'node:crypto';
import type {
  Operation,
  SandboxEnv,
  SandboxRequest,
  SandboxResult,
  ServiceModule,
} from '../types.js';
import { type AwsContext, awsContext, isSigned, mergeTags } from './common.js';
import { advanceAws } from './lifecycle.js';
import { Input, type Json, ResolverError } from './resolver-common.js';
import {
  createResolverEndpoint,
  deleteResolverEndpoint,
  getResolverEndpoint,
  listResolverEndpointIpAddresses,
  listResolverEndpoints,
} from './resolver-endpoints.js';
import {
  associateResolverRule,
  createResolverRule,
  deleteResolverRule,
  disassociateResolverRule,
  getResolverRule,
  getResolverRuleAssociation,
  listResolverRuleAssociations,
  listResolverRules,
} from './resolver-rules.js';
import type { AwsTag } from './world.js';

type Handler = (ctx: AwsContext, input: Input) => Json;

const PREFIX = 'Route53Resolver.';

const OPERATIONS: Record<string, { mutating: boolean; handler: Handler }> = {
  CreateResolverEndpoint: { mutating: true, handler: createResolverEndpoint },
  GetResolverEndpoint: { mutating: false, handler: getResolverEndpoint },
  DeleteResolverEndpoint: { mutating: true, handler: deleteResolverEndpoint },
  ListResolverEndpoints: { mutating: false, handler: listResolverEndpoints },
  ListResolverEndpointIpAddresses: { mutating: false, handler: listResolverEndpointIpAddresses },
  CreateResolverRule: { mutating: true, handler: createResolverRule },
  GetResolverRule: { mutating: false, handler: getResolverRule },
  DeleteResolverRule: { mutating: true, handler: deleteResolverRule },
  ListResolverRules: { mutating: false, handler: listResolverRules },
  AssociateResolverRule: { mutating: true, handler: associateResolverRule },
  DisassociateResolverRule: { mutating: true, handler: disassociateResolverRule },
  GetResolverRuleAssociation: { mutating: false, handler: getResolverRuleAssociation },
  ListResolverRuleAssociations: { mutating: false, handler: listResolverRuleAssociations },
  TagResource: { mutating: true, handler: tagResource },
  UntagResource: { mutating: true, handler: untagResource },
  ListTagsForResource: { mutating: false, handler: listTagsForResource },
};

function taggedResource(ctx: AwsContext, arn: string): AwsTag[] {
  const found =
    ctx.region.resolverEndpoints.find((each) => each.arn === arn) ??
    ctx.region.resolverRules.find((each) => each.arn === arn);
  if (!found) {
    throw new ResolverError('ResourceNotFoundException', `Resource '${arn}' does not exist.`, {
      ResourceType: 'Resource',
    });
  }
  return found.tags;
}

function tagResource(ctx: AwsContext, input: Input): Json {
  const tags = taggedResource(ctx, input.string('ResourceArn'));
  const added = (input.objects('Tags') ?? []).map((tag) => ({
    Key: tag.string('Key', 128),
    Value: tag.optionalString('Value', 256) ?? '',
  }));
  mergeTags(tags, added);
  return {};
}

function untagResource(ctx: AwsContext, input: Input): Json {
  const tags = taggedResource(ctx, input.string('ResourceArn'));
  const keys = input.strings('TagKeys') ?? [];
  const kept = tags.filter((tag) => !keys.includes(tag.Key));
  tags.splice(0, tags.length, ...kept);
  return {};
}

function listTagsForResource(ctx: AwsContext, input: Input): Json {
  const tags = taggedResource(ctx, input.string('ResourceArn'));
  return { Tags: tags.map((tag) => ({ ...tag })) };
}

function targetOf(req: SandboxRequest): string | undefined {
  const target = req.headers['x-amz-target'];
  return target?.startsWith(PREFIX) ? target.slice(PREFIX.length) : undefined;
}

function jsonResult(status: number, body: Json, error?: string): SandboxResult {
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  };
  if (error) headers['x-amzn-errortype'] = error;
  const result: SandboxResult = { status, headers, body: JSON.stringify(body) };
  if (error) result.error = error;
  return result;
}

export function resolverError(type: string, message: string, extra: Json = {}): SandboxResult {
  return jsonResult(400, { __type: type, Message: message, ...extra }, type);
}

function parseBody(body: string): Json {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new ResolverError('SerializationException', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ResolverError('SerializationException', 'The request body must be a JSON object');
  }
  return parsed as Json;
}

function answer(req: SandboxRequest, op: Operation, env: SandboxEnv): SandboxResult {
  if (!isSigned(req)) {
    return jsonResult(
      403,
      { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
      'MissingAuthenticationTokenException',
    );
  }
  const entry = OPERATIONS[op.operation];
  if (!entry) return unknown(op.operation);
  try {
    const body = entry.handler(awsContext(req, env), new Input(parseBody(req.body)));
    return jsonResult(200, body);
  } catch (error) {
    if (error instanceof ResolverError)
      return resolverError(error.type, error.message, error.extra);
    throw error;
  }
}

function unknown(operation: string): SandboxResult {
  return resolverError(
    'UnknownOperationException',
    `Route53Resolver.${operation} is not an operation the psc-bridge sandbox emulates`,
  );
}

export const resolverModule: ServiceModule = {
  service: 'route53resolver',
  matches: (req) => req.headers['x-amz-target']?.startsWith(PREFIX) === true,
  identify(req): Operation | undefined {
    const operation = targetOf(req);
    const entry = operation ? OPERATIONS[operation] : undefined;
    return operation && entry ? { operation, mutating: entry.mutating } : undefined;
  },
  handle: answer,
  unknownOperation: (req) => unknown(targetOf(req) ?? '(none)'),
  transientFault: (_op, env) =>
    env.heads()
      ? resolverError('ThrottlingException', 'Rate exceeded')
      : resolverError('InternalServiceErrorException', '[RSLVR-00201] Internal Service Error'),
  advance: advanceAws,
};
