// Public API of flavors-cdk: re-exports only. `import { RegionalVpc, defineFlavor } from 'flavors-cdk'`.

// Errors
export * from './errors';

// Flavor model (no AWS dependency)
export * from './flavor';

// Network
export * from './network/regional-vpc';
export * from './network/pinned-az-stack';
export { REGIONAL_VPC_DEFAULTS, REGIONAL_VPC_INTERFACE_ENDPOINTS } from './network/defaults';

// Residency proof
export * from './residency';
export * from './nag-suppressions';

// Kubernetes path (cdk8s charts)
export * from './k8s';
