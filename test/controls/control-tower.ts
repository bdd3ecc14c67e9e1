import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import * as fs from 'fs';
import * as path from 'path';

/** One resource that a Control Tower proactive control finds non-compliant. */
export interface ControlFinding {
  /** Control id, e.g. `CT.KMS.PR.3`. */
  readonly control: string;
  /** The guard rule's name, e.g. `kms_create_grant_aws_service_check`. */
  readonly rule: string;
  readonly stackName: string;
  /** Logical id of the resource, or `(unlocated)` when cfn-guard names none. */
  readonly logicalId: string;
}

const RULES_DIR = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
const TYPE_LITERAL = /["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']/g;

/** Every bundled Control Tower rule file: its name and the resource types it evaluates. */
function bundledRules(): { name: string; types: string[] }[] {
  return (fs.readdirSync(RULES_DIR, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.guard'))
    .map((f) => ({
      name: path.parse(f).name,
      types: [...fs.readFileSync(path.join(RULES_DIR, f), 'utf-8').matchAll(TYPE_LITERAL)].map((m) => m[1]),
    }));
}

/** Number of bundled Control Tower rules (so a test can show they were all considered). */
export const BUNDLED_RULE_COUNT = bundledRules().length;

/**
 * Runs `CfnGuardValidator` with its bundled Control Tower rules over one template on disk.
 * Speed: cfn-guard's time grows with rules × templates (17 s for all 237 rules over the app), so a
 * rule is disabled for a template only when none of the resource types it evaluates occurs there —
 * every Control Tower rule is `when <resources of its types> not empty`, so such a rule cannot fail.
 * A rule whose types cannot be read from its file always runs.
 */
export function checkTemplate(templatePath: string, stackName: string): ControlFinding[] {
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf-8')) as { Resources?: Record<string, { Type: string }> };
  const present = new Set(Object.values(template.Resources ?? {}).map((r) => r.Type));
  const rules = bundledRules();
  const disabledRules = rules.filter((r) => r.types.length > 0 && !r.types.some((t) => present.has(t))).map((r) => r.name);
  if (disabledRules.length === rules.length) return [];
  const report = new CfnGuardValidator({ disabledRules, maxBuffer: 64 * 1024 * 1024 }).validate({ templatePaths: [templatePath] });
  const findings = report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      control: /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName,
      rule: violation.ruleName,
      stackName,
      logicalId: resource.resourceLogicalId ?? '(unlocated)',
    })),
  );
  // The plugin repeats some findings without a location next to the located ones: keep an
  // unlocated finding only when its rule located nothing in this template.
  const located = new Set(findings.filter((f) => f.logicalId !== '(unlocated)').map((f) => f.rule));
  const unique = new Map(findings.filter((f) => f.logicalId !== '(unlocated)' || !located.has(f.rule)).map((f) => [`${f.rule} ${f.logicalId}`, f]));
  return [...unique.values()];
}
