import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FlavorsError } from '../../../lib/errors';
import { defineFlavor } from '../../../lib/flavor/define-flavor';
import { LOOKUP_SERVICE_ENTRY, LOOKUP_SERVICE_ROUTES, LookupService, type LookupServiceProps } from '../../../lib/lookup/lookup-service';
import { lookupFlavorsJson, parseLookupFlavors } from '../../../lib/lookup/runtime/flavor-config';
import { testApp } from '../../helpers/cdk-app';
import { REPO_FLAVORS } from '../../helpers/repo-flavors';

const ACCOUNT = '444444444444';
// The repository's flavors as modules: no sandboxed child process to load them (the loader has its own tests).
const FLAVORS = REPO_FLAVORS;
const IDENTITY = { issuer: 'https://login.example.com/', jwksUrl: 'https://login.example.com/.well-known/jwks.json', audience: 'flavors-lookup' };
type Overrides = Partial<Omit<LookupServiceProps, 'tableKey' | 'hostedZone'>>;

function build(overrides: Overrides = {}, context: Record<string, unknown> = {}, region = 'eu-central-1') {
  const app = testApp(context);
  const stack = new Stack(app, 'Service', { env: { account: ACCOUNT, region } });
  const tableKey = new kms.Key(stack, 'TableKey');
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: 'Z0000000000000EXAMPLE',
    zoneName: 'flavors.example.com',
  });
  const service = new LookupService(stack, 'LookupService', { tableKey, hostedZone, flavors: FLAVORS, identity: IDENTITY, ...overrides });
  return { app, stack, service };
}

