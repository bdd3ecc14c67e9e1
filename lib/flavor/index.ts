// The flavor model that flavor files import: pure, no I/O. The file loader (load-flavors.ts, which
// spawns a sandbox) is exported from the package entry instead, so a flavor file never pulls it in.
export * from './types';
export * from './regions';
export * from './countries';
export * from './defaults';
export * from './validate';
export * from './define-flavor';
export * from './policy';
