import type { ServiceModule } from '../types.js';

/** The emulated AWS APIs: EC2 (Query protocol) and Route 53 Resolver (JSON 1.1). */
export const awsModules: ServiceModule[] = [];
