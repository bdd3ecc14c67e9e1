import { FlavorsError } from '../../errors';
import { ALL_REGION_NAMES } from '../../flavor/regions';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

// A region name not followed by another digit: matches `ap-southeast-2` in an ARN, an endpoint
// service name or an AZ (`ap-southeast-2a`), but not `us-east-1` inside `us-east-10`.
const REGION_PATTERN = new RegExp(`(?<![a-z0-9])(${[...ALL_REGION_NAMES].sort((a, b) => b.length - a.length).join('|')})(?![0-9])`, 'g');

// Every region name has a letter, a dash and a digit in a row (`us-east-1`), so a string without one
// cannot mention a region: most template strings (keys, logical ids, policy actions) are skipped
// without running the long alternation above. Checked against the whole catalog when this loads.
const MAY_NAME_A_REGION = /[a-z]-[0-9]/;
const unprefiltered = ALL_REGION_NAMES.filter((name) => !MAY_NAME_A_REGION.test(name));
if (unprefiltered.length > 0) {
  throw new FlavorsError(
    'REGION_PREFILTER_INCOMPLETE',
    `region names without a letter-dash-digit run: ${unprefiltered.join(', ')}; widen MAY_NAME_A_REGION`,
  );
}

/** Every region name mentioned in a string. */
export function regionsMentioned(text: string): string[] {
  if (!MAY_NAME_A_REGION.test(text)) return [];
  return [...text.matchAll(REGION_PATTERN)].map((m) => m[1]);
}

function walk(value: unknown, location: string, visit: (text: string, location: string) => void): void {
  if (typeof value === 'string') visit(value, location);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${location}/${i}`, visit));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      visit(k, `${location}/${k}`);
      walk(v, location ? `${location}/${k}` : k, visit);
    }
  }
}

/**
 * The catch-all proof: no string anywhere in a resource (ARN, endpoint, replica list, copy target,
 * DNS target, AZ) may name a region outside the flavor. Specific rules give sharper messages; this
 * one guarantees nothing slips through a property nobody thought of.
 */
export const foreignRegionReference: ResidencyRule = {
  id: 'RES_FOREIGN_REGION',
  description: 'A resource references a region outside the flavor.',
  fix:
    "Keep every replica, copy, key replica and DNS target inside the flavor's " +
    'regions, or add the region to the flavor if its residency allows it.',
  check(resource: CfnResourceJson, context: ResidencyContext): readonly ResidencyFinding[] {
    const findings: ResidencyFinding[] = [];
    walk(resource, '', (text, location) => {
      for (const region of regionsMentioned(text)) {
        if (!context.allowedRegions.includes(region)) {
          findings.push({ location, message: `references ${region}, outside the flavor's regions (${context.allowedRegions.join(', ')})` });
        }
      }
    });
    return findings;
  },
};
