import { cloudServices, type Endpoints } from '../cloud/clients.js';
import { NO_AUTO_PAGINATE } from '../cloud/gcp.js';
import type { DiscoveryKind, PartialConfig } from '../config/fields.js';
import type { Choice, Discoverer } from '../config/resolve.js';

/**
 * Offers prompts what the clouds hold, from the values already settled: the project's
 * networks, regions with subnets and routers; the region's VPCs and the VPC's subnets with
 * their AZs. A failed look-up (no credentials yet, API off) falls back to free text.
 */
export function cloudDiscoverer(endpoints: Endpoints): Discoverer {
  return async (kind, known) => {
    try {
      return await discover(kind, known, endpoints);
    } catch {
      return undefined;
    }
  };
}

async function discover(
  kind: DiscoveryKind,
  known: PartialConfig,
  endpoints: Endpoints,
): Promise<Choice[] | undefined> {
  const services = cloudServices(known, endpoints);
  switch (kind) {
    case 'gcpProjects': {
      // Before a project is known: clients that name none, for Resource Manager's list.
      const { createGcpClients } = await import('../cloud/gcp.js');
      const gcp = await createGcpClients({ projectId: '', ...definedEndpoint(endpoints.gcp) });
      const { data } = await (await gcp.resourceManager()).projects.list({
        filter: 'lifecycleState:ACTIVE',
      });
      return (data.projects ?? []).map((project) => ({
        value: project.projectId ?? '',
        label:
          project.name && project.name !== project.projectId
            ? `${project.projectId} (${project.name})`
            : (project.projectId ?? ''),
      }));
    }
    case 'gcpNetworks': {
      if (!known.gcpProject) return undefined;
      const { compute, projectId } = await services.gcp();
      const [networks] = await compute.networks.list({ project: projectId });
      return networks.map((n) => ({ value: n.name ?? '', label: n.name ?? '' }));
    }
    case 'gcpRegions': {
      if (!known.gcpProject) return undefined;
      const { compute, projectId } = await services.gcp();
      const regions = new Set<string>();
      const pages = compute.subnetworks.aggregatedListAsync(
        { project: projectId },
        NO_AUTO_PAGINATE,
      );
      for await (const [scope, { subnetworks }] of pages) {
        const here = (subnetworks ?? []).filter(
          (subnet) => !known.gcpNetwork || subnet.network?.endsWith(`/${known.gcpNetwork}`),
        );
        if (here.length > 0) regions.add(scope.replace(/^regions\//, ''));
      }
      return [...regions].sort().map((region) => ({ value: region, label: region }));
    }
    case 'gcpRouters': {
      if (!known.gcpProject || !known.gcpRegion) return undefined;
      const { compute, projectId } = await services.gcp();
      const [routers] = await compute.routers.list({ project: projectId, region: known.gcpRegion });
      return routers
        .filter((r) => !known.gcpNetwork || r.network?.endsWith(`/${known.gcpNetwork}`))
        .map((r) => ({
          value: r.name ?? '',
          label: `${r.name} (${r.bgpPeers?.length ?? 0} BGP peers)`,
        }));
    }
    case 'awsVpcs': {
      if (!known.awsRegion) return undefined;
      const { DescribeVpcsCommand } = await import('@aws-sdk/client-ec2');
      const { Vpcs = [] } = await (await services.ec2()).send(new DescribeVpcsCommand({}));
      return Vpcs.map((vpc) => ({
        value: vpc.VpcId ?? '',
        label: `${vpc.VpcId} ${vpc.CidrBlock}${nameTag(vpc.Tags)}`,
      }));
    }
    case 'awsSubnets': {
      if (!known.awsRegion || !known.vpcId) return undefined;
      const { DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
      const { Subnets = [] } = await (await services.ec2()).send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [known.vpcId] }] }),
      );
      return Subnets.map((subnet) => ({
        value: subnet.SubnetId ?? '',
        label:
          `${subnet.SubnetId} ${subnet.CidrBlock} ${subnet.AvailabilityZone}` +
          nameTag(subnet.Tags),
      }));
    }
  }
}

function nameTag(tags: { Key?: string; Value?: string }[] | undefined): string {
  const name = tags?.find((tag) => tag.Key === 'Name')?.Value;
  return name ? ` (${name})` : '';
}

function definedEndpoint(endpoint: string | undefined): { endpoint?: string } {
  return endpoint ? { endpoint } : {};
}
