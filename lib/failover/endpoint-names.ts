/**
 * DNS naming of flavor endpoints, shared by the RegionalFailover construct (which creates the
 * records) and the failover tool (which flips them). Clients resolve `<flavor>.<zone>`; each region
 * serves `<region>.<flavor>.<zone>`.
 */
export function flavorEndpointName(flavor: string, zoneName: string): string {
  return `${flavor}.${zoneName.replace(/\.$/, '')}`;
}

export function regionalEndpointName(flavor: string, region: string, zoneName: string): string {
  return `${region}.${flavor}.${zoneName.replace(/\.$/, '')}`;
}

/** SetIdentifier of the failover record pointing at a region. */
export function failoverSetIdentifier(flavor: string, region: string): string {
  return `${flavor}-${region}`;
}
