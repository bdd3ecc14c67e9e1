export * from './defaults';
export * from './storage-chart';
export * from './postgres-cluster-chart';
export * from './flavor-manifests';
export * from './database-network-policy';
export * from './cdc-names';
export * from './cdc-chart';
