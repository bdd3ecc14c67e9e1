import { CfnResource } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { defineFlavor } from '../../lib/flavor/define-flavor';
import usAustralia from '../../flavors/us-australia';
import { checkFlavorStage, flavorStageStaysInside, validFlavorSpec } from '../helpers/flavor-property';

/**
 * A run costs ~0.3 s of CPU (a whole FlavorStage synth), so `npm test` keeps to a few and CI proves
 * 100 more with a fresh seed each time (`.ci/run`: `npm run prove -- --runs 100`); `npm run prove`
 * alone runs 1,000 (bench/prove.ts).
 */
const RUNS_IN_TEST = 10;

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

  test('the check is live: a resource naming a region outside the flavor fails both the guard and the assembly check', () => {
    // Given us-australia with one resource in its primary stack that points at Ireland
    const check = checkFlavorStage(usAustralia, (stage) => {
      new CfnResource(stage.regionStacks.get('us-east-1')!, 'Foreign', {
        type: 'AWS::SSM::Parameter',
        properties: { Type: 'String', Value: 'arn:aws:kms:eu-west-1:111111111111:key/abc' },
      });
    });
    // Then the guard's error annotation and the post-synth check both name it
    expect(check.errors).toEqual([expect.stringMatching(/RESIDENCY_VIOLATION: AWS::SSM::Parameter .*Foreign: references eu-west-1/)]);
    expect(check.violations).toEqual([expect.stringMatching(/^RES_FOREIGN_REGION: us-australia \/ us-australia-us-east-1 \/ Foreign/)]);
  });

  test(`${RUNS_IN_TEST} random flavors: no error annotation (ResidencyGuard) and no assembly violation`, () => {
    // When each is synthesized alone in its own App; fast-check prints the seed and the shrunk flavor on failure
    fc.assert(flavorStageStaysInside, { numRuns: RUNS_IN_TEST });
  });
});
