import * as fc from 'fast-check';
import { defineFlavor } from '../../lib/flavor/define-flavor';
import { flavorStageStaysInside, validFlavorSpec } from '../helpers/flavor-property';

/** `npm run prove` runs the same property 1,000 times (bench/prove.ts). */
const RUNS_IN_TEST = 50;

describe('property: any valid flavor synthesizes a stage with nothing outside its regions', () => {
  test('the generator only makes flavors defineFlavor accepts, across residencies, region counts and platforms', () => {
    const samples = fc.sample(validFlavorSpec, { numRuns: 300, seed: 1 });
    const flavors = samples.map((spec) => defineFlavor(spec));
    // Given that the property below is only as good as its inputs: they cover what it claims
    expect(new Set(flavors.map((f) => f.regions.length))).toEqual(new Set([1, 2, 3, 4]));
    expect(flavors.some((f) => f.residency === 'global') && flavors.some((f) => f.residency !== 'global')).toBe(true);
    const platforms = new Set(flavors.flatMap((f) => Object.values(f.databases).map((d) => d.platform)));
    expect(platforms).toEqual(new Set(['ec2', 'rds', 'k8s']));
    expect(flavors.some((f) => Array.isArray(f.backup.copyTo)) && flavors.some((f) => f.backup.copyTo === 'fallbacks')).toBe(true);
  });

  test(`${RUNS_IN_TEST} random flavors: no error annotation (ResidencyGuard) and no assembly violation`, () => {
    // When each is synthesized alone in its own App; fast-check prints the seed and the shrunk flavor on failure
    fc.assert(flavorStageStaysInside, { numRuns: RUNS_IN_TEST });
  });
});
