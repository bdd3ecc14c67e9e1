import * as fs from 'fs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { devTokenCommand } from '../../bin/commands/dev-token';
import { DevIdentityIssuer } from '../../lib/lookup/runtime/dev-identity';
import { IdentityVerifier } from '../../lib/lookup/runtime/identity';
import { bufferIo, tempDir } from '../lib/lookup/runtime/lookup-fixtures';

describe('flavors dev-token', () => {
  const stateDir = tempDir('dev-token');
  afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  test('prints only a token that the dev issuer of the same state folder verifies', async () => {
    const io = bufferIo();
    expect(await devTokenCommand(['user-global', '--state-dir', stateDir, '--ttl', '120'], io)).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const token = io.stdout[0];
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'user-global', iss: 'flavors-dev-identity', aud: 'flavors-lookup' });
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    const issuer = await DevIdentityIssuer.load(stateDir);
    await expect(new IdentityVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks() }).verify(token)).resolves.toEqual({
      userId: 'user-global',
    });
  });

  test.each([
    [['a b', '--state-dir'], /^user id "a b" is malformed/],
    [['u-1', '--ttl', '0'], '--ttl must be a number of seconds from 1 to 86400.'],
    [['u-1', '--ttl', '1e9'], '--ttl must be a number of seconds from 1 to 86400.'],
    [[], /^expected: flavors dev-token <userId>/],
  ])('refuses %j', async (args, message) => {
    const fixed = args[1] === '--state-dir' ? [args[0], '--state-dir', stateDir] : [...args, '--state-dir', stateDir];
    await expect(devTokenCommand(fixed, bufferIo())).rejects.toThrow(message);
  });

  test('refuses a corrupted key file instead of overwriting it', async () => {
    const dir = tempDir('dev-token-bad');
    try {
      fs.writeFileSync(`${dir}/identity-key.json`, '{"not":"a key"}');
      await expect(devTokenCommand(['u-1', '--state-dir', dir], bufferIo())).rejects.toThrow(
        `${dir}/identity-key.json is not a dev key file; delete it and a new key is generated.`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
