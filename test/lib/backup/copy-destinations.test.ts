import { snapshotCopyDestinations } from '../../../lib/backup/copy-destinations';
import { defineFlavor } from '../../../lib/flavor/define-flavor';
import globalFlavor from '../../../flavors/global';
import germanyBelgium from '../../../flavors/germany-belgium';
import usAustralia from '../../../flavors/us-australia';

describe('snapshotCopyDestinations', () => {
  test('primary copies to the fallbacks; a fallback copies back to the primary and the other fallbacks', () => {
    expect(snapshotCopyDestinations(usAustralia, 'us-east-1')).toEqual(['ap-southeast-2']);
    expect(snapshotCopyDestinations(usAustralia, 'ap-southeast-2')).toEqual(['us-east-1']);
    expect(snapshotCopyDestinations(globalFlavor, 'us-east-1')).toEqual(['eu-west-1', 'ap-southeast-1']);
    expect(snapshotCopyDestinations(globalFlavor, 'eu-west-1')).toEqual(['us-east-1', 'ap-southeast-1']);
  });

  test('a single-region flavor copies nowhere', () => {
    expect(snapshotCopyDestinations(germanyBelgium, 'eu-central-1')).toEqual([]);
  });

  test('an explicit copyTo list, never the source region, at most three regions', () => {
    // Given five regions and copies to two of them
    const flavor = defineFlavor({
      name: 'us-wide',
      residency: { countries: ['US'] },
      regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'].map((region, i) => ({
        region,
        role: i === 0 ? ('primary' as const) : ('fallback' as const),
      })),
      backup: { copyTo: ['us-west-2', 'us-east-1'] },
    });
    // Then the primary skips itself; a region outside copyTo copies to primary + copyTo (3 max)
    expect(snapshotCopyDestinations(flavor, 'us-east-1')).toEqual(['us-west-2']);
    expect(snapshotCopyDestinations(flavor, 'us-west-2')).toEqual(['us-east-1']);
    expect(snapshotCopyDestinations(flavor, 'us-east-2')).toEqual(['us-east-1', 'us-west-2']);
  });

  test('refuses a hand-made flavor whose copyTo leaves the flavor (defineFlavor would reject it)', () => {
    const handMade = { ...usAustralia, backup: { ...usAustralia.backup, copyTo: ['eu-west-1'] } };
    expect(() => snapshotCopyDestinations(handMade, 'us-east-1')).toThrow(
      'flavor us-australia copies snapshots to eu-west-1, not one of its regions (us-east-1, ap-southeast-2); fix backup.copyTo.',
    );
  });

  test('refuses a region outside the flavor', () => {
    expect(() => snapshotCopyDestinations(usAustralia, 'eu-west-1')).toThrow(
      "eu-west-1 is not a region of flavor us-australia (us-east-1, ap-southeast-2); snapshot copies are planned only for the flavor's own regions.",
    );
  });
});
