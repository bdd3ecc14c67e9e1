import { isAccountId, isHostedZoneId, isZoneName, withoutTrailingDot, zoneNameFromInput } from '../../lib/aws-ids';

describe('AWS identifiers', () => {
  test.each([
    ['123456789012', true],
    ['12345678901', false],
    ['1234567890123', false],
    ['12345678901a', false],
    [123456789012, false],
  ])('Given %p, When checked as an account id, Then %p', (value, ok) => {
    expect(isAccountId(value)).toBe(ok);
  });

  test.each([
    ['Z0000000000000EXAMPLE', true],
    ['zone-1', false],
    ['Z', false],
    [undefined, false],
  ])('Given %p, When checked as a hosted zone id, Then %p', (value, ok) => {
    expect(isHostedZoneId(value)).toBe(ok);
  });

  test('Given zone names, When checked, Then the project form has no trailing dot and input may have one', () => {
    expect(isZoneName('flavors.example.com')).toBe(true);
    expect(isZoneName('flavors.example.com.')).toBe(false);
    expect(zoneNameFromInput('flavors.example.com.')).toBe('flavors.example.com');
    expect(zoneNameFromInput('flavors.example.com')).toBe('flavors.example.com');
    for (const bad of ['flavors.example.com..', 'Flavors.Example.com', 'localhost', '-a.example.com', '', '.', 42]) {
      expect(zoneNameFromInput(bad)).toBeUndefined();
    }
  });

  test.each([
    ['flavors.example.com.', 'flavors.example.com'],
    ['flavors.example.com', 'flavors.example.com'],
    ['a..', 'a.'],
  ])('Given %p, When the trailing dot is dropped, Then %p (one dot only, the fully qualified form)', (name, bare) => {
    expect(withoutTrailingDot(name)).toBe(bare);
  });
});
