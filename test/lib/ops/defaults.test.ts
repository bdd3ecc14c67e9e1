import { DEFAULT_CONTROL_PLANE_REGIONS } from '../../../lib/lookup/defaults';
import { OPS_DEFAULTS } from '../../../lib/ops/defaults';

test("the default lookup write region is the lookup table's home region", () => {
  // The CLI does not load aws-cdk-lib to read DEFAULT_CONTROL_PLANE_REGIONS; this keeps the copy honest.
  expect(OPS_DEFAULTS.lookupRegion).toBe(DEFAULT_CONTROL_PLANE_REGIONS[0]);
});

test('the ingress a failover cuts on an EC2 fleet is the port the fleet opens for PostgreSQL', () => {
  // Same reason: a copy, so the CLI does not load aws-cdk-lib for lib/database/defaults.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ENGINE_PORTS } = require('../../../lib/database/defaults') as typeof import('../../../lib/database/defaults');
  expect(ENGINE_PORTS.postgres.client).toEqual([{ from: OPS_DEFAULTS.postgresPort, to: OPS_DEFAULTS.postgresPort }]);
});
