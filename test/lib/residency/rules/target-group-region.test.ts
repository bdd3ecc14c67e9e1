import { checkTemplateResidency, RESIDENCY_RULES } from '../../../../lib/residency/check-template';
import { targetGroupRegion } from '../../../../lib/residency/rules/target-group-region';

const context = { allowedRegions: ['us-east-1', 'ap-southeast-2'], region: 'us-east-1' };
const group = (props: Record<string, unknown>) => ({
  Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
  Properties: { Port: 3306, Protocol: 'TCP', VpcId: { Ref: 'Network6E62CE96' }, ...props },
});

describe('target group region rule', () => {
  test('not applicable to other resource types', () => {
    expect(targetGroupRegion.check({ Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: {} }, context)).toBe('not-applicable');
  });

  test('compliant: instances of the stack in a VPC of the stack (what MysqlEndpoint creates)', () => {
    expect(
      targetGroupRegion.check(group({ TargetType: 'instance', Targets: [{ Id: { Ref: 'ordersNode0Instance44ED5407' }, Port: 3306 }] }), context),
    ).toEqual([]);
  });

  test("compliant: an IP target in an availability zone of the stack's region", () => {
    expect(targetGroupRegion.check(group({ TargetType: 'ip', Targets: [{ Id: '10.0.32.10', AvailabilityZone: 'us-east-1a' }] }), context)).toEqual(
      [],
    );
  });

  test('non-compliant: a Lambda target in another flavor region, and an IP target outside the VPC', () => {
    expect(
      targetGroupRegion.check(
        group({
          TargetType: 'lambda',
          Targets: [{ Id: 'arn:aws:lambda:ap-southeast-2:333333333333:function:api' }, { Id: '172.31.0.10', AvailabilityZone: 'all' }],
        }),
        context,
      ),
    ).toEqual([
      {
        location: 'Properties/Targets/0/Id',
        message: "target arn:aws:lambda:ap-southeast-2:333333333333:function:api is in ap-southeast-2, outside the stack's region (us-east-1)",
      },
      {
        location: 'Properties/Targets/1/AvailabilityZone',
        message: "target 172.31.0.10 may be outside the VPC (AvailabilityZone 'all'), e.g. in a peered VPC of another region",
      },
    ]);
  });

  test('non-compliant: a target in a zone of another region; without a stack region the flavor bounds it', () => {
    const resource = group({ Targets: [{ Id: '10.0.32.10', AvailabilityZone: 'eu-west-1a' }] });
    expect(targetGroupRegion.check(resource, { allowedRegions: context.allowedRegions })).toEqual([
      {
        location: 'Properties/Targets/0/AvailabilityZone',
        message: "target is in an availability zone of eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('is one of the rules every flavor template is checked against', () => {
    const violations = checkTemplateResidency(
      { Resources: { T: group({ Targets: [{ Id: '10.1.0.1', AvailabilityZone: 'all' }] }) } },
      context,
      RESIDENCY_RULES,
    );
    expect(violations.map((v) => v.ruleId)).toContain('RES_TARGET_GROUP_REGION');
  });
});
