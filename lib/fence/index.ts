// `flavors-cdk/fence`: the data-plane write fence for services that write a space's data. Runtime
// code only (pg, jose); no aws-cdk-lib.
export { bumpFenceEpoch, type FenceBump } from './bump-fence-epoch';
export { FenceError, type FenceErrorCode } from './fence-error';
export { foreignRegionGuard, type ForeignRegionGuardProps, type NodeMiddleware } from './foreign-region-guard';
export { FENCE_DDL, FENCE_TABLE, fenceLockKey, installFence, type FencePool } from './schema';
export { SpaceWriteFence, type FencedWork, type FenceWriteOptions, type SpaceWriteFenceProps } from './space-write-fence';
export { flavorTokenVerifier, type FenceClaims, type FenceVerify, type FlavorTokenTrust } from './token-verifier';
