import type { protos } from '@google-cloud/compute';
import { isIpv4 } from '../../config/fields.js';
import { ipInCidr } from '../../config/network.js';
import { messageOf, UserError } from '../../errors.js';
import { conflict, diff } from '../shared.js';
import type { Difference } from '../types.js';
import { type GcpContext, linksTo, networkPath, setting } from './common.js';
import { networkSubnets } from './subnets.js';

export type Address = protos.google.cloud.compute.v1.IAddress;
export type Rule = protos.google.cloud.compute.v1.IForwardingRule;

export const PSC = 'PRIVATE_SERVICE_CONNECT';
export const TARGET = 'all-apis';
const ENDPOINT_NAME = /^[a-z][a-z0-9]{0,19}$/;

export interface Names {
  address: string;
  rule: string;
  ip: string;
}

/** The endpoint's address and forwarding rule as read, when they exist. */
export interface Found {
  address?: Address;
  rule?: Rule;
}

/** The endpoint name rule (the forwarding rule of a PSC endpoint for Google APIs). */
export function checkEndpointName(name: string): void {
  if (ENDPOINT_NAME.test(name)) return;
  throw new UserError(
    'INVALID_CONFIG',
    `pscEndpoint '${name}' breaks the rule for Private Service Connect endpoint names: ` +
      '1-20 lowercase letters or digits, starting with a letter (no hyphens).',
    'Pass a name such as pscbridge with --psc-endpoint.',
  );
}

/**
 * Checks `pscIp` before the address is reserved: outside every primary and secondary range
 * of the network's subnets, and outside the AWS VPC when its CIDR can be read cheaply.
 * Returns notes (for a check that could not be made); throws a UserError on an overlap.
 */
export async function checkPscIp(ctx: GcpContext): Promise<string[]> {
  const ip = setting(ctx.config, 'pscIp');
  if (!isIpv4(ip)) refuse(ip, 'must be an IPv4 address');
  for (const subnet of await networkSubnets(ctx)) {
    const range = subnet.ranges.find((cidr) => ipInCidr(ip, cidr));
    if (!range) continue;
    refuse(
      ip,
      `must lie outside every primary and secondary range of the subnets of network ` +
        `${setting(ctx.config, 'gcpNetwork')}, but lies in ${range} (subnet ${subnet.name}, ` +
        `${subnet.region})`,
    );
  }
  const aws = await awsVpcCidrs(ctx);
  if ('note' in aws) return [aws.note];
  const range = aws.cidrs.find((cidr) => ipInCidr(ip, cidr));
  if (range) {
    refuse(
      ip,
      `must lie outside the AWS VPC ${ctx.config.vpcId ?? ''}, but lies in its range ${range}`,
    );
  }
  return [];
}

function refuse(ip: string, rule: string): never {
  throw new UserError(
    'INVALID_CONFIG',
    `pscIp ${ip} ${rule}.`,
    'Choose an unused address outside the GCP subnets and the AWS VPC (the runbook uses ' +
      '10.164.128.1) and pass it with --psc-ip.',
  );
}

/** The AWS VPC's CIDR blocks, when the config names the VPC; a failure is only a note. */
async function awsVpcCidrs(ctx: GcpContext): Promise<{ cidrs: string[] } | { note: string }> {
  const { vpcId, awsRegion } = ctx.config;
  if (!vpcId || !awsRegion) return { cidrs: [] };
  try {
    const { DescribeVpcsCommand } = await import('@aws-sdk/client-ec2');
    const ec2 = await ctx.services.ec2();
    const answer = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }), {
      abortSignal: ctx.signal,
    });
    const cidrs = (answer.Vpcs ?? []).flatMap((vpc) => [
      vpc.CidrBlock ?? '',
      ...(vpc.CidrBlockAssociationSet ?? []).map((each) => each.CidrBlock ?? ''),
    ]);
    return { cidrs: [...new Set(cidrs.filter((cidr) => cidr !== ''))] };
  } catch (error) {
    return {
      note:
        `Could not read the CIDR of AWS VPC ${vpcId} (${messageOf(error)}), so the check ` +
        'that pscIp lies outside it was skipped.',
    };
  }
}

export function addressDifferences(ctx: GcpContext, found: Found): Difference[] {
  const address = found.address;
  if (!address) return [];
  const path = networkPath(ctx.config);
  return diff({
    address: [setting(ctx.config, 'pscIp'), address.address],
    addressType: ['INTERNAL', address.addressType],
    purpose: [PSC, address.purpose],
    network: [path, linksTo(address.network, path) ? path : address.network],
  });
}

export function ruleDifferences(ctx: GcpContext, found: Found): Difference[] {
  const rule = found.rule;
  if (!rule) return [];
  const path = networkPath(ctx.config);
  // The registration region decides where Service Directory lists the endpoint: a rule
  // registered elsewhere is not the endpoint the config describes.
  const regions = (rule.serviceDirectoryRegistrations ?? []).map(
    (each) => each.serviceDirectoryRegion ?? '',
  );
  return diff({
    IPAddress: [setting(ctx.config, 'pscIp'), rule.IPAddress],
    target: [TARGET, rule.target],
    network: [path, linksTo(rule.network, path) ? path : rule.network],
    serviceDirectoryRegion: [setting(ctx.config, 'gcpRegion'), regions.join(', ')],
  });
}

export function refuseConflicts(ctx: GcpContext, names: Names, found: Found): void {
  const forAddress = addressDifferences(ctx, found);
  if (forAddress.length > 0) {
    throw conflict(
      `The global address ${names.address}`,
      forAddress,
      'Delete the address, or point psc-bridge at it as it is with --psc-address-name and ' +
        '--psc-ip, or choose another name.',
    );
  }
  const forRule = ruleDifferences(ctx, found);
  if (forRule.length > 0) {
    throw conflict(
      `The forwarding rule ${names.rule}`,
      forRule,
      'Delete the forwarding rule or choose another endpoint name with --psc-endpoint.',
    );
  }
}
