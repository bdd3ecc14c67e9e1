import { RESIDENCY_RULES, checkTemplateResidency } from '../../../../lib/residency/check-template';
import { dlmCopyTargetRegion } from '../../../../lib/residency/rules/dlm-copy-target-region';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };
const KEY_AU = 'arn:aws:kms:ap-southeast-2:333333333333:key/mrk-1234abcd';

function policy(copyRules: unknown[], extra: Record<string, unknown> = {}) {
  return {
    Type: 'AWS::DLM::LifecyclePolicy',
    Properties: {
      Description: 'flavors us-australia db-data snapshots every 1h',
      PolicyDetails: {
        PolicyType: 'EBS_SNAPSHOT_MANAGEMENT',
        ResourceTypes: ['VOLUME'],
        Schedules: [{ Name: 'hourly', CrossRegionCopyRules: copyRules }],
        ...extra,
      },
    },
  };
}

describe('DLM copy target region rule', () => {
  test('not applicable to other resource types', () => {
    expect(dlmCopyTargetRegion.check({ Type: 'AWS::EC2::Volume', Properties: {} }, allowed)).toBe('not-applicable');
  });

  test('compliant: copy to a flavor region, encrypted with an explicit key there', () => {
    expect(dlmCopyTargetRegion.check(policy([{ Target: 'ap-southeast-2', Encrypted: true, CmkArn: KEY_AU }]), allowed)).toEqual([]);
  });

  test('compliant: a key ARN joined from a literal region and a key id token', () => {
    // Given the ARN as FlavorKey.arnInRegion renders it: region literal, partition, account and key id references
    const cmk = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:ap-southeast-2:333333333333:key/', { 'Fn::GetAtt': ['Key', 'KeyId'] }]],
    };
    expect(dlmCopyTargetRegion.check(policy([{ Target: 'ap-southeast-2', Encrypted: true, CmkArn: cmk }]), allowed)).toEqual([]);
  });

  test('compliant: a policy without copy rules (in-region snapshots)', () => {
    expect(dlmCopyTargetRegion.check(policy([]), allowed)).toEqual([]);
  });

  test('non-compliant: a copy outside the flavor', () => {
    const findings = dlmCopyTargetRegion.check(
      policy([{ Target: 'eu-west-1', Encrypted: true, CmkArn: 'arn:aws:kms:eu-west-1:333333333333:key/mrk-1' }]),
      allowed,
    );
    expect(findings).toEqual([
      {
        location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/Target',
        message: "copies snapshots to eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('non-compliant: the legacy TargetRegion field is checked too', () => {
    const findings = dlmCopyTargetRegion.check(
      policy([{ TargetRegion: 'eu-west-1', Encrypted: true, CmkArn: 'arn:aws:kms:eu-west-1:333333333333:key/mrk-1' }]),
      allowed,
    );
    expect(findings).toEqual([expect.objectContaining({ location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/TargetRegion' })]);
  });

  test('non-compliant: a copy without an explicit key, or unencrypted', () => {
    const findings = dlmCopyTargetRegion.check(policy([{ Target: 'ap-southeast-2', Encrypted: false }]), allowed);
    expect(findings).toEqual([
      {
        location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/Encrypted',
        message: 'copy to ap-southeast-2 is not marked Encrypted: true',
      },
      {
        location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/CmkArn',
        message: "copy to ap-southeast-2 names no CmkArn and would use the account's default EBS key there, not the flavor key",
      },
    ]);
  });

  test('non-compliant: a copy encrypted with the key of another region', () => {
    const findings = dlmCopyTargetRegion.check(
      policy([{ Target: 'ap-southeast-2', Encrypted: true, CmkArn: 'arn:aws:kms:us-east-1:333333333333:key/mrk-1' }]),
      allowed,
    );
    expect(findings).toEqual([
      {
        location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/CmkArn',
        message: "copy to ap-southeast-2 is encrypted with a key in us-east-1; use the flavor key's replica in ap-southeast-2",
      },
    ]);
  });

  test("non-compliant: a key ARN built from the stack's own region", () => {
    const cmk = { 'Fn::Join': ['', ['arn:aws:kms:', { Ref: 'AWS::Region' }, ':333333333333:key/mrk-1']] };
    const findings = dlmCopyTargetRegion.check(policy([{ Target: 'ap-southeast-2', Encrypted: true, CmkArn: cmk }]), allowed);
    expect(findings).toEqual([
      expect.objectContaining({
        message: "copy to ap-southeast-2 is encrypted with a key in the stack's own region; use the flavor key's replica in ap-southeast-2",
      }),
    ]);
  });

  test('non-compliant: a key reference that names no region cannot be proven', () => {
    const findings = dlmCopyTargetRegion.check(
      policy([{ Target: 'ap-southeast-2', Encrypted: true, CmkArn: { 'Fn::ImportValue': 'SomeKey' } }]),
      allowed,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        message: 'copy to ap-southeast-2 uses a key ARN that names no region, so it cannot be proven to be in ap-southeast-2',
      }),
    ]);
  });

  test('non-compliant: a target region computed at deploy time', () => {
    const findings = dlmCopyTargetRegion.check(policy([{ Target: { Ref: 'Region' }, Encrypted: true, CmkArn: KEY_AU }]), allowed);
    expect(findings).toEqual([
      {
        location: 'Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/Target',
        message: 'copy target is not a literal region, so residency cannot be proven',
      },
    ]);
  });

  test('non-compliant: event-based copy actions and default-policy copy targets', () => {
    const eventPolicy = policy([], {
      Actions: [
        {
          Name: 'copy',
          CrossRegionCopy: [{ Target: 'eu-west-1', EncryptionConfiguration: { Encrypted: true, CmkArn: 'arn:aws:kms:eu-west-1:1:key/x' } }],
        },
      ],
    });
    expect(dlmCopyTargetRegion.check(eventPolicy, allowed)).toEqual([
      expect.objectContaining({ location: 'Properties/PolicyDetails/Actions/0/CrossRegionCopy/0/Target' }),
    ]);
    const defaultPolicy = {
      Type: 'AWS::DLM::LifecyclePolicy',
      Properties: { DefaultPolicy: 'VOLUME', CrossRegionCopyTargets: [{ TargetRegion: 'ap-southeast-2' }] },
    };
    expect(dlmCopyTargetRegion.check(defaultPolicy, allowed)).toEqual([
      expect.objectContaining({ location: 'Properties/CrossRegionCopyTargets/0/CmkArn' }),
    ]);
  });

  test('is part of RESIDENCY_RULES, so every synthesized template is checked with it', () => {
    expect(RESIDENCY_RULES).toContain(dlmCopyTargetRegion);
    const template = {
      Resources: { Policy: policy([{ Target: 'ap-southeast-2', Encrypted: true, CmkArn: 'arn:aws:kms:us-east-1:333333333333:key/mrk-1' }]) },
    };
    expect(checkTemplateResidency(template, allowed).map((v) => v.ruleId)).toContain('RES_DLM_COPY_TARGET');
  });
});
