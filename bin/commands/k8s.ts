import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { synthFlavorManifests } from '../../lib/k8s/flavor-manifests';
import { accountResolver, readCdkContext } from '../context';
import type { CliIo } from '../cli-io';
import { K8S_USAGE } from '../usage';

/** cdk.json `context.k8s`: how the regional clusters are reached (lib/k8s/README.md). */
interface K8sContext {
  /** `host:port` of each flavor's Kafka, `{region}` and `{flavor}` substituted. */
  readonly kafkaBootstrap?: string;
  /** Pod CIDR of each region's cluster, for cross-region streaming between replica clusters. */
  readonly clusterCidrs?: Record<string, string>;
}

function k8sContext(raw: unknown): K8sContext {
  if (raw === undefined) return {};
  const ctx = raw as K8sContext;
  const cidrsOk =
    ctx.clusterCidrs === undefined ||
    (typeof ctx.clusterCidrs === 'object' &&
      Object.values(ctx.clusterCidrs).every((c) => typeof c === 'string' && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c)));
  if (typeof raw !== 'object' || raw === null || (ctx.kafkaBootstrap !== undefined && typeof ctx.kafkaBootstrap !== 'string') || !cidrsOk) {
    throw new FlavorsError(
      'CLI_CDK_JSON_INVALID',
      'cdk.json: context.k8s must be { "kafkaBootstrap"?: "host:port with {region}/{flavor}", "clusterCidrs"?: { "<region>": "10.1.0.0/16" } }.',
    );
  }
  return ctx;
}

export function k8sCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { out: { type: 'string', default: 'dist/k8s' }, dir: { type: 'string', default: 'flavors' } },
  });
  if (positionals[0] !== 'synth' || positionals.length !== 1) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected 'flavors k8s synth', got 'flavors k8s ${positionals.join(' ')}'.\nusage: ${K8S_USAGE}`);
  }
  const context = readCdkContext(io.cwd);
  const accountOf = accountResolver(context.accounts);
  const k8s = k8sContext(context.k8s);
  const template = k8s.kafkaBootstrap;
  const outdir = path.resolve(io.cwd, values.out);
  const flavors = loadFlavorsOrThrow(path.resolve(io.cwd, values.dir));
  const written = synthFlavorManifests(
    flavors.map((flavor) => ({
      flavor,
      account: accountOf(flavor.name),
      outdir,
      clusterCidrs: k8s.clusterCidrs,
      kafkaBootstrap:
        template === undefined ? undefined : (region: string) => template.replaceAll('{region}', region).replaceAll('{flavor}', flavor.name),
    })),
  );
  let count = 0;
  for (const [flavor, regions] of written) {
    for (const region of regions) io.out(`${path.relative(io.cwd, path.join(outdir, flavor, region))}/`);
    count += regions.length;
  }
  io.out(`${count} region manifest folder(s) written`);
  return 0;
}
