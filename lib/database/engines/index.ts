import type { DatabaseEngine } from '../../flavor/types';
import { preludeCommands } from './common';
import { couchbaseUserData } from './couchbase';
import type { EngineNode, EngineUserData } from './engine';
import { mysqlUserData } from './mysql';
import { postgresUserData } from './postgres';

export type { EngineNode, EngineUserData } from './engine';
export { DATA_MOUNT } from './common';

/** The user data of every engine a DbNodeFleet runs. */
export const ENGINE_USER_DATA: Readonly<Record<DatabaseEngine, EngineUserData>> = {
  postgres: postgresUserData,
  mysql: mysqlUserData,
  couchbase: couchbaseUserData,
};

/** The whole user data (bash commands) of one node: volume and password first, then the engine. */
export function nodeUserDataCommands(engine: DatabaseEngine, node: EngineNode): string[] {
  return [...preludeCommands(node), ...ENGINE_USER_DATA[engine].commands(node), `echo "flavors: ${node.databaseName} node ${node.index} ready"`];
}
