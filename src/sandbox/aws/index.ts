import type { ServiceModule } from '../types.js';
import { ec2Module } from './ec2.js';
import { resolverModule } from './resolver.js';

/** The emulated AWS APIs: EC2 (Query protocol) and Route 53 Resolver (JSON 1.1). */
export const awsModules: ServiceModule[] = [resolverModule, ec2Module];
