export * from './defaults';
export * from './storage-chart';
export * from './postgres-cluster-chart';
export * from './flavor-manifests';
