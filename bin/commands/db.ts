import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { formatProblem } from '../../lib/flavor/load-flavors';
import { dangerousChanges, renderDiffMarkdown } from '../../lib/diff/pr-diff';
import { applyDatabaseRequest, RequestValidationError, type DatabaseRequestResult } from '../../lib/requests/apply-database-request';
import { describeChange, parsePositiveInt, type DatabaseRequest } from '../../lib/requests/database-request';
import { gitTopLevel } from '../../lib/requests/git-branch';
import { formatRetained } from '../../lib/requests/retained-resources';
import type { CliIo } from '../cli-io';
import { diffCommits, resolveCommit } from './diff';
import { loadFlavorByName } from './ops-common';
import { DB_USAGE } from '../usage';

const SIZING = ['platform', 'engine', 'instance-type', 'nodes', 'instances', 'size-gib'] as const;
const ALLOWED: Record<string, readonly string[]> = {
  add: SIZING,
  resize: SIZING,
  remove: ['confirm-retain'],
};
const COMMON = ['branch', 'dir', 'no-infra-diff'];

/** Where the infrastructure diff runs: the repository holding the flavor folder, whose app reads that folder. */
function infraDiffRepo(file: string, dir: string): string {
  const top = gitTopLevel(file);
  const ok = top !== undefined && fs.existsSync(path.join(top, 'bin', 'app.ts')) && fs.realpathSync(dir) === path.join(top, 'flavors');
  if (!ok) {
    throw new FlavorsError(
      'DB_INFRA_DIFF_UNAVAILABLE',
      `${dir} is not the flavors/ folder of a flavors-cdk git checkout, so 'flavors diff ` +
        `--base HEAD' cannot show this change; run in your clone or pass --no-infra-diff.`,
    );
  }
  return top;
}

function printResult(r: DatabaseRequestResult, shownAs: string, branch: string | undefined, io: CliIo): void {
  const c = r.change;
  io.out(`flavors db ${describeChange(c)}`);
  for (const line of c.chosen) io.out(`  chose ${line}`);
  io.out('');
  io.out(r.diff.trimEnd());
  io.out('');
  if (r.commit) {
    io.out(`committed ${shownAs} on new branch ${branch} (${r.commit.slice(0, 12)}); your current branch, index and working tree are unchanged.`);
    io.out(`next: git push -u origin ${branch}, then open a pull request.`);
  } else {
    io.out(`wrote ${shownAs}; review, commit and open a pull request (or use --branch next time).`);
  }
  if (r.retained.length > 0) {
    io.out('');
    io.out(
      c.kind === 'remove'
        ? `kept after deploy (retained, never deleted by this change; delete by hand once the data is no longer needed):`
        : `kept after deploy: the data volumes of the nodes this resize drops (retained):`,
    );
    for (const line of formatRetained(r.retained)) io.out(line);
  }
}

function printInfraDiff(top: string, flavor: string, r: DatabaseRequestResult, io: CliIo): void {
  const commit = r.commit;
  const head = commit ? { commit, label: commit.slice(0, 12) } : undefined;
  const diffs = diffCommits(top, { commit: resolveCommit(top, 'HEAD'), label: 'HEAD' }, head, io.env);
  const mine = diffs.filter((d) => d.stage === flavor);
  io.out('');
  io.out(`Infrastructure diff of flavor ${flavor} (flavors diff --base HEAD${commit ? ` against the new branch` : ''}):`);
  io.out('');
  io.out(renderDiffMarkdown(mine, 'HEAD').trimEnd());
  const others = diffs.filter((d) => d.stage !== flavor && d.status !== 'unchanged').map((d) => d.stage);
  if (others.length > 0) io.out(`\nOther stages differ from HEAD too (${others.join(', ')}); 'flavors diff --base HEAD' shows all of them.`);
  if ((r.change.after ?? r.change.before)!.platform === 'k8s') {
    io.out(
      `\nk8s databases are CloudNativePG manifests, not CloudFormation: 'flavors k8s ` +
        `synth' writes dist/k8s/${flavor}/<region>/db-${r.change.name}.yaml for GitOps.`,
    );
  }
  const danger = dangerousChanges(mine);
  if (danger.length > 0) io.err(`${danger.length} stateful resource(s) would be replaced or removed (see the CAUTION block).`);
}

export function dbCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      platform: { type: 'string' },
      engine: { type: 'string' },
      'instance-type': { type: 'string' },
      nodes: { type: 'string' },
      instances: { type: 'string' },
      'size-gib': { type: 'string' },
      'confirm-retain': { type: 'boolean' },
      branch: { type: 'string' },
      'no-infra-diff': { type: 'boolean', default: false },
      dir: { type: 'string', default: 'flavors' },
    },
  });
  const [action, flavorName, name, ...extra] = positionals;
  if (!action || !(action in ALLOWED) || !flavorName || !name || extra.length > 0) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected 'flavors db add|resize|remove <flavor> <name>'.\nusage: ${DB_USAGE}`);
  }
  const given = Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined && !COMMON.includes(k));
  const misplaced = given.filter((k) => !ALLOWED[action].includes(k));
  if (misplaced.length > 0) {
    throw new FlavorsError(
      'CLI_BAD_ARGUMENTS',
      `--${misplaced[0]} is not an option of 'flavors db ${action}' (it takes ${ALLOWED[action].map((o) => `--${o}`).join(', ')}).`,
    );
  }
  const dir = path.resolve(io.cwd, values.dir);
  const flavor = loadFlavorByName(flavorName, values.dir, io);
  const file = path.join(dir, `${flavorName}.ts`);
  const shownAs = path.relative(io.cwd, file) || file;
  const top = values['no-infra-diff'] ? undefined : infraDiffRepo(file, dir);
  if (top) resolveCommit(top, 'HEAD');

  const request: DatabaseRequest =
    action === 'remove'
      ? { kind: 'remove', name, confirmRetain: values['confirm-retain'] === true }
      : {
          kind: action as 'add' | 'resize',
          name,
          platform: values.platform,
          engine: values.engine,
          instanceType: values['instance-type'],
          nodes: parsePositiveInt('--nodes', values.nodes),
          instances: parsePositiveInt('--instances', values.instances),
          sizeGiB: parsePositiveInt('--size-gib', values['size-gib']),
        };
  let result: DatabaseRequestResult;
  try {
    result = applyDatabaseRequest({ file, flavor, request, shownAs, branch: values.branch });
  } catch (err) {
    // The same lines `flavors validate` prints, then the one-line error.
    if (err instanceof RequestValidationError) for (const p of err.problems) io.out(formatProblem(p));
    throw err;
  }
  printResult(result, shownAs, values.branch, io);
  if (top) printInfraDiff(top, flavor.name, result, io);
  return 0;
}