function errorOf(overrides: Overrides): string {
  try {
    build(overrides);
  } catch (err) {
    expect((err as FlavorsError).code).toBe('LOOKUP_SERVICE_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected LookupService to throw');
}

/** lambda.ts documents its variables in a table in its header: `| \`NAME\` | yes/no | meaning |`. */
function documentedVariables(): { name: string; required: boolean }[] {
  const header = fs.readFileSync(LOOKUP_SERVICE_ENTRY, 'utf-8');
  return [...header.matchAll(/^ \* \| `([A-Z_]+)`\s*\| (yes|no)\s*\|/gm)].map((m) => ({ name: m[1], required: m[2] === 'yes' }));
}

describe('LookupService', () => {
  const { stack, service } = build();
  const template = Template.fromStack(stack);
  const fn = () => Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties;

  test('a nodejs22.x arm64 function running lambda.ts with JSON logs into its own log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 10,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^LookupServiceFunctionLogs') } },
    });
    expect(fs.existsSync(LOOKUP_SERVICE_ENTRY)).toBe(true);
  });

  test('sets every variable lambda.ts requires, and only variables it documents', () => {
    const documented = documentedVariables();
    expect(documented.length).toBeGreaterThanOrEqual(5);
    const env = fn().Environment.Variables as Record<string, unknown>;
    for (const v of documented.filter((d) => d.required)) expect(Object.keys(env)).toContain(v.name);
    const ours = Object.keys(env).filter((k) => k !== 'NODE_OPTIONS');
    expect(ours.filter((k) => !documented.some((d) => d.name === k))).toEqual([]);
    expect(env).toEqual(
      expect.objectContaining({
        LOOKUP_TABLE_NAME: 'flavors-lookup',
        LOOKUP_SIGNING_KEY_ID: { 'Fn::GetAtt': [expect.stringMatching(/^LookupServiceSigningKey/), 'Arn'] },
        LOOKUP_IDENTITY_ISSUER: IDENTITY.issuer,
        LOOKUP_IDENTITY_JWKS_URL: IDENTITY.jwksUrl,
        LOOKUP_IDENTITY_AUDIENCE: 'flavors-lookup',
        LOOKUP_ENDPOINT_ZONE: 'flavors.example.com',
      }),
    );
  });

  test('the flavors are compiled into the code, not put in the 4 KB environment', () => {
    expect(fn().Environment.Variables.LOOKUP_FLAVORS).toBeUndefined();
  });

  test('fifty flavors fit: the routing table has no environment size limit', () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      defineFlavor({
        name: `gen-${i}`,
        residency: 'global',
        regions: [
          { region: 'us-east-1', role: 'primary' },
          { region: 'eu-west-1', role: 'fallback' },
          { region: 'ap-southeast-2', role: 'fallback' },
        ],
      }),
    );
    const { stack } = build({ flavors: many });
    const variables = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    expect(JSON.stringify(variables).length).toBeLessThan(4096);
    expect(parseLookupFlavors(lookupFlavorsJson(many))).toHaveLength(50);
  });

  test(
    "the role may read only this region's table replica, decrypt it only through " +
      'DynamoDB, sign only RAW ECDSA_SHA_256 with its key, write only its logs',
    () => {
      const policies = Object.values(template.findResources('AWS::IAM::Policy'));
      expect(policies).toHaveLength(1);
      expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
        {
          Sid: 'ReadLookupTableReplica',
          Effect: 'Allow',
          Action: 'dynamodb:BatchGetItem',
          Resource: `arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/flavors-lookup`,
        },
        {
          Sid: 'DecryptLookupTableThroughDynamoDb',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:DescribeKey'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TableKey/), 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } },
        },
        {
          Sid: 'CertifyTokenSigningKeys',
          Effect: 'Allow',
          Action: 'kms:Sign',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LookupServiceSigningKey/), 'Arn'] },
          Condition: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' } },
        },
        {
          Sid: 'PublishRootPublicKey',
          Effect: 'Allow',
          Action: 'kms:GetPublicKey',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LookupServiceSigningKey/), 'Arn'] },
        },
        {
          Sid: 'WriteOwnLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LookupServiceFunctionLogs/), 'Arn'] },
        },
      ]);
      // No managed policies: nothing beyond the statements above.
      template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    },
  );

  test('signs with a retained ECC_NIST_P256 key of this region', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/flavors/lookup-signing' });
    expect(service.signingKey.keyArn).toBeDefined();
  });

  test('function and access logs are encrypted with a rotating key, kept one year, retained', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(365);
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LookupServiceLogKey/), 'Arn'] });
      expect(group.DeletionPolicy).toBe('Retain');
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logs.eu-central-1.amazonaws.com' } })]) },
    });
  });

  test('only GET on the two service paths reaches the function, and only through the custom domains', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual(LOOKUP_SERVICE_ROUTES.map((p) => `GET ${p}`).sort());
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', DisableExecuteApiEndpoint: true });
  });

  test('API Gateway checks the identity token (issuer and audience) on the route; only the JWKS route is public', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: IDENTITY.issuer, Audience: ['flavors-lookup'] },
    });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const byKey = Object.fromEntries(routes.map((r) => [r.RouteKey, r]));
    expect(byKey['GET /v1/spaces/{spaceId}/route']).toEqual(
      expect.objectContaining({ AuthorizationType: 'JWT', AuthorizerId: { Ref: expect.stringMatching(/IdentityAuthorizer/) } }),
    );
    expect(byKey['GET /.well-known/jwks.json'].AuthorizerId).toBeUndefined();
  });

  test('API Gateway may invoke the function for this API and this account only', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
    expect(permissions).toHaveLength(LOOKUP_SERVICE_ROUTES.length);
    for (const p of permissions)
      expect(p).toEqual(expect.objectContaining({ Principal: 'apigateway.amazonaws.com', SourceAccount: ACCOUNT, SourceArn: expect.anything() }));
  });

  test('the 5xx alarm notifies an encrypted, TLS-only topic in ALARM and OK', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LookupServiceLogKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'CloudWatchAlarmsPublishToEncryptedTopic', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    // Given a topic of the caller's, the alarm notifies it and the service creates none
    const own = new Stack(testApp(), 'Own', { env: { account: ACCOUNT, region: 'eu-central-1' } });
    const topic = new sns.Topic(own, 'OnCall');
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(own, 'Zone', {
      hostedZoneId: 'Z0000000000000EXAMPLE',
      zoneName: 'flavors.example.com',
    });
    new LookupService(own, 'LookupService', {
      tableKey: new kms.Key(own, 'TableKey'),
      hostedZone,
      flavors: FLAVORS,
      identity: IDENTITY,
      alarmTopic: topic,
    });
    const t = Template.fromStack(own);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: own.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }] });
  });

  test('no key of the service lets anyone create a grant that is not for an AWS resource', () => {
    const keys = Object.entries(template.findResources('AWS::KMS::Key'))
      .filter(([id]) => id.startsWith('LookupService'))
      .map(([, k]) => k);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key.Properties.KeyPolicy.Statement).toEqual(
        expect.arrayContaining([
          {
            Sid: 'DenyGrantsNotForAwsResources',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          },
        ]),
      );
    }
  });

  test('the stage is throttled and logs access without caller IP or user agent', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LookupServiceAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
    const stageResource = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    expect(stageResource.Properties.AccessLogSettings.Format).not.toMatch(/sourceIp|userAgent/);
  });

  test('the shared and the regional name, TLS 1.2, with one DNS-validated certificate', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'lookup.flavors.example.com',
      SubjectAlternativeNames: ['eu-central-1.lookup.flavors.example.com'],
      ValidationMethod: 'DNS',
      DomainValidationOptions: Match.arrayWith([{ DomainName: 'lookup.flavors.example.com', HostedZoneId: 'Z0000000000000EXAMPLE' }]),
    });
    const domains = Object.values(template.findResources('AWS::ApiGatewayV2::DomainName')).map((d) => d.Properties);
    expect(domains.map((d) => d.DomainName).sort()).toEqual(['eu-central-1.lookup.flavors.example.com', 'lookup.flavors.example.com']);
    for (const d of domains)
      expect(d.DomainNameConfigurations).toEqual([expect.objectContaining({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })]);
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 2);
    expect(service.serviceName).toBe('lookup.flavors.example.com');
    expect(service.regionalServiceName).toBe('eu-central-1.lookup.flavors.example.com');
  });

  test('a latency record for this region, withdrawn by a health check on the 5xx alarm', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'lookup.flavors.example.com.',
      Type: 'A',
      Region: 'eu-central-1',
      SetIdentifier: 'lookup-eu-central-1',
      HostedZoneId: 'Z0000000000000EXAMPLE',
      HealthCheckId: { Ref: Match.stringLikeRegexp('^LookupServiceHealthCheck') },
      AliasTarget: Match.objectLike({ DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LookupServiceDomainName'), 'RegionalDomainName'] } }),
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'eu-central-1.lookup.flavors.example.com.',
      Type: 'A',
      SetIdentifier: Match.absent(),
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Region: 'eu-central-1', Name: { Ref: Match.stringLikeRegexp('^LookupServiceServerErrorAlarm') } },
        InsufficientDataHealthStatus: 'LastKnownStatus',
      }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 25,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('options reach the template', () => {
    const { stack: s } = build({
      recordName: 'route',
      memorySizeMiB: 1024,
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      endpointZone: 'eu.example.org',
      tokenIssuer: 'https://route.example.com',
      tokenTtlSeconds: 120,
      tableName: 'lookup-staging',
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Environment: {
        Variables: Match.objectLike({
          LOOKUP_TABLE_NAME: 'lookup-staging',
          LOOKUP_ENDPOINT_ZONE: 'eu.example.org',
          LOOKUP_TOKEN_ISSUER: 'https://route.example.com',
          LOOKUP_TOKEN_TTL_SECONDS: '120',
        }),
      },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'route.flavors.example.com' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Resource: `arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/lookup-staging` })]),
      },
    });
  });

  test('the optional variables are left out when not configured', () => {
    // (the shared service above is built without overrides)
    const env = fn().Environment.Variables;
    expect(env.LOOKUP_IDENTITY_AUDIENCE).toBe('flavors-lookup');
    expect(env.LOOKUP_TOKEN_ISSUER).toBeUndefined();
    expect(env.LOOKUP_TOKEN_TTL_SECONDS).toBeUndefined();
  });
});

