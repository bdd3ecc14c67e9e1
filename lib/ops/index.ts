// `flavors-cdk/ops`: the tools that work on live accounts and databases. SDK clients, pg connections and
// the lookup store are parameters; `bin/` creates the real ones.
export { checkWriteEpoch, type FencingDecision } from './fencing';
export { drStatus, formatDrReport, type DrReport, type DrRow, type DrStatusOptions } from './dr-status';
export {
  planFailover,
  formatPlan,
  blockingRefusals,
  assertTargetInFlavor,
  type FailoverPlan,
  type FailoverRefusal,
  type PlanFailoverOptions,
} from './failover-plan';
export { runFailover, abortFailover, FailoverInterrupted, type FailoverRunDeps } from './failover-executor';
export {
  kubectlClusters,
  kubectlClustersFor,
  isReplicaCluster,
  type ClusterKube,
  type ClusterKubeFor,
  type ClusterPatch,
  type CnpgCluster,
} from './failover-kube';
export type { K8sPromotionPlan } from './failover-k8s-plan';
export type { K8sDbState } from './failover-k8s';
export { FailoverStateStore, newFailoverState, newFailoverId, type FailoverState } from './failover-state';
export { resolvePrimary, type CurrentPrimary } from './current-primary';
export { createAwsClients, assertAwsCredentials, type ClientsFor, type RegionClients } from './aws-clients';
export { OPS_DEFAULTS, FAILOVER_TAGS, REPLACED_DATA_ROLE } from './defaults';
export * from './connections';
