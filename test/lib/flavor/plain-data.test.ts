import { joinKey, PLAIN_DATA_LIMITS, show, toPlainData } from '../../../lib/flavor/plain-data';

describe('toPlainData', () => {
  test('copies plain data as it is, with no prototype to read inherited fields through', () => {
    const input = { name: 'x', regions: [{ region: 'us-east-1' }], n: 1.5, ok: true, none: null };
    const { value, problems } = toPlainData(input);
    expect(problems).toEqual([]);
    expect(JSON.stringify(value)).toBe(JSON.stringify(input));
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect('toString' in (value as Record<string, unknown>)).toBe(false);
  });

  test('never calls a getter, and reports it at its path', () => {
    let calls = 0;
    const { value, problems } = toPlainData({
      regions: [
        {
          get region() {
            calls++;
            return 'us-east-1';
          },
        },
      ],
    });
    expect(calls).toBe(0);
    expect(problems).toEqual([expect.objectContaining({ code: 'FLAVOR_FIELD_NOT_DATA', path: 'regions[0].region' })]);
    expect((value as { regions: Record<string, unknown>[] }).regions[0]).not.toHaveProperty('region');
  });

  test('an own __proto__ key stays data; a real prototype is refused', () => {
    const own = toPlainData(JSON.parse('{"__proto__": {"a": 1}}'));
    expect(Object.keys(own.value as object)).toEqual(['__proto__']);
    expect(toPlainData(Object.create({ regions: [] })).problems).toEqual([expect.objectContaining({ code: 'FLAVOR_FIELD_NOT_DATA', path: '' })]);
  });

  test.each<[string, unknown, string]>([
    ['a function', { f: () => 1 }, 'FLAVOR_FIELD_NOT_DATA'],
    ['a symbol', { s: Symbol('x') }, 'FLAVOR_FIELD_NOT_DATA'],
    ['a BigInt', { b: BigInt(1) }, 'FLAVOR_FIELD_NOT_DATA'],
    ['a class instance', { m: new Map() }, 'FLAVOR_FIELD_NOT_DATA'],
    ['a string over the limit', { s: 'x'.repeat(PLAIN_DATA_LIMITS.maxStringLength + 1) }, 'FLAVOR_FIELD_TOO_LARGE'],
    ['a list over the limit', { l: new Array(PLAIN_DATA_LIMITS.maxEntries + 1).fill(0) }, 'FLAVOR_FIELD_TOO_LARGE'],
    ['a sparse list of length 1e9', { l: Object.assign([], { length: 1e9 }) }, 'FLAVOR_FIELD_TOO_LARGE'],
    ['a key over the limit', { ['k'.repeat(PLAIN_DATA_LIMITS.maxKeyLength + 1)]: 1 }, 'FLAVOR_FIELD_TOO_LARGE'],
  ])('%s is reported with a code, not copied', (_what, input, code) => {
    expect(toPlainData(input).problems.map((p) => p.code)).toEqual([code]);
  });

  test('limits at their bound are accepted', () => {
    expect(toPlainData({ s: 'x'.repeat(PLAIN_DATA_LIMITS.maxStringLength), l: new Array(PLAIN_DATA_LIMITS.maxEntries).fill(0) }).problems).toEqual(
      [],
    );
  });

  test('deep nesting and huge totals are bounded', () => {
    let deep: unknown = 1;
    for (let i = 0; i < PLAIN_DATA_LIMITS.maxDepth + 2; i++) deep = { d: deep };
    expect(toPlainData(deep).problems.map((p) => p.code)).toEqual(['FLAVOR_FIELD_TOO_LARGE']);
    const wide = Array.from({ length: 99 }, () => Array.from({ length: 99 }, () => 0));
    expect(toPlainData({ wide }).problems).toEqual([expect.objectContaining({ code: 'FLAVOR_FIELD_TOO_LARGE', path: '' })]);
  });
});

describe('show and joinKey: values in messages and paths are bounded and printable', () => {
  test.each<[unknown, string]>([
    ['eu-central-1', "'eu-central-1'"],
    ['eu-сentral-1', "'eu-\\u0441entral-1'"],
    ['a\nb\u001b[31m', "'a\\u000ab\\u001b[31m'"],
    ['x'.repeat(100), `'${'x'.repeat(60)}… (100 characters)'`],
    [NaN, 'NaN'],
    [{ toString: 'not callable' }, 'an object'],
    [[1], 'a list'],
  ])('show(%j) is %s', (value, expected) => {
    expect(show(value)).toBe(expected);
  });

  test('ordinary keys read as paths; odd keys are quoted and escaped', () => {
    expect(joinKey('databases', 'ledger')).toBe('databases.ledger');
    expect(joinKey('regions', 2)).toBe('regions[2]');
    expect(joinKey('databases', 'a b\n')).toBe('databases["a b\\u000a"]');
  });
});
