import { ListResourceRecordSetsCommand, Route53Client, type Change, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import * as fc from 'fast-check';
import { failoverChainName, failoverChainSetIdentifier, failoverSetIdentifier, regionalEndpointName } from '../../../lib/failover/endpoint-names';
import { planFailoverRecords } from '../../../lib/failover/failover-records';
import { FlavorsError } from '../../../lib/errors';
import {
  describeChanges,
  planDnsSwitch,
  primaryFromRecords,
  readEndpointRecords,
  recordOrder,
  type EndpointLocation,
} from '../../../lib/ops/dns-records';

const ZONE = 'flavors.example.com';
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];

function at(regions: readonly string[], flavor = 'global'): EndpointLocation {
  return { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: ZONE, flavor, regions };
}

/** The records RegionalFailover deploys for `order`, as Route 53 lists them (trailing dots, health checks). */
function deployed(flavor: string, order: readonly string[], automatic = true): ResourceRecordSet[] {
  return planFailoverRecords(flavor, order, ZONE, automatic).map((p) => ({
    Name: `${p.name}.`,
    Type: 'CNAME',
    TTL: 60,
    ResourceRecords: [{ Value: p.target }],
    ...(p.failover
      ? { Failover: p.failover, SetIdentifier: p.setIdentifier, HealthCheckId: p.region ? `hc-${p.region}` : `hc-chain-${p.level + 1}` }
      : {}),
  }));
}

/** Applies a change batch the way Route 53 does (DELETE must match exactly; end state checked). */
function apply(records: ResourceRecordSet[], changes: readonly Change[]): ResourceRecordSet[] {
  const key = (rs: ResourceRecordSet) => `${rs.Name!.replace(/\.$/, '')}|${rs.SetIdentifier ?? ''}`;
  const next = new Map(records.map((rs) => [key(rs), rs]));
  for (const c of changes) {
    if (c.Action === 'DELETE') {
      expect(next.get(key(c.ResourceRecordSet!))).toEqual(c.ResourceRecordSet);
      next.delete(key(c.ResourceRecordSet!));
    } else {
      next.set(key(c.ResourceRecordSet!), c.ResourceRecordSet!);
    }
  }
  const out = [...next.values()];
  for (const name of new Set(out.map((rs) => rs.Name!.replace(/\.$/, '')))) {
    const here = out.filter((rs) => rs.Name!.replace(/\.$/, '') === name);
    expect(here.filter((rs) => rs.Failover === 'PRIMARY').length).toBeLessThanOrEqual(1);
    expect(here.filter((rs) => rs.Failover === 'SECONDARY').length).toBeLessThanOrEqual(1);
  }
  return out;
}

describe('recordOrder', () => {
  test('reads the order of a two-region failover pair, a chain and a simple record', () => {
    expect(recordOrder(deployed('us-australia', ['us-east-1', 'ap-southeast-2']), at(['us-east-1', 'ap-southeast-2'], 'us-australia'))).toEqual([
      'us-east-1',
      'ap-southeast-2',
    ]);
    expect(recordOrder(deployed('global', REGIONS), at(REGIONS))).toEqual(REGIONS);
    expect(recordOrder(deployed('global', ['eu-west-1', 'ap-southeast-1', 'us-east-1']), at(REGIONS))).toEqual([
      'eu-west-1',
      'ap-southeast-1',
      'us-east-1',
    ]);
    expect(recordOrder(deployed('global', ['ap-southeast-1', 'us-east-1', 'eu-west-1'], false), at(REGIONS))).toEqual([
      'ap-southeast-1',
      'us-east-1',
      'eu-west-1',
    ]);
  });

  test('is undefined when records are missing or name a region outside the flavor', () => {
    expect(recordOrder([], at(REGIONS))).toBeUndefined();
    const foreign = deployed('us-australia', ['us-east-1', 'ap-southeast-2']);
    foreign[0].ResourceRecords = [{ Value: regionalEndpointName('us-australia', 'eu-west-1', ZONE) }];
    expect(primaryFromRecords(foreign, at(['us-east-1', 'ap-southeast-2'], 'us-australia'))).toBeUndefined();
  });
});

