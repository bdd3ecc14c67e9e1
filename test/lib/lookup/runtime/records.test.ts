import {
  checkClientRecord,
  checkGrantRecord,
  checkSpaceRecord,
  clientFromItem,
  clientItem,
  grantItem,
  LookupRecordError,
  spaceFromItem,
  spaceItem,
  type SpaceRecord,
} from '../../../../lib/lookup/runtime/records';

const SPACE: SpaceRecord = {
  spaceId: 's-acme-1',
  clientId: 'c-acme',
  flavor: 'global',
  homeRegion: 'eu-west-1',
  epoch: 3,
  policy: { regions: ['eu-west-1', 'ap-southeast-1'] },
  clientPolicy: { backupRetain: 60, dnsFailover: 'manual' },
};

describe('lookup records: closed schema', () => {
  test('a complete space record has no problems', () => {
    expect(checkSpaceRecord(SPACE, ['global'])).toEqual([]);
  });

  test('unknown fields are rejected, each named', () => {
    const problems = checkSpaceRecord({ ...SPACE, name: 'Acme Corp', email: 'ops@acme.example' });
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['LOOKUP_RECORD_FIELD_UNKNOWN', 'name'],
      ['LOOKUP_RECORD_FIELD_UNKNOWN', 'email'],
    ]);
  });

  test('free text cannot hide in a policy either', () => {
    const problems = checkClientRecord({ clientId: 'c-acme', flavor: 'global', policy: { regions: ['eu-west-1'], note: 'call Bob' } });
    expect(problems).toEqual([expect.objectContaining({ code: 'LOOKUP_RECORD_FIELD_UNKNOWN', path: 'policy.note' })]);
  });

  test('free text cannot hide in an id field', () => {
    expect(checkGrantRecord({ spaceId: 's-acme-1', userId: 'jane.doe@acme.example' })).toEqual([
      expect.objectContaining({ code: 'LOOKUP_RECORD_FIELD_INVALID', path: 'userId' }),
    ]);
  });

  test('every field is checked and all problems are reported at once', () => {
    const problems = checkSpaceRecord({
      spaceId: 'S/1',
      clientId: '',
      flavor: 'Not A Flavor',
      homeRegion: 'mars-1',
      epoch: 0,
      policy: { regions: ['eu-west-1', 'eu-west-1'], countries: ['XX'], backupIntervalHours: 5, backupRetain: 0, dnsFailover: 'sometimes' },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'spaceId',
      'clientId',
      'flavor',
      'homeRegion',
      'epoch',
      'policy.regions[1]',
      'policy.countries[0]',
      'policy.backupIntervalHours',
      'policy.backupRetain',
      'policy.dnsFailover',
    ]);
  });

  test('missing fields are named', () => {
    expect(checkSpaceRecord({}).map((p) => `${p.code} ${p.path}`)).toEqual([
      'LOOKUP_RECORD_FIELD_MISSING spaceId',
      'LOOKUP_RECORD_FIELD_MISSING clientId',
      'LOOKUP_RECORD_FIELD_MISSING flavor',
      'LOOKUP_RECORD_FIELD_MISSING homeRegion',
      'LOOKUP_RECORD_FIELD_MISSING epoch',
    ]);
  });

  test('a flavor that does not exist is refused when the flavors are known', () => {
    expect(checkClientRecord({ clientId: 'c-acme', flavor: 'atlantis' }, ['global'])).toEqual([
      expect.objectContaining({ code: 'LOOKUP_FLAVOR_UNKNOWN', message: "flavor 'atlantis' does not exist; use one of global." }),
    ]);
  });

  test('a space state is active or moving, nothing else', () => {
    expect(checkSpaceRecord({ ...SPACE, state: 'moving' })).toEqual([]);
    expect(checkSpaceRecord({ ...SPACE, state: 'active' })).toEqual([]);
    expect(checkSpaceRecord({ ...SPACE, state: 'paused' })).toEqual([
      expect.objectContaining({ code: 'LOOKUP_RECORD_FIELD_INVALID', path: 'state', message: '"paused" must be one of active, moving.' }),
    ]);
  });

  test.each([null, 'space', [SPACE]])('a record that is not an object (%j) is refused', (value) => {
    expect(checkGrantRecord(value)).toEqual([expect.objectContaining({ code: 'LOOKUP_RECORD_NOT_OBJECT' })]);
  });
});

describe('lookup records: items', () => {
  test('a space item carries the key layout, the flavor index keys and typed attributes', () => {
    const item = spaceItem(SPACE);
    expect(item).toEqual({
      pk: { S: 'SPACE#s-acme-1' },
      sk: { S: 'SPACE' },
      gsi1pk: { S: 'FLAVOR#global' },
      gsi1sk: { S: 'SPACE#s-acme-1' },
      spaceId: { S: 's-acme-1' },
      clientId: { S: 'c-acme' },
      flavor: { S: 'global' },
      homeRegion: { S: 'eu-west-1' },
      epoch: { N: '3' },
      policy: { M: { regions: { L: [{ S: 'eu-west-1' }, { S: 'ap-southeast-1' }] } } },
      clientPolicy: { M: { backupRetain: { N: '60' }, dnsFailover: { S: 'manual' } } },
    });
    expect(spaceFromItem(item)).toEqual(SPACE);
  });

  test('a moving space item carries its state and reads back with it', () => {
    const item = spaceItem({ ...SPACE, state: 'moving' });
    expect(item.state).toEqual({ S: 'moving' });
    expect(spaceFromItem(item)).toEqual({ ...SPACE, state: 'moving' });
  });

  test('writing a record with an unknown field throws before any item exists', () => {
    expect(() => clientItem({ clientId: 'c-acme', flavor: 'global', displayName: 'Acme' } as never)).toThrow(LookupRecordError);
    expect(() => grantItem({ spaceId: 's-acme-1', userId: 'a b' })).toThrow(
      expect.objectContaining({
        code: 'LOOKUP_RECORD_FIELD_INVALID',
        message:
          'grant record: userId: LOOKUP_RECORD_FIELD_INVALID: "a b" is not a valid userId ' +
          '(1–128 characters of A-Z, a-z, 0-9 and . _ : | -, starting with a letter or digit).',
      }),
    );
  });

  test('reading ignores attributes outside the record (keys, ops bookkeeping) but validates the record', () => {
    const item = { ...clientItem({ clientId: 'c-acme', flavor: 'global' }), fencedAt: { S: '2026-01-01' } };
    expect(clientFromItem(item)).toEqual({ clientId: 'c-acme', flavor: 'global' });
    expect(() => spaceFromItem({ ...spaceItem(SPACE), epoch: { S: 'three' } })).toThrow(LookupRecordError);
  });
});
