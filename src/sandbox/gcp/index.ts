import type { ServiceModule } from '../types.js';
import { computeModule } from './compute/index.js';
import { dnsModule } from './dns/index.js';
import { resourceManagerModule } from './resourcemanager.js';
import { serviceUsageModule } from './serviceusage.js';

/** The emulated GCP APIs: Service Usage, Compute, Cloud DNS and Resource Manager's project list. */
export const gcpModules: ServiceModule[] = [
  computeModule,
  dnsModule,
  serviceUsageModule,
  resourceManagerModule,
];