describe('planDnsSwitch', () => {
  test('two regions: swaps PRIMARY and SECONDARY in one batch, each record keeping its health check', () => {
    // Given the deployed pair
    const loc = at(['us-east-1', 'ap-southeast-2'], 'us-australia');
    const records = deployed('us-australia', ['us-east-1', 'ap-southeast-2']);

    // When Sydney becomes primary
    const change = planDnsSwitch(records, loc, 'ap-southeast-2');

    // Then two UPSERTs flip the roles
    expect(change.changes).toHaveLength(2);
    expect(change.changes).toEqual(
      expect.arrayContaining([
        {
          Action: 'UPSERT',
          ResourceRecordSet: expect.objectContaining({
            SetIdentifier: failoverSetIdentifier('us-australia', 'us-east-1'),
            Failover: 'SECONDARY',
            HealthCheckId: 'hc-us-east-1',
          }),
        },
        {
          Action: 'UPSERT',
          ResourceRecordSet: expect.objectContaining({
            SetIdentifier: failoverSetIdentifier('us-australia', 'ap-southeast-2'),
            Failover: 'PRIMARY',
            HealthCheckId: 'hc-ap-southeast-2',
          }),
        },
      ]),
    );
    expect(recordOrder(apply(records, change.changes), loc)).toEqual(['ap-southeast-2', 'us-east-1']);
    expect(describeChanges(change.changes, loc)).toContain('UPSERT us-australia.flavors.example.com PRIMARY -> ap-southeast-2');
  });

  test('is empty when the target already comes first', () => {
    const loc = at(['us-east-1', 'ap-southeast-2'], 'us-australia');
    expect(planDnsSwitch(deployed('us-australia', ['ap-southeast-2', 'us-east-1']), loc, 'ap-southeast-2').changes).toEqual([]);
  });

  test('a chain: moving the last region first re-plans every level and re-points the chain health check', () => {
    // Given global's chain us-east-1 → eu-west-1 → ap-southeast-1
    const loc = at(REGIONS);
    const records = deployed('global', REGIONS);

    // When ap-southeast-1 becomes primary
    const change = planDnsSwitch(records, loc, 'ap-southeast-1');

    // Then the records send clients to ap-southeast-1, then the others in their order
    const after = apply(records, change.changes);
    expect(recordOrder(after, loc)).toEqual(['ap-southeast-1', 'us-east-1', 'eu-west-1']);
    expect(change.order).toEqual(['ap-southeast-1', 'us-east-1', 'eu-west-1']);
    // A record that moved level is deleted at the old name (exactly as listed) and created at the new one
    expect(change.changes.filter((c) => c.Action === 'DELETE').map((c) => c.ResourceRecordSet!.SetIdentifier)).toEqual(
      expect.arrayContaining([failoverSetIdentifier('global', 'us-east-1')]),
    );
    // The chain link keeps its calculated health check, whose children become the regions now behind it
    const link = after.find((rs) => rs.SetIdentifier === failoverChainSetIdentifier('global', 1))!;
    expect(link.Name!.replace(/\.$/, '')).toBe(failoverChainName('global', 0, ZONE));
    expect(link.HealthCheckId).toBe('hc-chain-1');
    expect(change.healthChecks).toEqual([{ healthCheckId: 'hc-chain-1', children: ['hc-us-east-1', 'hc-eu-west-1'] }]);
  });

  test('manual DNS failover: the simple CNAME is pointed at the target', () => {
    const loc = at(REGIONS);
    const records = deployed('global', REGIONS, false);
    const change = planDnsSwitch(records, loc, 'eu-west-1');
    expect(change.changes).toEqual([
      {
        Action: 'UPSERT',
        ResourceRecordSet: {
          Name: 'global.flavors.example.com',
          Type: 'CNAME',
          TTL: 60,
          ResourceRecords: [{ Value: 'eu-west-1.global.flavors.example.com' }],
        },
      },
    ]);
    expect(recordOrder(apply(records, change.changes), loc)?.[0]).toBe('eu-west-1');
  });

  test('missing records are refused with FAILOVER_DNS_RECORD_MISSING', () => {
    expect(() => planDnsSwitch([], at(REGIONS), 'eu-west-1')).toThrow(FlavorsError);
    expect(() => planDnsSwitch([], at(REGIONS), 'eu-west-1')).toThrow(/FAILOVER_DNS_RECORD_MISSING|missing or do not name one region first/);
  });

  test('for any deployed order and target, the switch puts the target first and keeps the others in order', () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-1', 'sa-east-1'];
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 4 })
          .chain((n) => fc.tuple(fc.shuffledSubarray(regions, { minLength: n, maxLength: n }), fc.nat(n - 1), fc.boolean())),
        ([order, t, automatic]) => {
          const loc = at(order.slice().sort());
          const records = deployed('global', order, automatic);
          const target = order[t];
          const after = apply(records, planDnsSwitch(records, loc, target).changes);
          expect(recordOrder(after, loc)).toEqual(
            automatic ? [target, ...order.filter((r) => r !== target)] : [target, ...loc.regions.filter((r) => r !== target)],
          );
          // And switching again changes nothing
          expect(planDnsSwitch(after, loc, target).changes).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('readEndpointRecords', () => {
  test("pages through a name's records and stops where the next name begins", async () => {
    const r53 = mockClient(Route53Client);
    try {
      const [primary, secondary] = deployed('us-australia', ['us-east-1', 'ap-southeast-2']);
      r53
        .on(ListResourceRecordSetsCommand)
        .resolvesOnce({
          ResourceRecordSets: [primary],
          IsTruncated: true,
          NextRecordName: primary.Name,
          NextRecordType: 'CNAME',
          NextRecordIdentifier: secondary.SetIdentifier,
          MaxItems: 1,
        })
        .resolvesOnce({
          ResourceRecordSets: [secondary, { Name: 'zzz.flavors.example.com.', Type: 'CNAME' }],
          IsTruncated: true,
          NextRecordName: 'zzz2.flavors.example.com.',
          NextRecordType: 'CNAME',
          MaxItems: 2,
        });
      const records = await readEndpointRecords(new Route53Client({ region: 'us-east-1' }), at(['us-east-1', 'ap-southeast-2'], 'us-australia'));
      expect(records).toEqual([primary, secondary]);
      expect(r53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(2);
      expect(r53.commandCalls(ListResourceRecordSetsCommand)[1].args[0].input).toMatchObject({
        StartRecordName: primary.Name,
        StartRecordIdentifier: secondary.SetIdentifier,
      });
    } finally {
      r53.restore();
    }
  });
});
