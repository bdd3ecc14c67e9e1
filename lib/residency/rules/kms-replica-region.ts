import { isObj, isResourceReference, literalStrings, regionsNamed } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

const VIA_SERVICE = /^[a-z0-9-]+\.([a-z0-9-]+)\.amazonaws\.com$/;

/** `kms:ViaService` values of a key policy, with where they are. */
function viaServices(policy: unknown): { location: string; value: string }[] {
  if (!isObj(policy)) return [];
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return statements.flatMap((statement, i) => {
    const conditions = isObj(statement) && isObj(statement.Condition) ? statement.Condition : {};
    return Object.entries(conditions).flatMap(([operator, block]) => {
      const values = isObj(block) ? block['kms:ViaService'] : undefined;
      return literalStrings(values).map((value) => ({ location: `Properties/KeyPolicy/Statement/${i}/Condition/${operator}/kms:ViaService`, value }));
    });
  });
}

/**
 * Flavor keys: a replica key replicates a primary key inside the flavor (its own region is its
 * stack's, which the assembly check holds to the flavor), and no key policy lets a service use the
 * key from a region outside the flavor.
 */
export const kmsReplicaRegion: ResidencyRule = {
  id: 'RES_KMS_REPLICA_REGION',
  description: 'A KMS replica key replicates a key from outside the flavor, or a key policy admits a service of a region outside it.',
  fix: "Replicate only the flavor's own multi-Region key (FlavorKey), and name only the flavor's regions in kms:ViaService.",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    if (resource.Type !== 'AWS::KMS::ReplicaKey' && resource.Type !== 'AWS::KMS::Key') return 'not-applicable';
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const allowed = context.allowedRegions.join(', ');
    const findings: ResidencyFinding[] = [];
    if (resource.Type === 'AWS::KMS::ReplicaKey') {
      const source = props.PrimaryKeyArn;
      const named = regionsNamed(source);
      const location = 'Properties/PrimaryKeyArn';
      for (const region of named.filter((r) => !context.allowedRegions.includes(r))) {
        findings.push({ location, message: `replicates a primary key in ${region}, outside the flavor's regions (${allowed})` });
      }
      if (named.length === 0 && !isResourceReference(source)) {
        findings.push({
          location,
          message: "the primary key ARN names no region and is no reference to the flavor's primary key, so residency cannot be proven",
        });
      }
    }
    for (const { location, value } of viaServices(props.KeyPolicy)) {
      const region = VIA_SERVICE.exec(value)?.[1];
      if (region && !context.allowedRegions.includes(region)) {
        findings.push({ location, message: `lets ${value} use the key, a service in ${region}, outside the flavor's regions (${allowed})` });
      }
    }
    return findings;
  },
};
