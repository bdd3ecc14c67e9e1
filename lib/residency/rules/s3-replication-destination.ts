import { isObj, isResourceReference, regionsNamed } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * S3 replication (CRR): every destination bucket is provably in the flavor. An S3 bucket ARN carries
 * no region (`arn:aws:s3:::name`), so a literal destination cannot be tied to a region: the
 * destination must be a reference to a bucket of the deployment (`Ref` / `Fn::GetAtt`), whose own
 * stack the stack-region check holds to the flavor. A replica KMS key named by ARN must be in a
 * flavor region too.
 */
export const s3ReplicationDestination: ResidencyRule = {
  id: 'RES_S3_REPLICATION_DESTINATION',
  description: 'An S3 bucket replicates objects to a bucket outside the flavor, or to one whose region cannot be proven.',
  fix:
    "Replicate only to a bucket created in a stack of the flavor's regions " +
    '(pass the bucket, not its name or ARN), with a replica key of that region.',
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    if (resource.Type !== 'AWS::S3::Bucket') return 'not-applicable';
    const props = isObj(resource.Properties) ? resource.Properties : {};
    if (props.ReplicationConfiguration === undefined) return [];
    const replication = isObj(props.ReplicationConfiguration) ? props.ReplicationConfiguration : {};
    const allowed = context.allowedRegions.join(', ');
    const findings: ResidencyFinding[] = [];
    list(replication.Rules).forEach((rule, i) => {
      const destination = isObj(rule) && isObj(rule.Destination) ? rule.Destination : {};
      const at = `Properties/ReplicationConfiguration/Rules/${i}/Destination`;
      const bucket = destination.Bucket;
      const outside = regionsNamed(bucket).filter((r) => !context.allowedRegions.includes(r));
      if (outside.length > 0) {
        findings.push({
          location: `${at}/Bucket`,
          message: `replicates objects to a bucket in ${outside.join(', ')}, outside the flavor's regions (${allowed})`,
        });
      } else if (!isResourceReference(bucket)) {
        findings.push({
          location: `${at}/Bucket`,
          message:
            `replicates objects to ${typeof bucket === 'string' ? bucket : 'a bucket given by value'}, ` +
            `whose region an S3 ARN does not carry, so residency cannot be proven`,
        });
      }
      const encryption = isObj(destination.EncryptionConfiguration) ? destination.EncryptionConfiguration : {};
      for (const region of regionsNamed(encryption.ReplicaKmsKeyID).filter((r) => !context.allowedRegions.includes(r))) {
        findings.push({
          location: `${at}/EncryptionConfiguration/ReplicaKmsKeyID`,
          message: `encrypts replicas with a key in ${region}, outside the flavor's regions (${allowed})`,
        });
      }
    });
    return findings;
  },
};
