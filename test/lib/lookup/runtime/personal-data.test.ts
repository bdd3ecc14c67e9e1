// The lookup table is replicated to every control-plane region: it must hold routing metadata only.
import * as path from 'path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { loadFlavorsOrThrow } from '../../../../lib/flavor/load-flavors';
import { POLICY_OVERRIDE_FIELDS, RECORD_FIELDS } from '../../../../lib/lookup/runtime/records';
import { LOOKUP_TABLE_KEYS } from '../../../../lib/lookup/runtime/schema-keys';
import { devSeedPlan, seedLookupStore } from '../../../../lib/lookup/runtime/seed';
import { lookupTableDefinition } from '../../../../lib/lookup/runtime/table';
import { REPO_ROOT, startTestStore, type TestStore } from './lookup-fixtures';

/** Field names that would mean personal data (names, contact details, identifiers of a person, free text). */
const PERSONAL = new RegExp(
  'name|mail|phone|address|street|city|zip|postal|birth|age|gender|ssn|passport|ip|geo|location|note|comment|description|text|label|title|' +
    'first|last|display|user_?agent|contact',
  'i',
);
const KEY_ATTRIBUTES = Object.values(LOOKUP_TABLE_KEYS).filter((v) => v !== LOOKUP_TABLE_KEYS.flavorIndex);
/** Every string value of a record: an opaque id, a key (`SPACE#…`), a flavor, a region, a country or a failover mode. */
const ROUTING_VALUE = /^([A-Z]+#)?[A-Za-z0-9][A-Za-z0-9._:|#-]{0,140}$/;

function strings(value: AttributeValue): string[] {
  if (value.S !== undefined) return [value.S];
  if (value.L) return value.L.flatMap(strings);
  if (value.M) return Object.values(value.M).flatMap(strings);
  return [];
}

function names(value: AttributeValue): string[] {
  if (value.M) return Object.entries(value.M).flatMap(([k, v]) => [k, ...names(v)]);
  if (value.L) return value.L.flatMap(names);
  return [];
}

describe('no personal data in the lookup table', () => {
  test('the table schema declares only the key attributes, none of them personal', () => {
    const def = lookupTableDefinition('flavors-lookup');
    const declared = def.AttributeDefinitions!.map((a) => a.AttributeName!);
    expect(declared.sort()).toEqual(['gsi1pk', 'gsi1sk', 'pk', 'sk']);
    for (const name of declared) expect(name).not.toMatch(PERSONAL);
    expect(def.GlobalSecondaryIndexes!.map((i) => i.IndexName)).toEqual(['byFlavor']);
  });

  test('the record schemas are exactly the routing fields (adding one is a reviewed change of this test)', () => {
    expect(RECORD_FIELDS).toEqual({
      client: ['clientId', 'flavor', 'policy'],
      space: ['spaceId', 'clientId', 'flavor', 'homeRegion', 'epoch', 'policy', 'clientPolicy', 'state'],
      grant: ['spaceId', 'userId'],
    });
    expect(POLICY_OVERRIDE_FIELDS).toEqual(['regions', 'countries', 'backupIntervalHours', 'backupRetain', 'dnsFailover']);
    for (const field of [...Object.values(RECORD_FIELDS).flat(), ...POLICY_OVERRIDE_FIELDS]) expect(field).not.toMatch(PERSONAL);
  });

  describe('every seeded record', () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await startTestStore();
      const flavors = loadFlavorsOrThrow(path.join(REPO_ROOT, 'flavors'));
      await seedLookupStore({ store: t.store, flavors }, devSeedPlan(flavors), 'flavors.example.com');
    });
    afterAll(async () => {
      await t?.close();
    });

    test('holds only key attributes and record fields, none of them personal', async () => {
      const items = await t.items();
      expect(items.length).toBeGreaterThanOrEqual(3 + 3 + 3);
      const allowed = new Set<string>([...KEY_ATTRIBUTES, ...Object.values(RECORD_FIELDS).flat()]);
      for (const item of items as Record<string, AttributeValue>[]) {
        for (const [name, value] of Object.entries(item)) {
          expect(allowed).toContain(name);
          for (const nested of names(value)) expect([...POLICY_OVERRIDE_FIELDS]).toContain(nested);
        }
      }
    });

    test('holds no free text: every value is an id, a key, a flavor, a region, a number or a mode', async () => {
      for (const item of (await t.items()) as Record<string, AttributeValue>[]) {
        for (const value of Object.values(item)) {
          for (const s of strings(value)) {
            expect(s).toMatch(ROUTING_VALUE);
            expect(s).not.toContain('@');
          }
        }
      }
    });
  });
});
