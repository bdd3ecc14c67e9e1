import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { deployMatrix } from '../../lib/diff/deploy-matrix';
import { flavorMermaid, renderFlavorSvg } from '../../lib/portal/flavor-picture';
import {
  dangerousChanges,
  diffStages,
  readStageTemplates,
  renderDiffMarkdown,
  topologyChanged,
  type FlavorPictureRef,
  type StageDiff,
} from '../../lib/diff/pr-diff';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { DEFAULT_CONTROL_PLANE_REGIONS } from '../../lib/lookup/defaults';
import { CONTROL_PLANE_STAGE_NAME } from '../../stacks/control-plane-stage';
import { readCdkContext } from '../context';
import type { CliIo } from '../cli-io';

export const DIFF_USAGE =
  'flavors diff --base <git-ref> [--out file.md] [--fail-on-replace] [--matrix deploy.json] ' +
  '[--topology] [--pictures <dir>] [--dir flavors]   per-flavor Markdown diff of base vs working tree';

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf-8' });
  if (r.status !== 0) throw new FlavorsError('DIFF_GIT_FAILED', `git ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return r.stdout;
}

/** Synthesizes the app of a source tree offline into `outdir`; returns false when the tree has no app yet. */
function synthTree(dir: string, outdir: string, env: Readonly<Record<string, string | undefined>>, label: string): boolean {
  if (!fs.existsSync(path.join(dir, 'bin', 'app.ts'))) return false;
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, 'bin', 'app.ts')], {
    cwd: dir,
    encoding: 'utf-8',
    env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(readCdkContext(dir)) },
  });
  if (result.status !== 0) {
    const reason = result.stderr.trim().split('\n').slice(0, 5).join('\n');
    throw new FlavorsError('DIFF_SYNTH_FAILED', `synth of ${label} failed:\n${reason}`);
  }
  return true;
}

/** The top of the git work tree that holds `cwd`. */
export function gitTopLevel(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']).trim();
}

/** The commit a ref names; DIFF_BASE_UNKNOWN when there is none. */
export function resolveCommit(top: string, ref: string): string {
  const commit = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: top, encoding: 'utf-8' });
  if (commit.status !== 0) {
    throw new FlavorsError(
      'DIFF_BASE_UNKNOWN',
      `'${ref}' is not a commit in this repository; fetch it first (git fetch origin) or pass another ref.`,
    );
  }
  return commit.stdout.trim();
}

/** Extracts a commit's tree into `dir` with git itself (no checkout of the working tree is touched). */
function extractCommit(top: string, commit: string, label: string, dir: string): void {
  fs.mkdirSync(dir);
  const archive = spawnSync('git', ['archive', '--format=tar', commit], { cwd: top, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new FlavorsError('DIFF_GIT_FAILED', `git archive ${label} failed.`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new FlavorsError('DIFF_GIT_FAILED', `extracting ${label} failed: ${untar.stderr.toString().trim()}`);
  // Reuses this tree's node_modules: a PR that changes dependencies is diffed with the head's versions.
  fs.symlinkSync(path.join(top, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

/**
 * Synthesizes `base` and `head` offline and diffs them per Stage (flavor). Both are commit ids;
 * `head` undefined means the working tree of `top`. Labels name them in errors.
 */
export function diffCommits(
  top: string,
  base: { commit: string; label: string },
  head: { commit: string; label: string } | undefined,
  env: Readonly<Record<string, string | undefined>>,
): StageDiff[] {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-diff-'));
  try {
    const baseDir = path.join(work, 'base');
    extractCommit(top, base.commit, base.label, baseDir);
    let headDir = top;
    if (head) {
      headDir = path.join(work, 'head');
      extractCommit(top, head.commit, head.label, headDir);
    }
    const baseOut = path.join(work, 'base.out');
    const headOut = path.join(work, 'head.out');
    synthTree(baseDir, baseOut, env, base.label);
    synthTree(headDir, headOut, env, head?.label ?? 'the working tree');
    return diffStages(readStageTemplates(baseOut), readStageTemplates(headOut));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The deploy workflow's plan (`--matrix`): the control plane, then each flavor of the working tree
 * with its primary region and whether its change needs an approval (lib/diff/deploy-matrix.ts).
 */
function writeDeployMatrix(file: string, diffs: readonly StageDiff[], flavorsDir: string, cwd: string): void {
  const stages = loadFlavorsOrThrow(flavorsDir).map((f) => ({ stage: f.name, region: f.primaryRegion }));
  const controlPlane = readCdkContext(cwd).controlPlane as { regions?: unknown } | undefined;
  const regions = Array.isArray(controlPlane?.regions) ? (controlPlane.regions as string[]) : DEFAULT_CONTROL_PLANE_REGIONS;
  fs.writeFileSync(file, `${JSON.stringify(deployMatrix(diffs, stages, { stage: CONTROL_PLANE_STAGE_NAME, region: regions[0] }), null, 2)}\n`);
}

/**
 * `--topology`: a Mermaid picture of each flavor whose regions or databases change, in the comment
 * itself (GitHub renders it). `--pictures <dir>` also writes each as SVG and links it as `<dir>/<flavor>.svg`.
 */
async function topologyPictures(
  diffs: readonly StageDiff[],
  flavorsDir: string,
  svg?: { readonly outDir: string; readonly shownAs: string },
): Promise<FlavorPictureRef[]> {
  const changed = new Set(diffs.filter(topologyChanged).map((d) => d.stage));
  const flavors = loadFlavorsOrThrow(flavorsDir).filter((f) => changed.has(f.name));
  if (svg && flavors.length > 0) fs.mkdirSync(svg.outDir, { recursive: true });
  const refs: FlavorPictureRef[] = [];
  for (const f of flavors) {
    if (svg) fs.writeFileSync(path.join(svg.outDir, `${f.name}.svg`), await renderFlavorSvg(f));
    refs.push({ flavor: f.name, mermaid: flavorMermaid(f), ...(svg ? { image: `${svg.shownAs.replace(/\/+$/, '')}/${f.name}.svg` } : {}) });
  }
  return refs;
}

/** Stateful replacements or removals fail the command only when the caller asked (`--fail-on-replace`). */
export function diffExitCode(dangerousCount: number, failOnReplace: boolean): number {
  return dangerousCount > 0 && failOnReplace ? 1 : 0;
}

export async function diffCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      base: { type: 'string' },
      out: { type: 'string' },
      'fail-on-replace': { type: 'boolean', default: false },
      matrix: { type: 'string' },
      dir: { type: 'string', default: 'flavors' },
      pictures: { type: 'string' },
      topology: { type: 'boolean', default: false },
    },
  });
  if (!values.base) throw new FlavorsError('CLI_BAD_ARGUMENTS', `--base <git-ref> is required, e.g. --base origin/main.\nusage: ${DIFF_USAGE}`);
  const top = gitTopLevel(io.cwd);
  const diffs = diffCommits(top, { commit: resolveCommit(top, values.base), label: values.base }, undefined, io.env);
  const svg = values.pictures ? { outDir: path.resolve(io.cwd, values.pictures), shownAs: values.pictures } : undefined;
  const pictures = values.topology || svg ? await topologyPictures(diffs, path.resolve(io.cwd, values.dir), svg) : [];
  const markdown = renderDiffMarkdown(diffs, values.base, pictures);
  if (values.out) fs.writeFileSync(path.resolve(io.cwd, values.out), markdown);
  else io.out(markdown.trimEnd());
  if (values.matrix) writeDeployMatrix(path.resolve(io.cwd, values.matrix), diffs, path.resolve(io.cwd, values.dir), io.cwd);
  const danger = dangerousChanges(diffs);
  if (danger.length > 0) io.err(`${danger.length} stateful resource(s) would be replaced or removed (see the CAUTION block).`);
  return diffExitCode(danger.length, values['fail-on-replace'] === true);
}
