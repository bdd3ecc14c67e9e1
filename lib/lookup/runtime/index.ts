// The lookup service runtime (no aws-cdk-lib): what flavor services, the admin CLI and the
// construct's Lambda bundle use. The dev server lives in ./dev-server (it needs dynalite).
export * from './admin';
export * from './defaults';
export * from './delegated-signer';
export * from './dynamo-client';
export * from './flavor-config';
export * from './flavor-token';
export * from './identity';
export * from './ids';
export * from './key-certificate';
export * from './kms-signer';
export * from './records';
export * from './route-handler';
export * from './schema-keys';
export * from './signer';
export * from './space-route';
export * from './store';
export * from './table';
