import { DEFAULT_CONTROL_PLANE_REGIONS } from '../../../lib/lookup/defaults';
import { OPS_DEFAULTS } from '../../../lib/ops/defaults';

test('the default lookup write region is the lookup table\'s home region', () => {
  // The CLI does not load aws-cdk-lib to read DEFAULT_CONTROL_PLANE_REGIONS; this keeps the copy honest.
  expect(OPS_DEFAULTS.lookupRegion).toBe(DEFAULT_CONTROL_PLANE_REGIONS[0]);
});
