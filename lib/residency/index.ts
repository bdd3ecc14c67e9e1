export * from './rules/rule';
export * from './rules/foreign-region-reference';
export * from './check-template';
export * from './check-assembly';
export * from './scp';
