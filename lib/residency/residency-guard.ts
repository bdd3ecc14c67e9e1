import {
  Annotations,
  CfnResource,
  DefaultTokenResolver,
  Reference,
  Stack,
  Token,
  Tokenization,
  type IAspect,
  type IFragmentConcatenator,
  type IPostProcessor,
  type IResolvable,
  type IResolveContext,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { RESIDENCY_RULES } from './check-template';
import type { CfnResourceJson, ResidencyRule } from './rules/rule';

/** The stable code every finding of the guard carries, so CI and people can grep for it. */
export const RESIDENCY_VIOLATION = 'RESIDENCY_VIOLATION';

/** The parts of a flavor the guard needs: a `Flavor` from `defineFlavor` fits as it is. */
export interface ResidencyGuardFlavor {
  readonly name: string;
  readonly primaryRegion: string;
  readonly fallbackRegions: readonly string[];
}

export interface ResidencyGuardOptions {
  /** Rules each CloudFormation resource is checked against. @default RESIDENCY_RULES (every residency rule) */
  readonly rules?: readonly ResidencyRule[];
}

// `_toCloudFormation` is CfnResource's own renderer (internal to aws-cdk-lib, hence not in its types):
// it yields the resource exactly as the template will hold it, with every L1 prop in CloudFormation casing.
type Renderable = { _toCloudFormation(): unknown };

/**
 * An Aspect that proves, at synth time, that nothing in its scope (a Stage, a Stack or any
 * construct) points outside a flavor's regions:
 *
 * ```ts
 * Aspects.of(stageOrStack).add(new ResidencyGuard(flavor));
 * ```
 *
 * Every stack must be deployed to a flavor region, and every CloudFormation resource must pass
 * the residency rules (`RESIDENCY_RULES`: table replicas, KMS replica keys, DLM copy targets, RDS
 * replica sources and backup replication, S3 replication, Route 53 targets, cross-region
 * references, and the catch-all scan for any other region name). Each finding is an error
 * annotation starting with `RESIDENCY_VIOLATION` and naming the construct path, the resource type,
 * the region and the rule, so `cdk synth` fails. Resources CDK adds while preparing the app
 * (after aspects ran, e.g. the writers and readers of cross-region references) are checked by a
 * validation the guard adds to each stack. A compliant scope gets no annotation.
 */
export class ResidencyGuard implements IAspect {
  /** The regions anything in scope may live in or point at: the flavor's, primary first. */
  readonly allowedRegions: readonly string[];
  private readonly flavorName: string;
  private readonly rules: readonly ResidencyRule[];
  private readonly checked = new WeakSet<CfnResource>();
  private readonly guardedStacks = new WeakSet<Stack>();

  constructor(flavor: ResidencyGuardFlavor, options: ResidencyGuardOptions = {}) {
    this.flavorName = flavor.name;
    this.allowedRegions = [flavor.primaryRegion, ...flavor.fallbackRegions];
    this.rules = options.rules ?? RESIDENCY_RULES;
  }

  visit(node: IConstruct): void {
    if (Stack.isStack(node)) this.guardStack(node);
    else if (CfnResource.isCfnResource(node)) this.checkResource(node);
  }

  private guardStack(stack: Stack): void {
    if (this.guardedStacks.has(stack)) return;
    this.guardedStacks.add(stack);
    const region = stack.region;
    if (Token.isUnresolved(region)) {
      this.error(
        stack,
        'AWS::CloudFormation::Stack',
        'RES_STACK_REGION',
        'the stack has no explicit region (environment-agnostic), so it could be deployed anywhere',
        "Give the stack env: { region } with one of the flavor's regions.",
      );
    } else if (!this.allowedRegions.includes(region)) {
      this.error(
        stack,
        'AWS::CloudFormation::Stack',
        'RES_STACK_REGION',
        `the stack is deployed to ${region}, outside ${this.outside()}`,
        "Deploy the stack to one of the flavor's regions.",
      );
    }
    // Runs after CDK prepared the app: catches resources added once aspects had run.
    stack.node.addValidation({
      validate: () => {
        for (const child of stack.node.findAll()) {
          if (CfnResource.isCfnResource(child) && Stack.of(child) === stack) this.checkResource(child);
        }
        return [];
      },
    });
  }

  private checkResource(resource: CfnResource): void {
    if (this.checked.has(resource)) return;
    const rendered = renderResource(resource);
    // Not renderable yet (a value only known after CDK prepares the app): the stack's validation
    // checks it again; one that never renders fails synth when its template is written.
    if (!rendered) return;
    this.checked.add(resource);
    const { json } = rendered;
    this.checkReferences(resource, json.Type, rendered.references);
    for (const rule of this.rules) {
      const result = rule.check(json, { allowedRegions: this.allowedRegions });
      if (result === 'not-applicable') continue;
      for (const finding of result) {
        this.error(resource, json.Type, rule.id, `${finding.message} (at ${finding.location})`, rule.fix);
      }
    }
  }

  /**
   * A reference (`Ref`, `Fn::GetAtt`, an export) resolves to a resource of another stack: when that
   * stack is in a region outside the flavor (even one outside the guard's scope), the value comes
   * from there — e.g. a replica whose source is abroad. The rules cannot see this in the template,
   * where a reference is just `Fn::GetAtt`, so the guard follows the reference to its target.
   */
  private checkReferences(resource: CfnResource, type: string, references: ReadonlySet<Reference>): void {
    const own = Stack.of(resource);
    for (const ref of references) {
      const target = stackOf(ref.target);
      if (!target || target === own || this.allowedRegions.includes(target.region)) continue;
      const where = Token.isUnresolved(target.region) ? 'which has no explicit region' : `in ${target.region}, outside ${this.outside()}`;
      this.error(
        resource,
        type,
        'RES_CROSS_REGION_REFERENCE',
        `references ${ref.target.node.path} of stack ${target.stackName}, ${where}`,
        "Reference values only between stacks of the flavor's own regions.",
      );
    }
  }

  private outside(): string {
    return `the regions of flavor ${this.flavorName} (${this.allowedRegions.join(', ')})`;
  }

  private error(node: IConstruct, type: string, ruleId: string, message: string, fix: string): void {
    Annotations.of(node).addError(`${RESIDENCY_VIOLATION}: ${type} ${node.node.path}: ${message} [${ruleId}, flavor ${this.flavorName}]. ${fix}`);
  }
}

/** The stack a reference points into; undefined for a target outside any stack (nothing regional). */
function stackOf(target: IConstruct): Stack | undefined {
  try {
    return Stack.of(target);
  } catch {
    return undefined;
  }
}

/**
 * Joins a string with tokens inside (an ARN built from `Aws.PARTITION` and a key id) as
 * `Fn::Join`, like CloudFormation's own concatenation: the rules read the literal parts.
 */
class JoinConcat implements IFragmentConcatenator {
  join(left: unknown, right: unknown): unknown {
    if (left === undefined) return right;
    if (right === undefined) return left;
    if (typeof left === 'string' && typeof right === 'string') return left + right;
    return { 'Fn::Join': ['', [left, right]] };
  }
}

/** Resolves like `Stack.resolve` and records every Reference token met on the way. */
class RecordingResolver extends DefaultTokenResolver {
  readonly references = new Set<Reference>();
  constructor() {
    super(new JoinConcat());
  }
  override resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (Reference.isReference(t)) this.references.add(t);
    return super.resolveToken(t, context, postProcessor);
  }
}

interface RenderedResource {
  readonly json: CfnResourceJson;
  readonly references: ReadonlySet<Reference>;
}

/** The resource as its template will hold it (tokens resolved) and the references in it; undefined when it cannot be rendered yet. */
function renderResource(resource: CfnResource): RenderedResource | undefined {
  const resolver = new RecordingResolver();
  try {
    const rendered = Tokenization.resolve((resource as unknown as Renderable)._toCloudFormation(), { scope: resource, resolver }) as {
      Resources?: Record<string, CfnResourceJson>;
    };
    const json = Object.values(rendered.Resources ?? {})[0];
    return json ? { json, references: resolver.references } : undefined;
  } catch {
    return undefined;
  }
}
