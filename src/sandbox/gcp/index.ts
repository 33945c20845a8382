import type { ServiceModule } from '../types.js';

/** The emulated GCP APIs: Service Usage, Compute and Cloud DNS. */
export const gcpModules: ServiceModule[] = [];
