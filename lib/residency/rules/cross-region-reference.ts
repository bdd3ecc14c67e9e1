import { isObj } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

/** The custom resources of CDK's `crossRegionReferences`, and the property naming the region they act in. */
const REFERENCE_RESOURCES: Readonly<Record<string, { readonly props: string; readonly verb: string }>> = {
  // The writer lives in the producing stack and writes SSM parameters into the consumer's region.
  'Custom::CrossRegionExportWriter': { props: 'WriterProps', verb: 'writes exported values (SSM parameters) into' },
  // The reader lives in the consuming stack and reads those parameters in its own region.
  'Custom::CrossRegionExportReader': { props: 'ReaderProps', verb: 'reads exported values (SSM parameters) in' },
};

/**
 * CDK cross-region references (`crossRegionReferences: true`): a value shared between two stacks
 * of different regions travels through SSM parameters written into the consumer's region. Both the
 * writer's target region and the reader's region must be flavor regions, given as literals.
 */
export const crossRegionReference: ResidencyRule = {
  id: 'RES_CROSS_REGION_REFERENCE',
  description: 'A cross-region reference copies a value (through SSM parameters) into a region outside the flavor.',
  fix: "Reference values only between stacks of the flavor's own regions.",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    // hasOwn: a resource type such as 'constructor' must not find Object.prototype's members.
    const kind = Object.hasOwn(REFERENCE_RESOURCES, resource.Type) ? REFERENCE_RESOURCES[resource.Type] : undefined;
    if (!kind) return 'not-applicable';
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const details = isObj(props[kind.props]) ? (props[kind.props] as Record<string, unknown>) : {};
    const location = `Properties/${kind.props}/region`;
    const region = details.region;
    if (typeof region !== 'string')
      return [{ location, message: 'the region of the cross-region reference is not a literal, so residency cannot be proven' }];
    if (context.allowedRegions.includes(region)) return [];
    return [{ location, message: `${kind.verb} ${region}, outside the flavor's regions (${context.allowedRegions.join(', ')})` }];
  },
};
