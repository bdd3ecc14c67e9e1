// Public API of flavors-cdk: re-exports only. `import { RegionalVpc, defineFlavor } from 'flavors-cdk'`.

// Errors
export * from './errors';

// Flavor model (no AWS dependency)
export * from './flavor';
export * from './flavor/load-flavors';

// Network
export * from './network/regional-vpc';
export * from './network/pinned-az-stack';
export { REGIONAL_VPC_DEFAULTS, REGIONAL_VPC_INTERFACE_ENDPOINTS } from './network/defaults';

// Data plane
export * from './keys/flavor-key';
export { FLAVOR_KEY_DEFAULTS } from './keys/defaults';
export * from './database/db-node-fleet';
export * from './database/managed-database';
export { DB_NODE_FLEET_DEFAULTS, MANAGED_DATABASE_DEFAULTS, ENGINE_PORTS, type PortRange } from './database/defaults';
export * from './database/tags';
export { ENGINE_USER_DATA, nodeUserDataCommands, type EngineNode, type EngineUserData } from './database/engines';

// Lookup service (runtime: flavor services verify tokens with verifyFlavorToken)
export { verifyFlavorToken, combinedJwks, lookupJwksUrl, FlavorTokenError, FLAVOR_TOKEN_TYPE, type FlavorTokenClaims, type VerifyFlavorTokenOptions } from './lookup/runtime/flavor-token';
export type { ClientRecord, SpaceRecord, GrantRecord } from './lookup/runtime/records';
export type { SpaceRoute } from './lookup/runtime/space-route';
export { LOOKUP_ERROR_CODES, type LookupRequest, type LookupResponse, type LookupHandler } from './lookup/runtime/route-handler';
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

// Ops: dr status and failover (SDK clients are parameters; bin/flavors.ts creates real ones)
export { checkWriteEpoch, type FencingDecision } from './ops/fencing';
export { drStatus, formatDrReport, type DrReport, type DrRow, type DrStatusOptions } from './ops/dr-status';
export { planFailover, formatPlan, blockingRefusals, assertTargetInFlavor, type FailoverPlan, type FailoverRefusal, type PlanFailoverOptions } from './ops/failover-plan';
export { runFailover, abortFailover, FailoverInterrupted, type FailoverRunDeps } from './ops/failover-executor';
export { FailoverStateStore, newFailoverState, newFailoverId, type FailoverState } from './ops/failover-state';
export { resolvePrimary, type CurrentPrimary } from './ops/current-primary';
export { createAwsClients, assertAwsCredentials, type ClientsFor, type RegionClients } from './ops/aws-clients';
export { OPS_DEFAULTS, FAILOVER_TAGS, REPLACED_DATA_ROLE } from './ops/defaults';

// Residency proof
export * from './residency';
export * from './nag-suppressions';

// Kubernetes path (cdk8s charts)
export * from './k8s';
