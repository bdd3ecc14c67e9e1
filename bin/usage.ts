// Every command's usage line, apart from the commands themselves: `flavors --help` and a usage error
// load this file only, not the command modules with their AWS SDK clients, pg, cdk8s or aws-cdk-lib.
// It may import constants only; test/bin/usage.test.ts checks the defaults it spells out against
// the modules that own them.
import { SANDBOX_DEFAULTS } from '../lib/flavor/sandbox-load';
import { LOOKUP_DEFAULTS } from '../lib/lookup/runtime/defaults';
import { DEFAULT_LOOKUP_TABLE_NAME } from '../lib/lookup/runtime/schema-keys';
import { PORTAL_DEFAULTS } from '../lib/portal/defaults';

/** Where the lookup admin commands and the space move reach the lookup table by default: `lookup serve`'s store. */
export const DEFAULT_STORE_URL = `http://${LOOKUP_DEFAULTS.devHost}:${LOOKUP_DEFAULTS.devStorePort}`;
/** Spelled out here: lib/ops/connections.ts (which owns it) loads pg. */
const CONNECTIONS_FILE = '.flavors/connections.json';
/** Spelled out here: lib/ops/space-move-plan.ts (which owns it) loads the SDK. */
const SPACE_COLUMN = 'space_id';

export const STORE_USAGE = '[--store http://127.0.0.1:8788] [--table flavors-lookup] [--json]';
export const POLICY_USAGE = '[--regions r1,r2] [--countries DE,BE] [--backup-interval-hours N] [--backup-retain N] [--dns-failover manual]';

export const CDC_USAGE =
  'flavors cdc prepare <flavor> --region <r> [--database <db>] [--connections <file>] [--dir flavors] [--execute]   ' +
  "plan (default) or create the publication and pgoutput slot the region's Debezium connectors read";
export const CLIENT_USAGE =
  `flavors client create <clientId> --flavor <flavor> ${POLICY_USAGE} ${STORE_USAGE}   ` + 'add a client (licence) to the lookup table';
export const DB_USAGE =
  'flavors db add|resize|remove <flavor> <name> [--platform ec2|rds|k8s] [--engine e] [--instance-type t] [--nodes N | --instances N] ' +
  '[--size-gib N] [--confirm-retain] [--branch b] [--no-infra-diff] [--dir flavors]   request a database change as a flavor-file edit';
export const DEV_REPLICA_USAGE =
  'flavors dev-replica create <flavor> <database> --region <region> --ttl 8h [--owner <id>] [--mask <file.sql>] [--execute] [--json] ' +
  '[--kube-context {region}] [--k8s-out <file.yaml>] | ' +
  'dev-replica list [--flavor <f>] [--json] [--kube-context {region}] | dev-replica expire [--flavor <f>] [--dry-run] [--kube-context {region}]   ' +
  'a masked dev copy of a database from its newest backup, in the same region; plan by default';
export const DEV_TOKEN_USAGE =
  `flavors dev-token <userId> [--ttl ${LOOKUP_DEFAULTS.devIdentityTokenSeconds}] [--state-dir ${LOOKUP_DEFAULTS.devStateDir}]   ` +
  'a development identity token that lookup serve accepts';
export const DIFF_USAGE =
  'flavors diff --base <git-ref> [--out file.md] [--fail-on-replace] [--matrix deploy.json] [--topology] [--pictures <dir>] [--dir flavors]   ' +
  'per-flavor Markdown diff of base vs working tree';
export const DR_USAGE =
  'flavors dr status <flavor> [--json] [--hosted-zone-id Z…] [--state-dir .flavors] [--dir flavors]   ' +
  'newest snapshot, copy and RDS replica lag per database and region vs the RPO; exit 1 on breach';
export const FAILOVER_USAGE =
  'flavors failover <flavor> --to <region> [--execute] [--accept-data-loss] [--abort] [--hosted-zone-id Z…] ' +
  `[--table-name flavors-lookup] [--lookup-region us-east-1] [--connections ${CONNECTIONS_FILE}] ` +
  "[--kube-context '{region}'] [--state-dir .flavors] [--dir flavors]   " +
  'plan (default) or execute a failover: fence (lookup table, databases, demote k8s clusters), restore/promote, switch DNS, verify; resumable';
export const GRANT_USAGE = `flavors grant <userId> <spaceId> ${STORE_USAGE}   let a user route to a space (idempotent)`;
export const K8S_USAGE =
  "flavors k8s synth [--out dist/k8s] [--dir flavors]   write the k8s databases' and CDC manifests per flavor region (residency-checked)";
export const LIST_USAGE = 'flavors list [--dir flavors] [--json]   each flavor with its regions, roles and residency';
export const LOOKUP_USAGE =
  `flavors lookup serve [--port ${LOOKUP_DEFAULTS.devPort}] [--store-port ${LOOKUP_DEFAULTS.devStorePort}] [--store <url>] ` +
  `[--table ${DEFAULT_LOOKUP_TABLE_NAME}] [--dir flavors] [--zone ${LOOKUP_DEFAULTS.endpointZone}] ` +
  `[--state-dir ${LOOKUP_DEFAULTS.devStateDir}] [--json]   ` +
  'the lookup service on 127.0.0.1 with a seeded in-memory store';
export const PORTAL_USAGE =
  `flavors portal [--port ${PORTAL_DEFAULTS.port}] [--admin <userId>]... [--store <url>] [--table ${DEFAULT_LOOKUP_TABLE_NAME}] [--dir flavors] ` +
  `[--zone ${LOOKUP_DEFAULTS.endpointZone}] [--state-dir ${LOOKUP_DEFAULTS.devStateDir}] [--kube-context {region}] [--hosted-zone-id Z…] ` +
  `[--connections ${CONNECTIONS_FILE}] [--json]   the self-service web portal on 127.0.0.1`;
export const SCHEMA_USAGE = [
  'flavors schema status <database> [--flavor <f>]... [--connections <file>] [--migrations-dir migrations] [--dir flavors] [--json]   ' +
    'per flavor: applied version, pending migrations, drift (exit 1 on drift)',
  '  flavors schema apply <database> [--flavor <f>]... [--canary <flavor>] [--execute] [--retry <version>] [--connections <file>] ' +
    '[--migrations-dir migrations] [--dir flavors]   plan (default) or apply migrations flavor by flavor; resumable',
].join('\n');
export const SCP_USAGE = "flavors scp <flavor> [--exempt-principal <arn>]...   service control policy locking an account to the flavor's regions";
export const SPACE_MOVE_USAGE =
  'flavors space move <spaceId> --to <flavor> [--data copy|none] [--accept-data-loss] [--execute] [--abort] ' +
  `[--connections ${CONNECTIONS_FILE}] [--store ${DEFAULT_STORE_URL}|aws:<region>] [--table ${DEFAULT_LOOKUP_TABLE_NAME}] ` +
  `[--space-column ${SPACE_COLUMN}] [--state-dir .flavors] [--json]   ` +
  'plan (default) or execute moving a space and its rows to another flavor; resumable';
export const SPACE_USAGE = [
  `flavors space create <spaceId> --client <clientId> ${POLICY_USAGE} ${STORE_USAGE}   add a space of a client`,
  `  flavors space show <spaceId> ${STORE_USAGE}   a space's record, route and grants (JSON)`,
  `  ${SPACE_MOVE_USAGE}`,
].join('\n');
export const VALIDATE_USAGE =
  `flavors validate [file...] [--dir flavors] [--file-timeout-ms ${SANDBOX_DEFAULTS.fileTimeoutMs}]   ` +
  'check flavor files (each may run that long at import); exit 1 on any error';
