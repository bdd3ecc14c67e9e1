import { RESIDENCY_RULES } from '../../../../lib/residency/check-template';
import { crossRegionReference } from '../../../../lib/residency/rules/cross-region-reference';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };
// As CDK's `crossRegionReferences` synthesizes them (see the ExportsWriter / ExportsReader constructs).
const writer = (region: unknown) => ({
  Type: 'Custom::CrossRegionExportWriter',
  Properties: {
    ServiceToken: { 'Fn::GetAtt': ['Handler', 'Arn'] },
    WriterProps: { region, exports: { '/cdk/exports/B/x': { 'Fn::GetAtt': ['Key', 'Arn'] } } },
  },
});
const reader = (region: unknown) => ({
  Type: 'Custom::CrossRegionExportReader',
  Properties: {
    ServiceToken: { 'Fn::GetAtt': ['Handler', 'Arn'] },
    ReaderProps: { region, prefix: 'B', imports: { '/cdk/exports/B/x': '{{resolve:ssm:/cdk/exports/B/x}}' } },
  },
});

describe('cross-region reference rule', () => {
  test('not applicable to other resource types, including names of Object.prototype members', () => {
    expect(crossRegionReference.check({ Type: 'AWS::SSM::Parameter', Properties: {} }, allowed)).toBe('not-applicable');
    expect(crossRegionReference.check({ Type: 'constructor', Properties: {} }, allowed)).toBe('not-applicable');
  });

  test('compliant: a writer exporting into, and a reader reading in, a flavor region', () => {
    expect(crossRegionReference.check(writer('ap-southeast-2'), allowed)).toEqual([]);
    expect(crossRegionReference.check(reader('ap-southeast-2'), allowed)).toEqual([]);
  });

  test('non-compliant: a writer exporting into a region outside the flavor', () => {
    expect(crossRegionReference.check(writer('eu-west-1'), allowed)).toEqual([
      {
        location: 'Properties/WriterProps/region',
        message: "writes exported values (SSM parameters) into eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('non-compliant: a reader outside the flavor, or a region that is not a literal', () => {
    expect(crossRegionReference.check(reader('eu-west-1'), allowed)).toEqual([
      expect.objectContaining({
        location: 'Properties/ReaderProps/region',
        message: expect.stringMatching(/^reads exported values \(SSM parameters\) in eu-west-1, outside/),
      }),
    ]);
    expect(crossRegionReference.check(writer({ Ref: 'AWS::Region' }), allowed)).toEqual([
      {
        location: 'Properties/WriterProps/region',
        message: 'the region of the cross-region reference is not a literal, so residency cannot be proven',
      },
    ]);
  });

  test('is part of RESIDENCY_RULES', () => {
    expect(RESIDENCY_RULES).toContain(crossRegionReference);
  });
});
