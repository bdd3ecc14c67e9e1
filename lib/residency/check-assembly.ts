import * as cxapi from 'aws-cdk-lib/cx-api';
import { checkTemplateResidency, type TemplateViolation } from './check-template';
import { RESIDENCY_VIOLATION } from './residency-guard';

export interface AssemblyViolation extends TemplateViolation {
  readonly stage: string;
  readonly stack: string;
}

/** The regions each Stage's data may live in, keyed by stage name (a flavor's name, or the control plane). */
export type StageRegions = Readonly<Record<string, readonly string[]>>;

/**
 * Checks a synthesized cloud assembly — what `cdk deploy` would deploy — against each Stage's
 * allowed regions: every stack's environment region and every template string. Runs after
 * `app.synth()`, so it proves the written templates rather than what a construct meant to do.
 * A Stage missing from `stageRegions` is itself a violation: nothing goes unchecked by omission.
 */
export function checkAssemblyResidency(assembly: cxapi.CloudAssembly, stageRegions: StageRegions): AssemblyViolation[] {
  const violations: AssemblyViolation[] = [];
  for (const artifact of assembly.nestedAssemblies) {
    violations.push(...checkStageResidency(artifact.displayName, artifact.nestedAssembly, stageRegions[artifact.displayName]));
  }
  for (const stack of assembly.stacks) {
    violations.push({
      stage: '',
      stack: stack.stackName,
      logicalId: '',
      location: '',
      ruleId: 'RES_STACK_OUTSIDE_STAGE',
      message: 'stack is not inside a flavor or control-plane Stage',
      fix: 'Create every stack inside a FlavorStage or the ControlPlaneStage.',
    });
  }
  return violations;
}

/**
 * The part of `checkAssemblyResidency` for one Stage: `stage.synth()`'s assembly (the same files
 * `app.synth()` writes for that Stage) against its allowed regions; `undefined` regions make every
 * stack a violation.
 */
export function checkStageResidency(stage: string, nested: cxapi.CloudAssembly, allowed: readonly string[] | undefined): AssemblyViolation[] {
  const violations: AssemblyViolation[] = [];
  for (const stack of nested.stacksRecursively) {
    const base = { stage, stack: stack.stackName, logicalId: '', location: '' };
    if (!allowed) {
      violations.push({
        ...base,
        ruleId: 'RES_STAGE_UNCHECKED',
        message: `stage ${stage} has no residency declaration`,
        fix: 'Declare the regions of every Stage to checkAssemblyResidency.',
      });
      continue;
    }
    if (!allowed.includes(stack.environment.region)) {
      violations.push({
        ...base,
        ruleId: 'RES_STACK_REGION',
        message: `stack is deployed to ${stack.environment.region}, outside ${allowed.join(', ')}`,
        fix: "Deploy the stack to one of the flavor's regions.",
      });
    }
    for (const v of checkTemplateResidency(stack.template as Parameters<typeof checkTemplateResidency>[0], {
      allowedRegions: allowed,
      region: stack.environment.region,
    }))
      violations.push({ ...base, ...v });
  }
  return violations;
}

/** An annotation's text: annotations carry strings; anything else is shown as JSON. */
export function messageText(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data);
}

/**
 * The error annotations a `ResidencyGuard` left in the assembly (messages starting with
 * RESIDENCY_VIOLATION), so an app that runs the post-synth check can print both nets' findings.
 */
export function residencyGuardErrors(assembly: cxapi.CloudAssembly): string[] {
  const stacks = [...assembly.stacksRecursively, ...assembly.nestedAssemblies.flatMap((a) => a.nestedAssembly.stacksRecursively)];
  return [
    ...new Set(
      stacks.flatMap((stack) =>
        stack.messages
          .filter((m) => m.level === cxapi.SynthesisMessageLevel.ERROR && messageText(m.entry.data).startsWith(RESIDENCY_VIOLATION))
          .map((m) => messageText(m.entry.data)),
      ),
    ),
  ];
}

export function formatViolation(v: AssemblyViolation): string {
  const where = [v.stage, v.stack, v.logicalId, v.location].filter(Boolean).join(' / ');
  return `${v.ruleId}: ${where}: ${v.message}. ${v.fix}`;
}
