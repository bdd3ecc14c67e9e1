export * from './types';
export * from './regions';
export * from './countries';
export * from './defaults';
export * from './validate';
export * from './define-flavor';
export * from './policy';
export * from './load-flavors';
