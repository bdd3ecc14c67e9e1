// Public API of flavors-cdk: re-exports only. `import { RegionalVpc, defineFlavor } from 'flavors-cdk'`.

// Errors
export * from './errors';
export * from './problems';

// Flavor model (no AWS dependency)
export * from './flavor';
export * from './flavor/load-flavors';

// Network
export * from './network/regional-vpc';
export * from './network/pinned-az-stack';
export { REGIONAL_VPC_DEFAULTS, REGIONAL_VPC_INTERFACE_ENDPOINTS } from './network/defaults';

// Data plane
export * from './keys/flavor-key';
export * from './keys/grant-guard';
export { FLAVOR_KEY_DEFAULTS } from './keys/defaults';
export * from './database/db-node-fleet';
export * from './database/managed-database';
export { DB_NODE_FLEET_DEFAULTS, MANAGED_DATABASE_DEFAULTS, ENGINE_PORTS, type PortRange } from './database/defaults';
export * from './database/tags';
export { ENGINE_USER_DATA, nodeUserDataCommands, type EngineNode, type EngineUserData } from './database/engines';

// Lookup service records (types only: the runtime, verifyFlavorToken included, is `flavors-cdk/lookup-runtime`)
export type { ClientRecord, SpaceRecord, GrantRecord } from './lookup/runtime/records';
export type { SpaceRoute } from './lookup/runtime/space-route';
export type { FlavorTokenClaims, VerifyFlavorTokenOptions } from './lookup/runtime/flavor-token';
export type { FlavorTokenSigner } from './lookup/runtime/signer';

// Lookup service infrastructure
export * from './lookup/global-lookup-table';
export * from './lookup/lookup-table-key';
export * from './lookup/lookup-service';
export { DEFAULT_CONTROL_PLANE_REGIONS, LOOKUP_TABLE_DEFAULTS, LOOKUP_SERVICE_DEFAULTS } from './lookup/defaults';

// DR and failover
export * from './backup/cross-region-snapshot-copy';
export * from './backup/db-data-snapshot-tags';
export * from './backup/copy-destinations';
export * from './backup/rpo';
export { SNAPSHOT_COPY_DEFAULTS, SNAPSHOT_TAGS, SNAPSHOT_TARGET_TAG_KEY } from './backup/defaults';
export * from './failover/regional-failover';
export * from './failover/failover-records';
export * from './failover/endpoint-names';
export { FAILOVER_DEFAULTS } from './failover/defaults';

// Residency proof
export * from './residency';
export * from './nag-suppressions';

// Elsewhere, so that this entry loads no AWS SDK client, esbuild, cdk8s or jose:
//   flavors-cdk/ops             dr status, failover, space moves, schema rollouts, dev replicas
//   flavors-cdk/lookup-runtime  the lookup service runtime, verifyFlavorToken, records
//   flavors-cdk/k8s             cdk8s charts (CloudNativePG, storage)
//   flavors-cdk/fence           the data plane's epoch fence
