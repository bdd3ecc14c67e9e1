import { Yaml } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { assertAwsCredentials } from '../../lib/ops/aws-clients';
import { createDevReplica, type DevReplicaHandOut } from '../../lib/ops/dev-replica-create';
import { expireDevReplicas } from '../../lib/ops/dev-replica-expire';
import { formatDevReplicas, listDevReplicas } from '../../lib/ops/dev-replica-inventory';
import { kubectlFor, type KubeFor } from '../../lib/ops/dev-replica-kube';
import { formatDevPlan, planDevReplica } from '../../lib/ops/dev-replica-plan';
import { devReplicaRequest } from '../../lib/ops/dev-replica-request';
import { realSleep, type PollOptions } from '../../lib/ops/poll';
import type { CliIo, Command } from '../cli-io';
import { loadFlavorByName, resolveOpsDeps, type OpsDeps } from './ops-common';

export const DEV_REPLICA_USAGE =
  'flavors dev-replica create <flavor> <database> --region <region> --ttl 8h [--owner <id>] ' +
  '[--mask <file.sql>] [--execute] [--json] [--kube-context {region}] [--k8s-out <file.yaml>] | ' +
  'dev-replica list [--flavor <f>] [--json] [--kube-context {region}] | dev-replica expire [--flavor <f>] [--dry-run] [--kube-context {region}]   ' +
  'a masked dev copy of a database from its newest backup, in the same region; plan by default';

/** What tests inject besides the ops deps: a fake Kubernetes, the copy's port and TLS, fixed ids. */
export interface DevReplicaDeps extends OpsDeps {
  /** @default kubectl with context `--kube-context` (template, `{region}` replaced; default the region's name) */
  readonly kubeFor?: KubeFor;
  /** Waiting for the copy to accept its login. @default DEV_REPLICA_DEFAULTS.connectPoll */
  readonly connectPoll?: PollOptions;
  readonly connectTimeoutMs?: number;
  /** @default true */
  readonly rdsTls?: boolean;
  /** The dev node's PostgreSQL port. @default 5432 */
  readonly ec2Port?: number;
  readonly generatePassword?: () => string;
  /** Suffix of new replica ids. @default random */
  readonly replicaSuffix?: string;
}

const OPTIONS = {
  region: { type: 'string' },
  ttl: { type: 'string' },
  owner: { type: 'string' },
  mask: { type: 'string' },
  execute: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  flavor: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  'kube-context': { type: 'string' },
  'k8s-out': { type: 'string' },
  dir: { type: 'string', default: 'flavors' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function handOutLines(h: DevReplicaHandOut): string[] {
  return [
    `Dev replica ${h.replicaId} is ready${h.masked ? ' (masked)' : ''}:`,
    `  host:     ${h.host}`,
    `  port:     ${h.port}`,
    `  database: ${h.dbname}`,
    `  user:     ${h.user}`,
    `  password: in Secrets Manager ${h.secretArn} (aws secretsmanager get-secret-value --region ${h.region} --secret-id ${h.secretArn})`,
    `  expires:  ${h.expiresAt}`,
  ];
}

/** `flavors dev-replica`; `deps` lets tests pass mocked SDK clients, a fake Kubernetes, a fixed clock. */
export function makeDevReplicaCommand(deps: DevReplicaDeps = {}): Command {
  return async (args: readonly string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: OPTIONS });
    const [sub, ...rest] = positionals;
    const kubeFor = deps.kubeFor ?? (values['kube-context'] !== undefined || sub === 'create' ? kubectlFor(values['kube-context']) : undefined);
    if (sub === 'create') {
      if (rest.length !== 2)
        throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected 'dev-replica create <flavor> <database>'.\nusage: ${DEV_REPLICA_USAGE}`);
      return create(rest[0], rest[1], values, { ...deps, kubeFor }, io);
    }
    if ((sub === 'list' || sub === 'expire') && rest.length === 0) return inventory(sub, values, { ...deps, kubeFor }, io);
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected 'dev-replica create|list|expire'.\nusage: ${DEV_REPLICA_USAGE}`);
  };
}

