import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../../lib/errors';
import { formatProblem, listFlavorFiles, loadFlavorFile } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { createAwsClients, defaultCredentialsCheck, type ClientsFor, type CredentialsCheck } from '../../lib/ops/aws-clients';
import type { Sleep } from '../../lib/ops/poll';
import type { CliIo } from '../cli-io';
import { readCdkContext } from '../context';

/**
 * What the ops commands (`dr`, `failover`) need from the outside world. The CLI uses the real
 * thing; tests pass SDK clients under aws-sdk-client-mock, a fixed clock and an instant sleep.
 */
export interface OpsDeps {
  /** @default real SDK v3 clients (default credential chain) */
  readonly clientsFor?: ClientsFor;
  /** @default the default credential provider chain of a fresh client */
  readonly credentials?: (region: string) => CredentialsCheck;
  readonly credentialTimeoutMs?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default real timers */
  readonly sleep?: Sleep;
  readonly poll?: { readonly attempts?: number; readonly delayMs?: number };
  /** Subscribes to Ctrl-C; returns the unsubscribe. @default process SIGINT */
  readonly onInterrupt?: (handler: () => void) => () => void;
  /** @default fo-<time>-<random> */
  readonly newFailoverId?: (now: Date) => string;
}

export interface ResolvedOpsDeps {
  readonly clientsFor: ClientsFor;
  readonly credentials: (region: string) => CredentialsCheck;
  readonly now: () => Date;
}

export function resolveOpsDeps(deps: OpsDeps): ResolvedOpsDeps {
  return {
    clientsFor: deps.clientsFor ?? createAwsClients(),
    credentials: deps.credentials ?? defaultCredentialsCheck,
    now: deps.now ?? (() => new Date()),
  };
}

/** Loads `<dir>/<name>.ts`; an unknown or broken flavor is a one-line error. */
export function loadFlavorByName(name: string, dir: string, io: CliIo): Flavor {
  const root = path.resolve(io.cwd, dir);
  const file = path.join(root, `${name}.ts`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !fs.existsSync(file)) {
    const known = fs.existsSync(root) ? listFlavorFiles(root).map((f) => path.basename(f, '.ts')) : [];
    throw new FlavorsError(
      'OPS_UNKNOWN_FLAVOR',
      `no flavor '${name}' in ${path.relative(io.cwd, root) || '.'}/ ` +
        `(known: ${known.join(', ') || 'none'}); pass a flavor name such as ${known[0] ?? 'global'}.`,
    );
  }
  const { flavor, problems } = loadFlavorFile(file);
  const error = problems.find((p) => p.severity === 'error');
  if (!flavor || error) {
    throw new FlavorsError(
      error?.code ?? 'FLAVOR_FILE_UNLOADABLE',
      `${formatProblem({ ...error!, file: path.relative(io.cwd, file) })}; run 'flavors validate' for details.`,
    );
  }
  return flavor;
}

/** `--hosted-zone-id`, else cdk.json context `dns.hostedZoneId` (what the flavor DNS stacks deploy into). */
export function hostedZoneIdFrom(option: string | undefined, io: CliIo): string | undefined {
  if (option) return option;
  const dns = readCdkContext(io.cwd).dns as { hostedZoneId?: unknown } | undefined;
  return typeof dns?.hostedZoneId === 'string' ? dns.hostedZoneId : undefined;
}

/** The exit code of a long operation stopped by Ctrl-C (128 + SIGINT), progress saved. */
export const EXIT_INTERRUPTED = 130;

/**
 * Ctrl-C for a long operation: the first press asks it to stop at the next safe point (`handler`),
 * a second one exits at once after printing `secondPress` (the state file may then lag a step).
 */
export function interruptOnCtrlC(io: CliIo, secondPress: string): (handler: () => void) => () => void {
  return (handler) => {
    let presses = 0;
    const listener = () => {
      presses += 1;
      if (presses > 1) {
        io.err(secondPress);
        process.exit(EXIT_INTERRUPTED);
      }
      handler();
    };
    process.on('SIGINT', listener);
    return () => {
      process.off('SIGINT', listener);
    };
  };
}
