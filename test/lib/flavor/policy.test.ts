import * as fc from 'fast-check';
import { PolicyError } from '../../../lib/errors';
import { defineFlavor } from '../../../lib/flavor/define-flavor';
import { resolvePolicy } from '../../../lib/flavor/policy';

const global = defineFlavor({
  name: 'global',
  residency: 'global',
  regions: [
    { region: 'us-east-1', role: 'primary' },
    { region: 'eu-west-1', role: 'fallback' },
    { region: 'ap-southeast-1', role: 'fallback' },
  ],
  backup: { intervalHours: 4, retain: 42 },
});

describe('resolvePolicy', () => {
  test('without overrides the flavor decides: primary is home, fallbacks in file order', () => {
    expect(resolvePolicy(global, [])).toEqual({
      flavor: 'global',
      regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
      homeRegion: 'us-east-1',
      fallbacks: ['eu-west-1', 'ap-southeast-1'],
      backupIntervalHours: 4,
      backupRetain: 42,
      dnsFailover: 'automatic',
      databaseFailover: 'manual',
    });
  });

  test('a client narrows by country and a space narrows further; home and fallbacks come from the subset only', () => {
    const policy = resolvePolicy(global, [
      { level: 'client', id: 'acme', policy: { countries: ['IE', 'SG'] } },
      { level: 'space', id: 'payments', policy: { regions: ['eu-west-1'] } },
    ]);
    expect(policy.regions).toEqual(['eu-west-1']);
    expect(policy.homeRegion).toBe('eu-west-1');
    expect(policy.fallbacks).toEqual([]);
  });

  test('narrowing away the primary makes the first remaining region home', () => {
    const policy = resolvePolicy(global, [{ level: 'client', id: 'acme', policy: { regions: ['ap-southeast-1', 'eu-west-1'] } }]);
    expect(policy.homeRegion).toBe('eu-west-1');
    expect(policy.fallbacks).toEqual(['ap-southeast-1']);
  });

  test('widening at the space level fails naming both levels', () => {
    expect(() =>
      resolvePolicy(global, [
        { level: 'client', id: 'acme', policy: { regions: ['eu-west-1'] } },
        { level: 'space', id: 'payments', policy: { regions: ['eu-west-1', 'us-east-1'] } },
      ]),
    ).toThrow(
      new PolicyError([
        {
          code: 'POLICY_REGION_WIDENS',
          path: 'space payments.regions',
          severity: 'error',
          message: 'space payments allows us-east-1, which client acme does not allow (eu-west-1); a space may only narrow residency.',
        },
      ]),
    );
  });

  test('a region outside the flavor is widening even when the client set nothing', () => {
    expect(() =>
      resolvePolicy(global, [
        { level: 'client', id: 'acme' },
        { level: 'space', id: 's1', policy: { regions: ['eu-central-1'] } },
      ]),
    ).toThrow('space s1 allows eu-central-1, which client acme does not allow');
  });

  test('a country outside the level above is widening', () => {
    expect(() => resolvePolicy(global, [{ level: 'client', id: 'acme', policy: { countries: ['DE'] } }])).toThrow(
      'client acme allows DE, which flavor global does not allow (US, IE, SG); a client may only narrow residency.',
    );
  });

  test('safety can only be strengthened: fewer snapshots, rarer snapshots and automatic-after-manual all fail, together', () => {
    let error: PolicyError | undefined;
    try {
      resolvePolicy(global, [
        { level: 'client', id: 'acme', policy: { dnsFailover: 'manual', backupRetain: 100 } },
        { level: 'space', id: 's1', policy: { dnsFailover: 'automatic', backupRetain: 10, backupIntervalHours: 24 } },
      ]);
    } catch (e) {
      error = e as PolicyError;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error!.problems.map((p) => p.code)).toEqual(['POLICY_BACKUP_WEAKENS', 'POLICY_RETENTION_WEAKENS', 'POLICY_FAILOVER_WEAKENS']);
    expect(error!.problems[1].message).toBe('space s1 keeps 10 snapshots, fewer than client acme (100); a space may only keep more.');
  });

  test('strengthening is applied: more snapshots, shorter interval, manual DNS', () => {
    const policy = resolvePolicy(global, [
      { level: 'client', id: 'acme', policy: { backupRetain: 100, backupIntervalHours: 1, dnsFailover: 'manual' } },
    ]);
    expect([policy.backupRetain, policy.backupIntervalHours, policy.dnsFailover]).toEqual([100, 1, 'manual']);
  });

  test('narrowing to nothing is an error', () => {
    expect(() =>
      resolvePolicy(global, [
        { level: 'client', id: 'acme', policy: { countries: ['IE'] } },
        { level: 'space', id: 's', policy: { countries: ['SG'] } },
      ]),
    ).toThrow(/POLICY_COUNTRY_WIDENS|leaves no region/);
  });

  test('property: any accepted chain yields regions that are a subset of every level above, with home inside', () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];
    const subset = fc.subarray(regions, { minLength: 1 });
    fc.assert(
      fc.property(subset, subset, (client, space) => {
        let policy;
        try {
          policy = resolvePolicy(global, [
            { level: 'client', id: 'c', policy: { regions: client } },
            { level: 'space', id: 's', policy: { regions: space } },
          ]);
        } catch {
          // Rejected only when the space names a region the client dropped.
          expect(space.some((r) => !client.includes(r))).toBe(true);
          return;
        }
        expect(policy.regions.every((r) => client.includes(r) && space.includes(r))).toBe(true);
        expect(policy.regions).toContain(policy.homeRegion);
        expect(policy.fallbacks).not.toContain(policy.homeRegion);
      }),
    );
  });
});
