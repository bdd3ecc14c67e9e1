import { planFailoverRecords } from '../../../lib/failover/failover-records';

describe('planFailoverRecords', () => {
  test('two regions: PRIMARY and SECONDARY at the flavor name, identified <flavor>-<region>', () => {
    expect(planFailoverRecords('us-australia', ['us-east-1', 'ap-southeast-2'], 'flavors.example.com.')).toEqual([
      {
        name: 'us-australia.flavors.example.com',
        target: 'us-east-1.us-australia.flavors.example.com',
        failover: 'PRIMARY',
        setIdentifier: 'us-australia-us-east-1',
        region: 'us-east-1',
        level: 0,
      },
      {
        name: 'us-australia.flavors.example.com',
        target: 'ap-southeast-2.us-australia.flavors.example.com',
        failover: 'SECONDARY',
        setIdentifier: 'us-australia-ap-southeast-2',
        region: 'ap-southeast-2',
        level: 0,
      },
    ]);
  });

  test('four regions: one PRIMARY and one SECONDARY per name, every region reached in order', () => {
    const plan = planFailoverRecords('f', ['a-1', 'b-1', 'c-1', 'd-1'], 'z.com');
    expect(plan.map((r) => [r.name, r.failover, r.target])).toEqual([
      ['f.z.com', 'PRIMARY', 'a-1.f.z.com'],
      ['f.z.com', 'SECONDARY', 'fallback-1.f.z.com'],
      ['fallback-1.f.z.com', 'PRIMARY', 'b-1.f.z.com'],
      ['fallback-1.f.z.com', 'SECONDARY', 'fallback-2.f.z.com'],
      ['fallback-2.f.z.com', 'PRIMARY', 'c-1.f.z.com'],
      ['fallback-2.f.z.com', 'SECONDARY', 'd-1.f.z.com'],
    ]);
    expect(plan[1]).toMatchObject({ setIdentifier: 'f-fallback-1', chainRegions: ['b-1', 'c-1', 'd-1'] });
    // Route 53's rule: per name, exactly one PRIMARY and one SECONDARY
    for (const name of new Set(plan.map((r) => r.name))) {
      expect(
        plan
          .filter((r) => r.name === name)
          .map((r) => r.failover)
          .sort(),
      ).toEqual(['PRIMARY', 'SECONDARY']);
    }
  });

  test('one region or manual failover: a single simple record to the first region', () => {
    expect(planFailoverRecords('g', ['eu-central-1'], 'z.com')).toEqual([
      { name: 'g.z.com', target: 'eu-central-1.g.z.com', region: 'eu-central-1', level: 0 },
    ]);
    expect(planFailoverRecords('g', ['us-east-1', 'eu-west-1'], 'z.com', false)).toEqual([
      { name: 'g.z.com', target: 'us-east-1.g.z.com', region: 'us-east-1', level: 0 },
    ]);
    expect(planFailoverRecords('g', [], 'z.com')).toEqual([]);
  });
});
