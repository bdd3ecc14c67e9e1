import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4Signer } from '../../../../lib/lookup/runtime/sigv4';
import { Sha256 } from './lookup-fixtures';

// AWS's published Signature Version 4 example credentials (the sigv4 test suite's).
const EXAMPLE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const AT = new Date('2015-08-30T12:36:00Z');

describe('SigV4Signer', () => {
  test("Given the sigv4 test suite's get-vanilla request, when signed, then the signature is the published one", () => {
    const headers = new SigV4Signer('us-east-1', 'service').sign(
      { method: 'GET', host: 'example.amazonaws.com', path: '/', headers: {}, body: '' },
      EXAMPLE,
      AT,
    );
    expect(headers).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    });
  });

  test.each([
    ['long-term credentials', EXAMPLE],
    ['session credentials', { ...EXAMPLE, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes==' }],
  ])('Given a DynamoDB BatchGetItem with %s, when signed, then the headers equal those of the AWS SDK signer', async (_, credentials) => {
    const body = JSON.stringify({
      RequestItems: { 'flavors-lookup': { Keys: [{ pk: { S: 'SPACE#s-1' }, sk: { S: 'SPACE' } }], ConsistentRead: true } },
    });
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.BatchGetItem' };
    const host = 'dynamodb.eu-central-1.amazonaws.com';
    const ours = new SigV4Signer('eu-central-1', 'dynamodb').sign({ method: 'POST', host, path: '/', headers, body }, credentials, AT);
    // applyChecksum: false — the SDK signer's optional x-amz-content-sha256 header, which DynamoDB does not need.
    const sdk = await new SignatureV4({ credentials, region: 'eu-central-1', service: 'dynamodb', sha256: Sha256, applyChecksum: false }).sign(
      { method: 'POST', protocol: 'https:', hostname: host, path: '/', headers: { ...headers, host }, body },
      { signingDate: AT },
    );
    expect(ours.authorization).toBe(sdk.headers.authorization);
    expect(ours['x-amz-date']).toBe(sdk.headers['x-amz-date']);
    expect(ours['x-amz-security-token']).toBe(sdk.headers['x-amz-security-token']);
  });

  test('Given a new day or a new secret, when signing, then the signing key is derived again', () => {
    const signer = new SigV4Signer('us-east-1', 'dynamodb');
    const request = { method: 'POST', host: 'h', path: '/', headers: {}, body: '{}' };
    const first = signer.sign(request, EXAMPLE, AT).authorization;
    const nextDay = signer.sign(request, EXAMPLE, new Date('2015-08-31T12:36:00Z')).authorization;
    const rotated = signer.sign(request, { ...EXAMPLE, secretAccessKey: 'other' }, AT).authorization;
    expect(new Set([first, nextDay, rotated]).size).toBe(3);
    expect(signer.sign(request, EXAMPLE, AT).authorization).toBe(first);
  });
});
