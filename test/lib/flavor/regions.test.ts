import { isCountryCode } from '../../../lib/flavor/countries';
import { REGION_CATALOG, regionInfo, regionsInCountries, requireRegion } from '../../../lib/flavor/regions';

describe('region catalog', () => {
  test('every region has a valid ISO country, the aws partition and at least two AZs of its own', () => {
    for (const info of REGION_CATALOG) {
      expect(isCountryCode(info.country)).toBe(true);
      expect(info.partition).toBe('aws');
      expect(info.availabilityZones.length).toBeGreaterThanOrEqual(2);
      for (const az of info.availabilityZones) expect(az).toMatch(new RegExp(`^${info.region}[a-z]$`));
    }
  });

  test('region names are unique', () => {
    const names = REGION_CATALOG.map((i) => i.region);
    expect(new Set(names).size).toBe(names.length);
  });

  test.each([
    ['eu-central-1', 'DE'],
    ['eu-west-1', 'IE'],
    ['ap-southeast-2', 'AU'],
    ['ap-southeast-4', 'AU'],
    ['us-east-1', 'US'],
    ['il-central-1', 'IL'],
    ['eu-central-2', 'CH'],
    ['ca-west-1', 'CA'],
  ])('%s is in %s', (region, country) => {
    expect(regionInfo(region)?.country).toBe(country);
  });

  test('Belgium has no AWS region and Germany has exactly one commercial region', () => {
    expect(regionsInCountries(['BE'])).toEqual([]);
    expect(regionsInCountries(['DE'])).toEqual(['eu-central-1']);
  });

  test('unknown regions are reported with the list to choose from', () => {
    expect(regionInfo('eu-belgium-1')).toBeUndefined();
    expect(() => requireRegion('eu-belgium-1')).toThrow(/Unknown AWS region 'eu-belgium-1': use one of us-east-1/);
  });
});
