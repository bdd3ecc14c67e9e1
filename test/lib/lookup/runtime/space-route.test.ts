import { PolicyError } from '../../../../lib/errors';
import type { SpaceRecord } from '../../../../lib/lookup/runtime/records';
import { flavorRegionEndpoint, resolveSpacePolicy, resolveSpaceRoute, SpaceRouteError } from '../../../../lib/lookup/runtime/space-route';
import { FLAVOR_MAP } from './lookup-fixtures';

const ZONE = 'flavors.example.com';
const space = (over: Partial<SpaceRecord>): SpaceRecord => ({
  spaceId: 's-1-test',
  clientId: 'c-test',
  flavor: 'global',
  homeRegion: 'us-east-1',
  epoch: 1,
  ...over,
});

describe('policy resolution for spaces', () => {
  test('without overrides a space gets its flavor: primary home, every fallback', () => {
    expect(resolveSpaceRoute(FLAVOR_MAP, space({}), ZONE)).toEqual({
      flavor: 'global',
      homeRegion: 'us-east-1',
      endpoint: 'https://us-east-1.global.flavors.example.com',
      fallbacks: ['eu-west-1', 'ap-southeast-1'],
      epoch: 1,
    });
  });

  test('a space narrowed to a subset gets its home and fallbacks from that subset only', () => {
    const policy = resolveSpacePolicy(FLAVOR_MAP.get('global')!, { clientId: 'c-test', spaceId: 's-1-test' }, undefined, {
      regions: ['ap-southeast-1', 'eu-west-1'],
    });
    expect(policy.homeRegion).toBe('eu-west-1'); // flavor order, not the order the override lists
    expect(policy.fallbacks).toEqual(['ap-southeast-1']);
    const route = resolveSpaceRoute(FLAVOR_MAP, space({ homeRegion: 'eu-west-1', policy: { regions: ['ap-southeast-1', 'eu-west-1'] } }), ZONE);
    expect(route.fallbacks).toEqual(['ap-southeast-1']);
    expect(route.fallbacks).not.toContain('us-east-1');
  });

  test('client then space narrowing compose: the space can only narrow what the client left', () => {
    const policy = resolveSpacePolicy(
      FLAVOR_MAP.get('global')!,
      { clientId: 'c-test', spaceId: 's-1-test' },
      { regions: ['eu-west-1', 'ap-southeast-1'], backupRetain: 60 },
      { countries: ['SG'], dnsFailover: 'manual' },
    );
    expect(policy).toMatchObject({
      regions: ['ap-southeast-1'],
      homeRegion: 'ap-southeast-1',
      fallbacks: [],
      backupRetain: 60,
      dnsFailover: 'manual',
    });
  });

  test('a space that widens its client is a PolicyError naming both levels', () => {
    expect(() =>
      resolveSpaceRoute(
        FLAVOR_MAP,
        space({ clientPolicy: { regions: ['eu-west-1'] }, policy: { regions: ['us-east-1'] }, homeRegion: 'eu-west-1' }),
        ZONE,
      ),
    ).toThrow(PolicyError);
    expect(() =>
      resolveSpaceRoute(
        FLAVOR_MAP,
        space({ clientPolicy: { regions: ['eu-west-1'] }, policy: { regions: ['us-east-1'] }, homeRegion: 'eu-west-1' }),
        ZONE,
      ),
    ).toThrow('space s-1-test allows us-east-1, which client c-test does not allow (eu-west-1); a space may only narrow residency.');
  });

  test('a home region outside the space policy fails closed', () => {
    expect(() => resolveSpaceRoute(FLAVOR_MAP, space({ homeRegion: 'us-east-1', policy: { regions: ['eu-west-1'] } }), ZONE)).toThrow(
      new SpaceRouteError('LOOKUP_HOME_OUTSIDE_POLICY', 'space s-1-test has home region us-east-1, outside its allowed regions (eu-west-1).'),
    );
  });

  test('a home region of another flavor fails closed', () => {
    expect(() => resolveSpaceRoute(FLAVOR_MAP, space({ flavor: 'germany-belgium', homeRegion: 'us-east-1' }), ZONE)).toThrow(
      /LOOKUP_HOME_OUTSIDE_POLICY|outside its allowed regions \(eu-central-1\)/,
    );
  });

  test('an unknown flavor fails closed', () => {
    expect(() => resolveSpaceRoute(FLAVOR_MAP, space({ flavor: 'atlantis' }), ZONE)).toThrow(/flavor 'atlantis', which this service does not know/);
  });

  test('after a failover the stored home region is routed to, fallbacks are the rest', () => {
    const route = resolveSpaceRoute(FLAVOR_MAP, space({ flavor: 'us-australia', homeRegion: 'ap-southeast-2', epoch: 7 }), ZONE);
    expect(route).toMatchObject({
      homeRegion: 'ap-southeast-2',
      fallbacks: ['us-east-1'],
      epoch: 7,
      endpoint: 'https://ap-southeast-2.us-australia.flavors.example.com',
    });
  });

  test('endpoints come from the shared DNS naming', () => {
    expect(flavorRegionEndpoint('global', 'eu-west-1', 'corp.example.')).toBe('https://eu-west-1.global.corp.example');
  });
});
