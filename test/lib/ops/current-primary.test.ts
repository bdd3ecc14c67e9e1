import { resolvePrimary } from '../../../lib/ops/current-primary';
import type { FailoverState } from '../../../lib/ops/failover-state';
import { testClients, type FakeAws } from './fake-aws';
import { buildWorld, FALLBACK, FLAVOR, PRIMARY, ZONE_ID } from './world';

let aws: FakeAws;
let mocks: { restore: () => void };
beforeEach(() => {
  aws = buildWorld();
  mocks = aws.install();
});
afterEach(() => mocks.restore());

const route53 = () => testClients()(PRIMARY).route53;
const finished = { status: 'done', to: FALLBACK } as FailoverState;

test('DNS decides when a zone is given', async () => {
  aws.zone.records = aws.zone.records.map((r) => ({ ...r, Failover: r.Failover === 'PRIMARY' ? 'SECONDARY' : 'PRIMARY' }));
  await expect(resolvePrimary(FLAVOR, { route53: route53(), hostedZoneId: ZONE_ID })).resolves.toEqual({ region: FALLBACK, source: 'dns' });
});

test('without a zone, a finished failover in the state file wins over the flavor file', async () => {
  await expect(resolvePrimary(FLAVOR, { route53: route53(), lastFailover: finished })).resolves.toEqual({ region: FALLBACK, source: 'state-file' });
  await expect(resolvePrimary(FLAVOR, { route53: route53(), lastFailover: { ...finished, status: 'in-progress' } })).resolves.toEqual({
    region: PRIMARY,
    source: 'flavor-file',
  });
  expect(aws.calls).toEqual([]);
});

test('a zone without the flavor records, or no such zone, falls back to the flavor file and says why', async () => {
  aws.zone.records = [];
  await expect(resolvePrimary(FLAVOR, { route53: route53(), hostedZoneId: ZONE_ID })).resolves.toEqual({
    region: PRIMARY,
    source: 'flavor-file',
    warning: `the records of us-australia in zone ${ZONE_ID} do not name one region first`,
  });
  await expect(resolvePrimary(FLAVOR, { route53: route53(), hostedZoneId: 'ZNOSUCHZONE' })).resolves.toMatchObject({
    region: PRIMARY,
    source: 'flavor-file',
    warning: expect.stringContaining('hosted zone ZNOSUCHZONE does not exist'),
  });
});
