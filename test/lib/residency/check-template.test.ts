import { checkTemplateResidency } from '../../../lib/residency/check-template';
import { foreignRegionReference, regionsMentioned } from '../../../lib/residency/rules/foreign-region-reference';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };

describe('foreign region reference rule', () => {
  test('finds region names in ARNs, endpoints and AZs, not inside longer names', () => {
    expect(regionsMentioned('arn:aws:kms:eu-west-1:123456789012:key/mrk-1')).toEqual(['eu-west-1']);
    expect(regionsMentioned('com.amazonaws.ap-southeast-2.ssm')).toEqual(['ap-southeast-2']);
    expect(regionsMentioned('ap-southeast-2a')).toEqual(['ap-southeast-2']);
    expect(regionsMentioned('us-east-10 xus-east-1')).toEqual([]);
  });

  test('compliant: only flavor regions are referenced', () => {
    expect(
      foreignRegionReference.check({ Type: 'AWS::KMS::ReplicaKey', Properties: { PrimaryKeyArn: 'arn:aws:kms:us-east-1:1:key/mrk-1' } }, allowed),
    ).toEqual([]);
  });

  test('non-compliant: a copy target in another region is reported with its location', () => {
    const resource = {
      Type: 'AWS::DLM::LifecyclePolicy',
      Properties: { PolicyDetails: { Schedules: [{ CrossRegionCopyRules: [{ Target: 'eu-central-1' }] }] } },
    };
    expect(foreignRegionReference.check(resource, allowed)).toEqual([
      {
        location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/Target',
        message: "references eu-central-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });
});

describe('checkTemplateResidency', () => {
  test('checks resources and outputs and names the logical id', () => {
    const template = {
      Resources: { Ok: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'x-us-east-1' } } },
      Outputs: { Leak: { Value: 'https://api.eu-west-1.example.com' } },
    };
    expect(checkTemplateResidency(template, allowed).map((v) => [v.ruleId, v.logicalId])).toEqual([['RES_FOREIGN_REGION', 'Output:Leak']]);
  });
});
