import { FlavorDefinitionError } from '../../../lib/errors';
import { defineFlavor, flavorRegions, isFlavor } from '../../../lib/flavor/define-flavor';
import { FLAVOR_DEFAULTS } from '../../../lib/flavor/defaults';

describe('defineFlavor', () => {
  test('fills defaults and derives primary and fallbacks', () => {
    const flavor = defineFlavor({
      name: 'us-australia',
      residency: { countries: ['US', 'AU'] },
      regions: [
        { region: 'ap-southeast-2', role: 'fallback' },
        { region: 'us-east-1', role: 'primary' },
      ],
    });
    expect(flavor.primaryRegion).toBe('us-east-1');
    expect(flavor.fallbackRegions).toEqual(['ap-southeast-2']);
    expect(flavorRegions(flavor)).toEqual(['us-east-1', 'ap-southeast-2']);
    expect(flavor.backup).toEqual(FLAVOR_DEFAULTS.backup);
    expect(flavor.failover).toEqual({ dns: 'automatic', database: 'manual' });
    expect(flavor.databases).toEqual({});
    expect(flavor.warnings).toEqual([]);
    expect(isFlavor(flavor)).toBe(true);
  });

  test('throws one FlavorDefinitionError listing every problem with code and path', () => {
    let error: unknown;
    try {
      defineFlavor({ name: 'x_y', residency: { countries: ['ZZ'] }, regions: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlavorDefinitionError);
    const flavorError = error as FlavorDefinitionError;
    expect(flavorError.problems.map((p) => `${p.path}: ${p.code}`)).toEqual([
      'name: FLAVOR_NAME_INVALID',
      'residency.countries[0]: FLAVOR_COUNTRY_UNKNOWN',
      'regions: FLAVOR_REGIONS_EMPTY',
    ]);
    expect(flavorError.message).toContain("x_y: name: FLAVOR_NAME_INVALID: name 'x_y' must be kebab-case");
  });

  test('keeps single-region warnings on the flavor instead of throwing', () => {
    const flavor = defineFlavor({ name: 'solo', residency: { countries: ['DE'] }, regions: [{ region: 'eu-central-1', role: 'primary' }] });
    expect(flavor.warnings.map((w) => w.code)).toEqual(['FLAVOR_SINGLE_REGION']);
  });
});
