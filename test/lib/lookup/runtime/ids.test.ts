import fc from 'fast-check';
import { isValidId, preview } from '../../../../lib/lookup/runtime/ids';

describe('lookup ids', () => {
  test.each([
    ['spaceId', 's-global-1'],
    ['spaceId', 'abc'],
    ['spaceId', `a${'b'.repeat(62)}`],
    ['clientId', 'c-acme'],
    ['userId', 'auth0|5f1c2d'],
    ['userId', '00u1ab.cd_ef:9-z'],
    ['userId', 'u'],
  ] as const)('accepts %s %s', (kind, value) => {
    expect(isValidId(kind, value)).toBe(true);
  });

  test.each([
    ['spaceId', ''],
    ['spaceId', 'ab'],
    ['spaceId', 'a/b-space'],
    ['spaceId', 'SPACE-1'],
    ['spaceId', 'space#1'],
    ['spaceId', 'espaço-1'],
    ['spaceId', '-space'],
    ['spaceId', `a${'b'.repeat(63)}`],
    ['spaceId', 'x'.repeat(10_240)],
    ['userId', 'someone@example.com'],
    ['userId', 'two words'],
    ['userId', ''],
    ['userId', `u${'x'.repeat(128)}`],
    ['clientId', 'c acme'],
  ] as const)('rejects %s %j', (kind, value) => {
    expect(isValidId(kind, value)).toBe(false);
  });

  test('rejects non-strings', () => {
    expect(isValidId('spaceId', 123)).toBe(false);
    expect(isValidId('userId', undefined)).toBe(false);
  });

  test('no valid id contains a key separator, a slash, whitespace or an @', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.constantFrom('spaceId', 'clientId', 'userId' as const), (value, kind) => {
        if (isValidId(kind, value)) expect(value).not.toMatch(/[#/\s@%?]/);
      }),
      { numRuns: 2000 },
    );
  });

  test('preview cuts long values so errors stay one line', () => {
    expect(preview('x'.repeat(10_240))).toBe(`"${'x'.repeat(40)}…"`);
    expect(preview('short')).toBe('"short"');
  });
});
