import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import * as fs from 'fs';

/** Resource types that hold data or protect it: replacing or removing one loses data or access to it. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::EC2::Volume',
  'AWS::KMS::Key',
  'AWS::KMS::ReplicaKey',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::DynamoDB::GlobalTable',
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::Logs::LogGroup',
  'AWS::SecretsManager::Secret',
  'AWS::EFS::FileSystem',
  'AWS::DLM::LifecyclePolicy',
]);

export type ChangeKind = 'added' | 'removed' | 'replaced' | 'changed';

export interface ResourceChange {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly kind: ChangeKind;
  readonly stateful: boolean;
  /** For changes: the properties whose update replaces the resource, or all changed properties. */
  readonly properties: readonly string[];
}

/** Templates of one Stage (a flavor or the control plane), keyed by stack name. */
export type StageTemplates = Map<string, Record<string, unknown>>;

export interface StageDiff {
  readonly stage: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly changes: readonly ResourceChange[];
}

/** Reads every Stage's stack templates of a synthesized cloud assembly (`cdk.out`). */
export function readStageTemplates(cdkOut: string): Map<string, StageTemplates> {
  const stages = new Map<string, StageTemplates>();
  if (!fs.existsSync(cdkOut)) return stages;
  const assembly = new CloudAssembly(cdkOut);
  for (const artifact of assembly.nestedAssemblies) {
    const stacks: StageTemplates = new Map();
    for (const stack of artifact.nestedAssembly.stacksRecursively) stacks.set(stack.stackName, stack.template as Record<string, unknown>);
    stages.set(artifact.displayName, stacks);
  }
  return stages;
}

function classify(impact: ResourceImpact): ChangeKind | undefined {
  switch (impact) {
    case ResourceImpact.WILL_CREATE:
    case ResourceImpact.WILL_IMPORT:
      return 'added';
    case ResourceImpact.WILL_DESTROY:
    case ResourceImpact.WILL_ORPHAN:
      return 'removed';
    case ResourceImpact.WILL_REPLACE:
    case ResourceImpact.MAY_REPLACE:
      return 'replaced';
    case ResourceImpact.WILL_UPDATE:
      return 'changed';
    default:
      return undefined;
  }
}

/** Resource-level changes between two versions of one stack's template. */
export function diffStack(stack: string, base: Record<string, unknown>, head: Record<string, unknown>): ResourceChange[] {
  const changes: ResourceChange[] = [];
  const diff = fullDiff(base, head);
  diff.resources.forEachDifference((logicalId, change) => {
    const kind = classify(change.changeImpact);
    if (!kind) return;
    const type = (change.newResourceType ?? change.oldResourceType)!;
    const updates = Object.entries(change.propertyUpdates);
    const replacing = updates.filter(([, p]) => p.changeImpact === ResourceImpact.WILL_REPLACE || p.changeImpact === ResourceImpact.MAY_REPLACE);
    changes.push({
      stack,
      logicalId,
      type,
      kind,
      stateful: STATEFUL_TYPES.has(type),
      properties: (kind === 'replaced' && replacing.length > 0 ? replacing : updates).map(([name]) => name).sort(),
    });
  });
  return changes;
}

/** Per-Stage diff of two synthesized apps (base, e.g. the PR's target branch, and head). */
export function diffStages(base: Map<string, StageTemplates>, head: Map<string, StageTemplates>): StageDiff[] {
  const names = [...new Set([...base.keys(), ...head.keys()])].sort();
  return names.map((stage) => {
    const before = base.get(stage) ?? new Map<string, Record<string, unknown>>();
    const after = head.get(stage) ?? new Map<string, Record<string, unknown>>();
    const stacks = [...new Set([...before.keys(), ...after.keys()])].sort();
    const changes = stacks.flatMap((s) => diffStack(s, before.get(s) ?? {}, after.get(s) ?? {}));
    const status = !base.has(stage) ? 'added' : !head.has(stage) ? 'removed' : changes.length > 0 ? 'changed' : 'unchanged';
    return { stage, status, changes };
  });
}

