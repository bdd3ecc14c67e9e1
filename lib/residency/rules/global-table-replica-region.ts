import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

const KEY_ARN_REGION = /^arn:[a-z-]+:kms:([a-z0-9-]+):/;

/**
 * Every replica of a DynamoDB global table (`AWS::DynamoDB::GlobalTable`, what TableV2
 * synthesizes) is in an allowed region, given as a literal so the template proves it, and a
 * replica's KMS key given as an ARN is a key of that replica's own region. cdk-nag has no rule for
 * global tables; the catch-all region scan would flag a foreign name but not a replica whose
 * region is computed at deploy time.
 */
export const globalTableReplicaRegion: ResidencyRule = {
  id: 'RES_GLOBAL_TABLE_REPLICA_REGION',
  description: 'A global table replica is outside the allowed regions, or its region cannot be proven from the template.',
  fix: "Keep the table's replicas (and their keys) in the stage's regions, with each replica's region written as a literal.",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    if (resource.Type !== 'AWS::DynamoDB::GlobalTable') return 'not-applicable';
    const replicas = resource.Properties?.Replicas;
    if (!Array.isArray(replicas)) {
      return [{ location: 'Properties/Replicas', message: 'replicas are not a literal list, so their regions cannot be proven' }];
    }
    const findings: ResidencyFinding[] = [];
    replicas.forEach((replica: { Region?: unknown; SSESpecification?: { KMSMasterKeyId?: unknown } }, i) => {
      const location = `Properties/Replicas/${i}/Region`;
      const region = replica?.Region;
      if (typeof region !== 'string') {
        findings.push({ location, message: 'replica region is not a literal, so residency cannot be proven' });
        return;
      }
      if (!context.allowedRegions.includes(region)) {
        findings.push({ location, message: `replica in ${region}, outside the allowed regions (${context.allowedRegions.join(', ')})` });
      }
      const key = replica.SSESpecification?.KMSMasterKeyId;
      const keyRegion = typeof key === 'string' ? KEY_ARN_REGION.exec(key)?.[1] : undefined;
      if (keyRegion !== undefined && keyRegion !== region) {
        findings.push({
          location: `Properties/Replicas/${i}/SSESpecification/KMSMasterKeyId`,
          message: `replica in ${region} is encrypted with a key in ${keyRegion}`,
        });
      }
    });
    return findings;
  },
};
