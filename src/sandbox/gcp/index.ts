import type { ServiceModule } from '../types.js';
import { computeModule } from './compute/index.js';
import { dnsModule } from './dns/index.js';
import { serviceUsageModule } from './serviceusage.js';

/** The emulated GCP APIs: Service Usage, Compute and Cloud DNS. */
export const gcpModules: ServiceModule[] = [computeModule, dnsModule, serviceUsageModule];
