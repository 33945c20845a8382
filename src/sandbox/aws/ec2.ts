import { randomUUID } from 'node:crypto';
import type {
  Operation,
  SandboxEnv,
  SandboxRequest,
  SandboxResult,
  ServiceModule,
} from '../types.js';
import { type AwsContext, awsContext, isSigned } from './common.js';
import {
  authorize,
  createSecurityGroup,
  createTags,
  deleteSecurityGroup,
  describeSecurityGroups,
  revoke,
} from './ec2-groups.js';
import {
  describeAvailabilityZones,
  describeNetworkInterfaces,
  describeRouteTables,
  describeSubnets,
  describeVpcs,
} from './ec2-network.js';
import { advanceAws } from './lifecycle.js';
import { ec2Document, ec2ErrorDocument, QueryError, QueryView, requestId } from './query.js';

type Handler = (ctx: AwsContext, query: QueryView) => string;

interface Action {
  mutating: boolean;
  handler: Handler;
}

const ACTIONS: Record<string, Action> = {
  DescribeVpcs: { mutating: false, handler: describeVpcs },
  DescribeSubnets: { mutating: false, handler: describeSubnets },
  DescribeAvailabilityZones: { mutating: false, handler: describeAvailabilityZones },
  DescribeSecurityGroups: { mutating: false, handler: describeSecurityGroups },
  DescribeRouteTables: { mutating: false, handler: describeRouteTables },
  DescribeNetworkInterfaces: { mutating: false, handler: describeNetworkInterfaces },
  CreateSecurityGroup: { mutating: true, handler: createSecurityGroup },
  AuthorizeSecurityGroupIngress: { mutating: true, handler: authorize(false) },
  AuthorizeSecurityGroupEgress: { mutating: true, handler: authorize(true) },
  RevokeSecurityGroupIngress: { mutating: true, handler: revoke(false) },
  RevokeSecurityGroupEgress: { mutating: true, handler: revoke(true) },
  DeleteSecurityGroup: { mutating: true, handler: deleteSecurityGroup },
  CreateTags: { mutating: true, handler: createTags },
};

export const EC2_API_VERSION = '2016-11-15';
const XML_TYPE = 'text/xml;charset=UTF-8';

/** The form parameters of a Query request: the POST body, or the query string of a GET. */
export function queryParams(req: SandboxRequest): URLSearchParams {
  const type = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && type.includes('application/x-www-form-urlencoded')) {
    return new URLSearchParams(req.body);
  }
  return req.query;
}

function actionOf(req: SandboxRequest): string | undefined {
  if (req.headers['x-amz-target'] !== undefined) return undefined;
  return queryParams(req).get('Action') ?? undefined;
}

function headers(id: string): Record<string, string> {
  return { 'content-type': XML_TYPE, 'x-amzn-requestid': id };
}

function errorResult(code: string, message: string, status: number, id: string): SandboxResult {
  return { status, headers: headers(id), body: ec2ErrorDocument(code, message, id), error: code };
}

function answer(req: SandboxRequest, action: string, env: SandboxEnv): SandboxResult {
  const id = requestId(env.hex);
  const params = queryParams(req);
  if (!isSigned(req)) {
    return errorResult(
      'AuthFailure',
      'AWS was not able to validate the provided access credentials',
      401,
      id,
    );
  }
  if (params.get('Version') !== EC2_API_VERSION) {
    const got = params.get('Version') ?? '(none)';
    return errorResult('InvalidParameterValue', `Unsupported API version ${got}`, 400, id);
  }
  const entry = ACTIONS[action];
  if (!entry) return unknownAction(action, id);
  try {
    const inner = entry.handler(awsContext(req, env), new QueryView(params));
    return { status: 200, headers: headers(id), body: ec2Document(action, id, inner) };
  } catch (error) {
    if (error instanceof QueryError)
      return errorResult(error.code, error.message, error.status, id);
    throw error;
  }
}

function unknownAction(action: string, id: string): SandboxResult {
  return errorResult(
    'InvalidAction',
    `The action ${action} is not valid for this web service. ` +
      '(The psc-bridge sandbox does not emulate it.)',
    400,
    id,
  );
}

export const ec2Module: ServiceModule = {
  service: 'ec2',
  matches: (req) => actionOf(req) !== undefined,
  identify(req): Operation | undefined {
    const action = actionOf(req);
    const entry = action ? ACTIONS[action] : undefined;
    return action && entry ? { operation: action, mutating: entry.mutating } : undefined;
  },
  handle: (req, op, env) => answer(req, op.operation, env),
  unknownOperation: (req) => unknownAction(actionOf(req) ?? '(none)', randomUUID()),
  transientFault: (_op, env) =>
    errorResult('RequestLimitExceeded', 'Request limit exceeded.', 503, requestId(env.hex)),
  advance: advanceAws,
};