async function create(flavorName: string, database: string, values: Values, deps: DevReplicaDeps, io: CliIo): Promise<number> {
  const flavor = loadFlavorByName(flavorName, values.dir, io);
  const { clientsFor, credentials, now } = resolveOpsDeps(deps);
  // Every refusal that needs no AWS comes first.
  const request = devReplicaRequest({
    flavor,
    database,
    region: values.region,
    ttl: values.ttl,
    owner: values.owner ?? io.env.USER ?? io.env.USERNAME ?? 'unknown',
    maskFile: values.mask,
    cwd: io.cwd,
    now: now(),
    suffix: deps.replicaSuffix,
  });
  await assertAwsCredentials(credentials(request.region), deps.credentialTimeoutMs);
  const plan = await planDevReplica(request, { clientsFor, kubeFor: deps.kubeFor, ec2Port: deps.ec2Port });
  if (!values.json) for (const line of formatDevPlan(plan)) io.out(line);
  if (plan.platform === 'k8s') {
    // The manifests as YAML, for review or GitOps; the login Secret is made (and applied) only by --execute.
    const yaml = Yaml.stringify(...plan.manifests);
    if (values['k8s-out']) {
      fs.writeFileSync(path.resolve(io.cwd, values['k8s-out']), yaml);
      if (!values.json)
        io.out(`  manifests written to ${values['k8s-out']} (without the login Secret ${plan.replicaId}-login, which --execute creates)`);
    } else if (!values.json) {
      io.out('  manifests:');
      for (const line of yaml.trimEnd().split('\n')) io.out(`    ${line}`);
    }
  } else if (values['k8s-out']) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `--k8s-out is for k8s databases; ${database} runs on ${plan.platform}.`);
  }
  if (!values.execute) {
    if (values.json) io.out(JSON.stringify({ plan }, null, 2));
    else io.out('Nothing was created. Rerun with --execute to create it.');
    return 0;
  }
  const log = values.json ? () => undefined : io.out;
  const handOut = await createDevReplica(plan, request.mask, {
    clientsFor,
    kubeFor: deps.kubeFor,
    log,
    poll: { sleep: deps.sleep ?? realSleep, ...deps.poll },
    connectPoll: deps.connectPoll,
    connectTimeoutMs: deps.connectTimeoutMs,
    rdsTls: deps.rdsTls,
    generatePassword: deps.generatePassword,
  });
  if (values.json) io.out(JSON.stringify({ plan, handOut }, null, 2));
  else for (const line of handOutLines(handOut)) io.out(line);
  return 0;
}

async function inventory(sub: 'list' | 'expire', values: Values, deps: DevReplicaDeps, io: CliIo): Promise<number> {
  const flavors: Flavor[] = values.flavor ? [loadFlavorByName(values.flavor, values.dir, io)] : loadFlavorsOrThrow(path.resolve(io.cwd, values.dir));
  const regions = [...new Set(flavors.flatMap((f) => f.regions.map((r) => r.region)))].sort();
  const { clientsFor, credentials, now } = resolveOpsDeps(deps);
  await assertAwsCredentials(credentials(regions[0]), deps.credentialTimeoutMs);
  if (!deps.kubeFor && !values.json)
    io.err('note: Kubernetes dev clusters not included; pass --kube-context <context or {region} template> to include them.');
  if (sub === 'list') {
    const replicas = await listDevReplicas(regions, values.flavor, { clientsFor, kubeFor: deps.kubeFor });
    if (values.json) io.out(JSON.stringify(replicas, null, 2));
    else for (const line of formatDevReplicas(replicas, now())) io.out(line);
    return 0;
  }
  const dryRun = values['dry-run'];
  const result = await expireDevReplicas(
    regions,
    now(),
    dryRun,
    {
      clientsFor,
      kubeFor: deps.kubeFor,
      log: io.out,
      poll: { sleep: deps.sleep ?? realSleep, ...deps.poll },
    },
    values.flavor,
  );
  if (dryRun) {
    io.out(result.expired.length === 0 ? 'No dev replica is past its expiry.' : `Would delete ${result.expired.length} expired dev replica(s):`);
    for (const line of result.expired.length > 0 ? formatDevReplicas(result.expired, now()) : []) io.out(line);
    io.out('Nothing was deleted (--dry-run).');
    return 0;
  }
  for (const f of result.failed) io.err(`error DEV_REPLICA_EXPIRE_FAILED: ${f.replica.replicaId} (${f.replica.region}): ${f.error}`);
  io.out(`${result.expired.length - result.failed.length} expired dev replica(s) deleted, ${result.kept.length} kept.`);
  return result.failed.length > 0 ? 1 : 0;
}

export const devReplicaCommand = makeDevReplicaCommand();
