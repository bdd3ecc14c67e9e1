import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { accountResolver, controlPlaneSettings, parseDnsContext, readCdkContext } from '../../bin/context';
import { CDK_CONTEXT } from '../helpers/cdk-app';
import { thrownBy } from '../helpers/thrown';

describe('readCdkContext', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-context-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('Given no cdk.json, When read, Then the context is empty', () => {
    expect(readCdkContext(dir)).toEqual({});
  });

  test('Given a cdk.json, When read, Then its context is returned (and nothing for a context that is not an object)', () => {
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'x', context: { accounts: { default: '111111111111' } } }));
    expect(readCdkContext(dir)).toEqual({ accounts: { default: '111111111111' } });
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ context: ['x'] }));
    expect(readCdkContext(dir)).toEqual({});
  });

  test('Given a broken cdk.json, When read, Then one coded line names the file', () => {
    fs.writeFileSync(path.join(dir, 'cdk.json'), '{ "context": ');
    expect(thrownBy(() => readCdkContext(dir))).toMatchObject({ code: 'CLI_CDK_JSON_INVALID' });
    const file = path.join(dir, 'cdk.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(() => readCdkContext(dir)).toThrow(new RegExp(`^${file} is not valid JSON \\(.+\\); fix it or run from another folder\\.$`));
  });
});

describe('accounts', () => {
  test('Given a flavor without its own account, When resolved, Then default serves it', () => {
    expect(accountResolver({ default: '111111111111' })('new-flavor')).toBe('111111111111');
    expect(accountResolver({ 'us-australia': '222222222222', default: '111111111111' })('us-australia')).toBe('222222222222');
  });

  test.each([[{ x: '12' }], [{}], [{ x: '1234567890123' }], [{ x: 123456789012 as unknown as string }]])(
    'Given accounts %p, When x is resolved, Then APP_ACCOUNT_MISSING says what to add',
    (accounts) => {
      expect(thrownBy(() => accountResolver(accounts)('x'))).toMatchObject({
        code: 'APP_ACCOUNT_MISSING',
        message:
          `cdk.json context 'accounts': accounts.x: APP_ACCOUNT_MISSING: no 12-digit ` +
          `account for 'x' and no 'default'; add "x": "<account id>" or "default".`,
      });
    },
  );

  test('Given no accounts context at all, When a flavor is resolved, Then the same error', () => {
    expect(thrownBy(() => accountResolver(undefined)('global'))).toMatchObject({ code: 'APP_ACCOUNT_MISSING' });
  });
});

describe('controlPlaneSettings', () => {
  test('Given the example context in cdk.json, When read, Then it is valid', () => {
    expect(controlPlaneSettings(CDK_CONTEXT.controlPlane)).toEqual(
      expect.objectContaining({ hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' }),
    );
  });

  test('Given zone names copied from Route 53 with a trailing dot, When read, Then the dot is dropped', () => {
    const settings = controlPlaneSettings({
      ...(CDK_CONTEXT.controlPlane as object),
      zoneName: 'flavors.example.com.',
      endpointZone: 'endpoints.example.net.',
    });
    expect(settings.zoneName).toBe('flavors.example.com');
    expect(settings.endpointZone).toBe('endpoints.example.net');
  });

  test('Given no controlPlane context, When read, Then one line says what to add', () => {
    expect(thrownBy(() => controlPlaneSettings(undefined))).toMatchObject({ code: 'APP_CONTROL_PLANE_INVALID' });
    expect(() => controlPlaneSettings(undefined)).toThrow(
      /^cdk\.json context 'controlPlane': controlPlane: APP_CONTROL_PLANE_INVALID: it is missing or not an object; add e\.g\. \{ "regions": /,
    );
  });

  test('Given a bad shape, When read, Then every problem names its field', () => {
    expect(thrownBy(() => controlPlaneSettings({ regions: 'us-east-1', zoneName: '', identity: { issuer: 'x' } }))).toMatchObject({
      code: 'APP_CONTROL_PLANE_INVALID',
      message: [
        "cdk.json context 'controlPlane': controlPlane.regions: APP_CONTROL_PLANE_INVALID: controlPlane.regions must be a list of region names.",
        "cdk.json context 'controlPlane': controlPlane.hostedZoneId: " +
          'APP_CONTROL_PLANE_INVALID: controlPlane.hostedZoneId must be a non-empty string.',
        "cdk.json context 'controlPlane': controlPlane.zoneName: APP_CONTROL_PLANE_INVALID: controlPlane.zoneName must be a non-empty string.",
        "cdk.json context 'controlPlane': controlPlane.identity.jwksUrl: " +
          'APP_CONTROL_PLANE_INVALID: controlPlane.identity.jwksUrl must be a non-empty string.',
        "cdk.json context 'controlPlane': controlPlane.identity.audience: APP_CONTROL_PLANE_INVALID: " +
          'controlPlane.identity.audience is required: the deployed lookup service ' +
          "(API Gateway's JWT authorizer and the function) accepts only identity tokens " +
          'whose `aud` is this value, e.g. "flavors-lookup"; `npm run lookup:dev` needs none.',
      ].join('\n'),
    });
    expect(() => controlPlaneSettings({ hostedZoneId: 'Z1', zoneName: 'a.com', identity: null })).toThrow(
      "cdk.json context 'controlPlane': controlPlane.identity: APP_CONTROL_PLANE_INVALID: " +
        'controlPlane.identity must be an object with issuer, jwksUrl and audience.',
    );
  });
});

describe('parseDnsContext', () => {
  const ZONE = { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' };

  test('Given no dns context, When read, Then there is no DNS stack', () => {
    expect(parseDnsContext(undefined)).toBeUndefined();
  });

  test.each(['flavors.example.com', 'flavors.example.com.'])(
    'Given zone name %p, When read, Then it is kept without the trailing dot',
    (zoneName) => {
      expect(parseDnsContext({ hostedZoneId: 'Z0000000000000EXAMPLE', zoneName })).toEqual(ZONE);
    },
  );

  test('Given bad fields, When read, Then each is named', () => {
    expect(thrownBy(() => parseDnsContext({ hostedZoneId: 'zone-1', zoneName: 'Not A Domain' }))).toMatchObject({
      code: 'APP_DNS_INVALID',
      message: [
        "cdk.json context 'dns': dns.hostedZoneId: APP_DNS_INVALID: 'zone-1' must be a Route 53 hosted zone id such as 'Z0000000000000EXAMPLE'.",
        "cdk.json context 'dns': dns.zoneName: APP_DNS_INVALID: 'Not A Domain' must be a lower-case domain name such as 'flavors.example.com'.",
      ].join('\n'),
    });
  });

  test('Given a string instead of an object, When read, Then the shape is named', () => {
    expect(() => parseDnsContext('flavors.example.com')).toThrow(
      `cdk.json context 'dns': dns: APP_DNS_INVALID: must be an object { "hostedZoneId": "Z...", "zoneName": "example.com" }.`,
    );
  });
});
