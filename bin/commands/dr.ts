import { parseArgs } from 'util';
import * as path from 'path';
import { FlavorsError } from '../../lib/errors';
import { assertAwsCredentials } from '../../lib/ops/aws-clients';
import { resolvePrimary } from '../../lib/ops/current-primary';
import { OPS_DEFAULTS } from '../../lib/ops/defaults';
import { drStatus, formatDrReport } from '../../lib/ops/dr-status';
import { FailoverStateStore } from '../../lib/ops/failover-state';
import type { CliIo, Command } from '../cli-io';
import { hostedZoneIdFrom, loadFlavorByName, resolveOpsDeps, type OpsDeps } from './ops-common';
import { DR_USAGE } from '../usage';

/** `flavors dr status <flavor>`; `deps` lets tests pass mocked SDK clients and a fixed clock. */
export function makeDrCommand(deps: OpsDeps = {}): Command {
  return async (args: readonly string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'hosted-zone-id': { type: 'string' },
        'state-dir': { type: 'string', default: OPS_DEFAULTS.stateDir },
        dir: { type: 'string', default: 'flavors' },
      },
    });
    const [sub, name, ...extra] = positionals;
    if (sub !== 'status' || !name || extra.length > 0) {
      throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected 'dr status <flavor>'.\nusage: ${DR_USAGE}`);
    }
    const flavor = loadFlavorByName(name, values.dir, io);
    const { clientsFor, credentials, now } = resolveOpsDeps(deps);
    await assertAwsCredentials(credentials(flavor.primaryRegion), deps.credentialTimeoutMs);

    const hostedZoneId = hostedZoneIdFrom(values['hosted-zone-id'], io);
    const lastFailover = new FailoverStateStore(path.resolve(io.cwd, values['state-dir']), flavor.name).read();
    const primary = await resolvePrimary(flavor, { route53: clientsFor(flavor.primaryRegion).route53, hostedZoneId, lastFailover });
    if (primary.warning) io.err(`warning: primary not read from DNS: ${primary.warning}`);
    const report = await drStatus(flavor, { clientsFor, primary: primary.region, primarySource: primary.source, now: now() });
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else for (const line of formatDrReport(report)) io.out(line);
    return report.breaches > 0 ? 1 : 0;
  };
}

export const drCommand = makeDrCommand();
