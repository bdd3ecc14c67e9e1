import { withoutTrailingDot } from '../aws-ids';

/**
 * DNS naming of flavor endpoints, shared by the RegionalFailover construct (which creates the
 * records) and the failover tool (which flips them). Clients resolve `<flavor>.<zone>`; each region
 * serves `<region>.<flavor>.<zone>`.
 */
export function flavorEndpointName(flavor: string, zoneName: string): string {
  return `${flavor}.${withoutTrailingDot(zoneName)}`;
}

export function regionalEndpointName(flavor: string, region: string, zoneName: string): string {
  return `${region}.${flavor}.${withoutTrailingDot(zoneName)}`;
}

/** SetIdentifier of the failover record pointing at a region. */
export function failoverSetIdentifier(flavor: string, region: string): string {
  return `${flavor}-${region}`;
}

/**
 * Route 53 failover has one PRIMARY and one SECONDARY per name, so a flavor with more than two
 * regions chains names: level 0 is `<flavor>.<zone>`; level i (i >= 1) is
 * `fallback-<i>.<flavor>.<zone>`, the SECONDARY target of level i - 1.
 */
export function failoverChainName(flavor: string, level: number, zoneName: string): string {
  return level === 0 ? flavorEndpointName(flavor, zoneName) : `fallback-${level}.${flavorEndpointName(flavor, zoneName)}`;
}

/** SetIdentifier of the SECONDARY record that points a chain level at the next level. */
export function failoverChainSetIdentifier(flavor: string, level: number): string {
  return `${flavor}-fallback-${level}`;
}
