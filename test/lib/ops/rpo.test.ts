import globalFlavor from '../../../flavors/global';
import usAustralia from '../../../flavors/us-australia';
import { snapshotRpo } from '../../../lib/backup/rpo';
import { copyRegions, describeRpo, formatMinutes, minutesBetween, rpoOf } from '../../../lib/ops/rpo';

describe('rpoOf', () => {
  test('is the arithmetic the snapshot construct reports', () => {
    expect(rpoOf(usAustralia).minutes).toBe(snapshotRpo(1, true).rpoMinutes);
    expect(rpoOf(globalFlavor).minutes).toBe(snapshotRpo(4, true).rpoMinutes);
    expect(describeRpo(rpoOf(usAustralia))).toBe('RPO 3h (snapshot every 1h + 1h DLM start window + 1h copy estimate)');
  });

  test('takes the copy estimate as a parameter', () => {
    expect(rpoOf(usAustralia, 'us-east-1', 15).minutes).toBe(60 + 60 + 15);
  });
});

describe('copyRegions', () => {
  test('the primary copies to the fallbacks; after a failover the new primary copies back', () => {
    expect(copyRegions(usAustralia, 'us-east-1')).toEqual(['ap-southeast-2']);
    expect(copyRegions(usAustralia, 'ap-southeast-2')).toEqual(['us-east-1']);
    expect(copyRegions(globalFlavor, 'eu-west-1')).toEqual(['us-east-1', 'ap-southeast-1']);
  });
});

test.each([
  [0, '0m'],
  [45, '45m'],
  [60, '1h'],
  [105, '1h45m'],
  [47 * 60 + 59, '47h59m'],
  [48 * 60, '2d'],
  [51 * 60, '2d3h'],
])('formatMinutes(%p) = %p', (minutes, text) => {
  expect(formatMinutes(minutes)).toBe(text);
});

test('minutesBetween floors and never goes negative', () => {
  const t = new Date('2025-06-01T12:00:00Z');
  expect(minutesBetween(new Date('2025-06-01T11:29:30Z'), t)).toBe(30);
  expect(minutesBetween(new Date('2025-06-01T12:01:00Z'), t)).toBe(0);
});
