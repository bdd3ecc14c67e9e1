// The bank case: a payment may be written in exactly one region. A writer in us-east-1 holds a
// token for epoch 3; the flavor fails over to Sydney; the same payment retried in us-east-1 with
// the old token must be rejected, while Sydney accepts writes at the new epoch only.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import * as fs from 'fs';
import * as path from 'path';
import { DelegatedSigner, type CertifiedSigningKey } from '../../../lib/lookup/runtime/delegated-signer';
import { issueFlavorToken, verifyFlavorToken } from '../../../lib/lookup/runtime/flavor-token';
import { LocalKeySigner } from '../../../lib/lookup/runtime/signer';
import { checkWriteEpoch } from '../../../lib/ops/fencing';
import { runFailover } from '../../../lib/ops/failover-executor';
import { planFailover } from '../../../lib/ops/failover-plan';
import { FailoverStateStore, newFailoverState } from '../../../lib/ops/failover-state';
import { testClients } from './fake-aws';
import { buildWorld, FALLBACK, FLAVOR, LOOKUP, NOW, PRIMARY, seedSpaces, startDynalite, startFenceDatabases, ZONE_ID } from './world';
import { scratchDir } from '../../helpers/scratch-dir';

/** A token as the lookup service issues it: signed by a short-lived key its root key certified. */
async function mint(key: CertifiedSigningKey, region: string, epoch: number): Promise<string> {
  return (
    await issueFlavorToken(key, {
      issuer: 'flavors-lookup',
      audience: `https://${region}.us-australia.flavors.example.com`,
      subject: 'teller-7',
      space: 's-alpha',
      flavor: FLAVOR.name,
      region,
      epoch,
      ttlSeconds: 300,
      now: Math.floor(NOW.getTime() / 1000),
    })
  ).token;
}

test('after failover, a write carrying the old epoch is rejected by the fencing check and by verifyFlavorToken', async () => {
  const store = await startDynalite();
  const dbs = await startFenceDatabases();
  const aws = buildWorld();
  const mocks = aws.install();
  const dir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-bank-'));
  try {
    // Given s-alpha homed in us-east-1 at epoch 3, and a teller there holding a token for epoch 3
    const clientsFor = testClients(store.endpoint);
    await seedSpaces(clientsFor(PRIMARY).dynamodb);
    const root = await LocalKeySigner.generate('k1');
    const nowSeconds = Math.floor(NOW.getTime() / 1000);
    const key = await new DelegatedSigner({ root, region: 'us-east-1', issuer: 'flavors-lookup', clock: () => NOW.getTime() }).keyFor(
      nowSeconds,
      nowSeconds + 300,
    );
    const jwks = { keys: [await root.publicJwk()] };
    const oldToken = await mint(key, PRIMARY, 3);
    const verify = (token: string, region: string, currentEpoch: number) =>
      verifyFlavorToken(token, { flavor: FLAVOR.name, region, currentEpoch, jwks, currentDate: NOW });
    await expect(verify(oldToken, PRIMARY, 3)).resolves.toMatchObject({ epoch: 3 });
    expect(checkWriteEpoch(3, 3)).toEqual({ accepted: true });

    // When the flavor fails over to Sydney
    const plan = await planFailover({
      flavor: FLAVOR,
      target: FALLBACK,
      clientsFor,
      lookup: LOOKUP,
      hostedZoneId: ZONE_ID,
      now: NOW,
      connections: dbs.connections,
    });
    const stateStore = new FailoverStateStore(dir, FLAVOR.name);
    await runFailover(newFailoverState(plan, 'fo-bank', false, NOW), FLAVOR, {
      clientsFor,
      store: stateStore,
      log: () => {},
      now: () => NOW,
      sleep: async () => {},
      connections: dbs.connections,
    });
    const item = (
      await clientsFor(PRIMARY).dynamodb.send(
        new GetItemCommand({ TableName: LOOKUP.tableName, Key: { pk: { S: 'SPACE#s-alpha' }, sk: { S: 'SPACE' } }, ConsistentRead: true }),
      )
    ).Item!;
    const currentEpoch = Number(item.epoch.N);
    expect(currentEpoch).toBe(4);
    expect(item.homeRegion.S).toBe(FALLBACK);

    // Then the old writer's retry of the payment is rejected in us-east-1…
    expect(checkWriteEpoch(currentEpoch, 3)).toMatchObject({ accepted: false, code: 'FENCING_STALE_EPOCH' });
    await expect(verify(oldToken, PRIMARY, currentEpoch)).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_STALE_EPOCH' });
    // …and the same token cannot be replayed in Sydney either
    await expect(verify(oldToken, FALLBACK, currentEpoch)).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_WRONG_REGION' });
    // Sydney accepts the payment once, with a token for the new epoch
    const newToken = await mint(key, FALLBACK, currentEpoch);
    await expect(verify(newToken, FALLBACK, currentEpoch)).resolves.toMatchObject({ epoch: 4, region: FALLBACK });
    expect(checkWriteEpoch(currentEpoch, 4)).toEqual({ accepted: true });
  } finally {
    mocks.restore();
    fs.rmSync(dir, { recursive: true, force: true });
    await store.close();
    await dbs.pg.stop();
  }
});
