import { Stack, Token, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Problems } from '../problems';
import { regionInfo } from '../flavor/regions';

/**
 * A Stack whose availability zones come from the region catalog instead of a context lookup, so a
 * stack with an explicit `env` synthesizes offline (no credentials, no `cdk.context.json`).
 * Use it (or override `availabilityZones` the same way) for stacks holding a `RegionalVpc`.
 */
export class PinnedAzStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    if (Token.isUnresolved(this.region) || !regionInfo(this.region)) {
      const problems = new Problems();
      problems.error(
        'env.region',
        'STACK_REGION_REQUIRED',
        `give the stack an explicit env with a catalog region (got ` +
          `'${Token.isUnresolved(this.region) ? 'unresolved' : this.region}'); availability zones are pinned from the region catalog.`,
      );
      problems.throwIfAny(this.node.path);
    }
  }

  override get availabilityZones(): string[] {
    return [...regionInfo(this.region)!.availabilityZones];
  }
}
