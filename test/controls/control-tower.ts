import type { PolicyViolationBeta1 } from 'aws-cdk-lib';
import { spawn } from 'child_process';
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

/** A template on disk and the stack it belongs to. */
export interface TemplateFile {
  readonly templatePath: string;
  readonly stackName: string;
}

/** A bundled rule file and when it can fail. */
export interface BundledRule {
  /** File name without `.guard`, as `CfnGuardValidator`'s `disabledRules` takes it. */
  readonly name: string;
  /**
   * Resource types of which a template needs one for the rule to fail: each of the file's rule blocks
   * is `when is_cfn_template(...) %<query> not empty`, a query of one resource type. Undefined when
   * the file does not read that way: then `types` decides.
   */
  readonly firesOn?: readonly string[];
  /** Every `AWS::…` type literal in the file. */
  readonly types: readonly string[];
}

const RULES_DIR = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
const TYPE_LITERAL = /["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']/g;
const TYPE_CONSTANT = /^let\s+(\w+)\s*=\s*"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"/gm;
const TYPE_QUERY = /^let\s+(\w+)\s*=\s*Resources(?:\.\*)?\[\s*Type\s*==\s*%(\w+)\s*\]/gm;
// A rule block that cfn-guard evaluates on its own (no parameters), up to its opening brace.
const RULE_BLOCK = /^rule\s+\w+(\s+when\b[^{]*)?\s*\{/gm;
const HOOK_CONDITION = /^\s*when\s+is_cfn_hook\(/;
const TEMPLATE_CONDITION = /^\s*when\s+is_cfn_template\([^)]*\)\s+%(\w+)\s+not\s+empty\s*$/;

/** True when the file has a clause outside `let` statements and rule blocks: cfn-guard evaluates it on its own. */
function hasTopLevelClause(code: string): boolean {
  let depth = 0;
  let inHeader = false;
  for (const line of code.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    if (depth === 0 && !inHeader && !line.startsWith('let ') && !line.startsWith('rule ')) return true;
    if (depth === 0 && line.startsWith('rule ')) inHeader = true;
    if (line.includes('{')) inHeader = false;
    depth += (line.match(/[{[]/g)?.length ?? 0) - (line.match(/[}\]]/g)?.length ?? 0);
  }
  return false;
}

/**
 * When the rules of one file can fail. A block guarded by `is_cfn_hook` reads a Hook's input (a
 * top-level key named after the resource type), which a template has not (`checkTemplates` makes
 * sure). Any block of another shape (no condition, `or`, a query not by type), or a clause outside
 * any rule, makes the answer unknown.
 */
export function analyzeRule(name: string, text: string): BundledRule {
  const code = text.replace(/#.*$/gm, '');
  const types = [...code.matchAll(TYPE_LITERAL)].map((m) => m[1]);
  if (hasTopLevelClause(code)) return { name, types };
  const constants = new Map([...code.matchAll(TYPE_CONSTANT)].map((m) => [m[1], m[2]]));
  const queries = new Map([...code.matchAll(TYPE_QUERY)].map((m) => [m[1], constants.get(m[2])]));
  const firesOn = new Set<string>();
  for (const [, condition = ''] of code.matchAll(RULE_BLOCK)) {
    if (HOOK_CONDITION.test(condition)) continue;
    const query = TEMPLATE_CONDITION.exec(condition)?.[1];
    const type = query === undefined ? undefined : queries.get(query);
    if (type === undefined) return { name, types };
    firesOn.add(type);
  }
  return firesOn.size > 0 ? { name, types, firesOn: [...firesOn] } : { name, types };
}

/** Every bundled Control Tower rule file, read once. */
export const BUNDLED_RULES: readonly BundledRule[] = (fs.readdirSync(RULES_DIR, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.guard'))
  .map((f) => analyzeRule(path.parse(f).name, fs.readFileSync(path.join(RULES_DIR, f), 'utf-8')));

/** Number of bundled Control Tower rules (so a test can show they were all considered). */
export const BUNDLED_RULE_COUNT = BUNDLED_RULES.length;

interface TemplateJson {
  readonly Resources?: Record<string, { Type: string }>;
  readonly [key: string]: unknown;
}

/** The rules that can fail on a template: all of them when it has a top-level key a Hook's input would have. */
function applicableRules(template: TemplateJson): BundledRule[] {
  if (Object.keys(template).some((k) => k.startsWith('AWS::'))) return [...BUNDLED_RULES];
  const present = new Set(Object.values(template.Resources ?? {}).map((r) => r.Type));
  return BUNDLED_RULES.filter((r) =>
    r.firesOn ? r.firesOn.some((t) => present.has(t)) : r.types.length === 0 || r.types.some((t) => present.has(t)),
  );
}

/** Runs guard-runner.js (`CfnGuardValidator` in a child process) over the groups; resolves with each group's violations. */
function runGuard(groups: readonly { disabledRules: string[]; templatePaths: string[] }[]): Promise<PolicyViolationBeta1[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'guard-runner.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf-8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf-8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as PolicyViolationBeta1[][]);
      else reject(new Error(`guard-runner.js exited with ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(JSON.stringify(groups));
  });
}

/**
 * Runs `CfnGuardValidator` with its bundled Control Tower rules over templates on disk, in a child
 * process: the caller can synthesize something else meanwhile and await the findings later.
 * Speed: cfn-guard's time grows with rules × templates (17 s for all 237 rules over the app), so a
 * template is checked only against the rules that can fail on it (see `analyzeRule`): every Control
 * Tower rule is `when <resources of its types> not empty`, so a rule whose types are absent passes.
 * Templates that need the same rules share one cfn-guard run, which reads the rules once.
 */
export async function checkTemplates(templates: readonly TemplateFile[]): Promise<ControlFinding[]> {
  const groups = new Map<string, { disabledRules: string[]; files: TemplateFile[] }>();
  for (const file of templates) {
    const enabled = new Set(applicableRules(JSON.parse(fs.readFileSync(file.templatePath, 'utf-8')) as TemplateJson).map((r) => r.name));
    if (enabled.size === 0) continue;
    const key = [...enabled].sort().join(' ');
    const group = groups.get(key) ?? { disabledRules: BUNDLED_RULES.map((r) => r.name).filter((n) => !enabled.has(n)), files: [] };
    group.files.push(file);
    groups.set(key, group);
  }
  if (groups.size === 0) return [];
  const reports = await runGuard(
    [...groups.values()].map((g) => ({ disabledRules: g.disabledRules, templatePaths: g.files.map((f) => f.templatePath) })),
  );
  return [...groups.values()].flatMap(({ files }, i) => {
    const stackOf = new Map(files.map((f) => [path.resolve(f.templatePath), f.stackName]));
    const findings = reports[i].flatMap((violation) =>
      violation.violatingResources.map((resource) => {
        const stackName = stackOf.get(path.resolve(resource.templatePath));
        if (stackName === undefined) throw new Error(`cfn-guard reported ${resource.templatePath}, which it was not given`);
        return {
          control: /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName,
          rule: violation.ruleName,
          stackName,
          logicalId: resource.resourceLogicalId ?? '(unlocated)',
        };
      }),
    );
    // The plugin repeats some findings without a location next to the located ones: keep an
    // unlocated finding only when its rule located nothing in that template.
    const located = new Set(findings.filter((f) => f.logicalId !== '(unlocated)').map((f) => `${f.stackName} ${f.rule}`));
    const unique = new Map(
      findings
        .filter((f) => f.logicalId !== '(unlocated)' || !located.has(`${f.stackName} ${f.rule}`))
        .map((f) => [`${f.stackName} ${f.rule} ${f.logicalId}`, f]),
    );
    return [...unique.values()];
  });
}