describe('LookupService bundling', () => {
  test('bundles lambda.ts once with the local esbuild (no Docker), minified with a source map and the AWS SDK inside', () => {
    // Given a synth (bundling runs in-process with the local esbuild, cached by content)
    // and a Docker command that cannot run, so any attempt to bundle in a container fails the synth
    const docker = process.env.CDK_DOCKER;
    process.env.CDK_DOCKER = '/nonexistent/docker-must-not-run';
    let built: ReturnType<typeof build> | undefined;
    let assembly: ReturnType<ReturnType<typeof build>['app']['synth']> | undefined;
    try {
      built = build({}, {});
      // When
      assembly = built.app.synth();
    } finally {
      if (docker === undefined) delete process.env.CDK_DOCKER;
      else process.env.CDK_DOCKER = docker;
    }
    // Then the function's asset is a staged directory holding the bundle
    const assets = fs.readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const dir = path.join(assembly.directory, assets[0]);
    expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
    const bundle = fs.readFileSync(path.join(dir, 'index.js'), 'utf-8');
    // (booleans, not string matchers: a failure must not print 600 KB of bundle)
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle.includes('TrentService')).toBe(true); // the KMS API's target prefix: the SDK client is bundled
    expect(/require\("@aws-sdk\/client-/.test(bundle)).toBe(false); // ... and not left to the runtime's copy
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(2000); // minified: long lines
    for (const flavor of FLAVORS) expect(bundle.includes(flavor.name)).toBe(true); // the routing table is compiled in

    // And the bundle runs with the environment the template gives it: configured (401, not the
    // 500 of a misconfigured function), without touching AWS
    const env = Template.fromStack(built.stack).toJSON().Resources;
    const variables = Object.values(
      env as Record<string, { Type: string; Properties: { Environment: { Variables: Record<string, unknown> } } }>,
    ).find((r) => r.Type === 'AWS::Lambda::Function')!.Properties.Environment.Variables;
    const literal = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : 'arn:aws:kms:eu-central-1:444444444444:key/test']),
    );
    const run = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.join(dir, 'index.js'))}).handler({ rawPath: '/v1/spaces/space-1/route', ` +
          `requestContext: { http: { method: 'GET' } }, headers: {} }).then((r) => process.stdout.write(JSON.stringify(r)))`,
      ],
      {
        encoding: 'utf-8',
        timeout: 30_000,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-central-1',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          AWS_EC2_METADATA_DISABLED: 'true',
          ...literal,
        },
      },
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ statusCode: 401 }));
  });
});

describe('LookupService validation', () => {
  test('recordName must be one DNS label', () => {
    expect(errorOf({ recordName: 'Lookup.Api' })).toContain("recordName must be one DNS label (a-z, 0-9, '-'), got 'Lookup.Api'");
  });

  test('identity issuer, audience and JWKS URL', () => {
    expect(errorOf({ identity: { issuer: ' ', jwksUrl: 'http://login.example.com/jwks', audience: '' } })).toBe(
      [
        'LookupService Service/LookupService: identity.issuer: LOOKUP_SERVICE_INVALID: identity.issuer must not be empty',
        'LookupService Service/LookupService: identity.audience: LOOKUP_SERVICE_INVALID: identity.audience ' +
          "is required: the `aud` the identity tokens of this service carry, e.g. 'flavors-lookup'",
        'LookupService Service/LookupService: identity.jwksUrl: LOOKUP_SERVICE_INVALID: ' +
          "identity.jwksUrl must be an https:// URL, got 'http://login.example.com/jwks'",
      ].join('\n'),
    );
  });

  test.each([
    ['memorySizeMiB', 64, 128, 10240],
    ['throttleRateLimit', 0, 1, 10000],
    ['throttleBurstLimit', 5001, 1, 5000],
    ['unhealthy5xxPerMinute', 0.5, 1, 1000000],
    ['tokenTtlSeconds', 301, 1, 300],
  ] as const)('%s %p is out of range', (name, value, min, max) => {
    expect(errorOf({ [name]: value })).toContain(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  });

  test('a region-agnostic stack is refused', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'flavors.example.com' });
    expect(
      () => new LookupService(stack, 'LookupService', { tableKey: new kms.Key(stack, 'K'), hostedZone, flavors: FLAVORS, identity: IDENTITY }),
    ).toThrow(/the stack needs an explicit env region/);
  });
});