/** Stateful resources that the change would replace or remove: what a reviewer must not miss. */
export function dangerousChanges(diffs: readonly StageDiff[]): ResourceChange[] {
  return diffs.flatMap((d) => d.changes.filter((c) => c.stateful && (c.kind === 'replaced' || c.kind === 'removed')));
}

const KINDS: readonly ChangeKind[] = ['added', 'changed', 'replaced', 'removed'];

/** A flavor's picture (lib/portal/flavor-picture.ts) for the comment. */
export interface FlavorPictureRef {
  readonly flavor: string;
  /** The picture as a Mermaid flowchart, which GitHub renders in the comment itself. */
  readonly mermaid: string;
  /** URL or repository path of the SVG, when it is hosted somewhere the reader can see it. */
  readonly image?: string;
}

// A region is whole stacks, a database is resources of these types: adding or removing either, or
// resizing a database, changes the picture.
const TOPOLOGY_TYPES = new Set([
  'AWS::RDS::DBInstance',
  'AWS::EC2::Instance',
  'AWS::EC2::Volume',
  'AWS::DLM::LifecyclePolicy',
  'AWS::Route53::RecordSet',
]);

/** Whether a flavor's regions or databases changed (its picture then goes into the comment). */
export function topologyChanged(d: StageDiff): boolean {
  return d.status === 'added' || d.changes.some((c) => c.kind === 'added' || c.kind === 'removed' || TOPOLOGY_TYPES.has(c.type));
}

/** The pull-request comment: a summary table per flavor, stateful replacements called out first, then the pictures of changed topologies. */
export function renderDiffMarkdown(diffs: readonly StageDiff[], baseRef: string, pictures: readonly FlavorPictureRef[] = []): string {
  const lines = [`## flavors diff against \`${baseRef}\``, ''];
  const danger = dangerousChanges(diffs);
  if (danger.length > 0) {
    lines.push(
      `> [!CAUTION]`,
      `> ${danger.length} stateful resource(s) would be replaced or removed. Data in them is lost or orphaned unless migrated:`,
      '>',
    );
    for (const c of danger)
      lines.push(
        `> - **${c.kind}** \`${c.type}\` \`${c.logicalId}\` in ` +
          `\`${c.stack}\`${c.properties.length ? ` (because of ${c.properties.join(', ')})` : ''}`,
      );
    lines.push('');
  }
  lines.push('| flavor | status | added | changed | replaced | removed |', '| --- | --- | ---: | ---: | ---: | ---: |');
  for (const d of diffs) {
    const count = (k: ChangeKind) => d.changes.filter((c) => c.kind === k).length;
    lines.push(`| \`${d.stage}\` | ${d.status} | ${KINDS.map(count).join(' | ')} |`);
  }
  for (const d of diffs.filter((x) => x.changes.length > 0)) {
    lines.push(
      '',
      `<details><summary><code>${d.stage}</code>: ${d.changes.length} resource change(s)</summary>`,
      '',
      '| stack | resource | type | change | properties |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const c of d.changes) {
      lines.push(
        `| \`${c.stack}\` | \`${c.logicalId}\` | \`${c.type}\` ` +
          `| ${c.stateful && c.kind !== 'added' && c.kind !== 'changed' ? `**${c.kind}** (stateful)` : c.kind} | ${c.properties.join(', ')} |`,
      );
    }
    lines.push('', '</details>');
  }
  if (diffs.every((d) => d.status === 'unchanged')) lines.push('', 'No infrastructure changes.');
  if (pictures.length > 0) {
    lines.push('', '### Topology after this change');
    for (const p of pictures) {
      lines.push('', `<details open><summary><code>${p.flavor}</code></summary>`, '', '```mermaid', p.mermaid.trimEnd(), '```');
      if (p.image) lines.push('', `![${p.flavor}: regions, copies, DNS failover order, databases](${p.image})`);
      lines.push('', '</details>');
    }
  }
  return `${lines.join('\n')}\n`;
}
