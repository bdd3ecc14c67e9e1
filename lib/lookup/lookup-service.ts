import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { addGrantGuard } from '../keys/grant-guard';
import { inPacks, suppressInlineRolePolicy, suppressNag } from '../nag-suppressions';
import type { Flavor } from '../flavor/types';
import { LOOKUP_SERVICE_DEFAULTS, LOOKUP_TABLE_DEFAULTS } from './defaults';
import { bundleLookupService } from './lookup-bundle';
import { addLookupRoutes } from './lookup-routes';
import { validateLookupServiceProps } from './lookup-service-validate';
import { lookupFlavorsJson } from './runtime/flavor-config';

/**
 * The Lambda entry point of the service: `runtime/lambda.ts`, exporting `handler` (`lambda.js` when
 * this module runs from the compiled package, which ships no TypeScript sources).
 */
export const LOOKUP_SERVICE_ENTRY =
  ['lambda.ts', 'lambda.js'].map((f) => path.join(__dirname, 'runtime', f)).find((f) => fs.existsSync(f)) ??
  path.join(__dirname, 'runtime', 'lambda.ts');

export { LOOKUP_SERVICE_PUBLIC_ROUTES, LOOKUP_SERVICE_ROUTES } from './lookup-routes';

/** Who signs the identity tokens callers send as `Authorization: Bearer`. */
export interface LookupIdentityProvider {
  /** `iss` of the identity tokens. */
  readonly issuer: string;
  /** `https://` URL of the issuer's JWKS. */
  readonly jwksUrl: string;
  /**
   * `aud` the identity tokens must carry. Required: without it a token the issuer minted for any
   * other application of the organisation would open the lookup service.
   */
  readonly audience: string;
}

export interface LookupServiceProps {
  /** Name of the global lookup table; the service reads the replica in its own region. @default 'flavors-lookup' */
  readonly tableName?: string;
  /** The key encrypting the table replica in this region (DynamoDB decrypts with the caller's `kms:Decrypt`). */
  readonly tableKey: kms.IKey;
  /** Public hosted zone the service name, its certificate validation and latency record go into. */
  readonly hostedZone: route53.IHostedZone;
  /** Host label of the service name, shared by every region: `<recordName>.<zone>`. @default 'lookup' */
  readonly recordName?: string;
  /** Flavors the service routes to (`loadFlavorsOrThrow`); their routing data goes into the function's environment. */
  readonly flavors: readonly Flavor[];
  /** The identity provider whose tokens callers present. */
  readonly identity: LookupIdentityProvider;
  /** DNS zone of the flavor endpoints the tokens are for (`https://<region>.<flavor>.<zone>`). @default the hosted zone's name */
  readonly endpointZone?: string;
  /** `iss` of the flavor tokens. @default 'flavors-lookup' (the runtime's default) */
  readonly tokenIssuer?: string;
  /** Lifetime of a flavor token, 1 to 300 seconds. @default 300 (the runtime's default) */
  readonly tokenTtlSeconds?: number;
  /** Alias of the token-signing key in this region. @default 'alias/flavors/lookup-signing' */
  readonly signingKeyAlias?: string;
  /** @default 512 */
  readonly memorySizeMiB?: number;
  /** Retention of the function and access logs. @default one year */
  readonly logRetention?: logs.RetentionDays;
  /** Steady-state requests per second of this region's API. @default 500 */
  readonly throttleRateLimit?: number;
  /** Burst of this region's API. @default 1000 */
  readonly throttleBurstLimit?: number;
  /** 5xx responses per minute (3 minutes in a row) that take this region out of DNS. @default 25 */
  readonly unhealthy5xxPerMinute?: number;
  /**
   * Topic the service's alarms notify (in ALARM and back to OK); subscribe the on-call to it.
   * @default a topic of this service, encrypted with its log key, TLS-only
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The lookup service in one control-plane region: a Lambda function (nodejs22.x, arm64, bundled
 * offline by the local esbuild) behind an HTTP API on the shared name `<recordName>.<zone>` (a
 * latency record for this region, withdrawn while the region answers with 5xx) and on this
 * region's own name `<region>.<recordName>.<zone>`.
 * Guarantees: the function may only read this region's replica of the table (BatchGetItem) and
 * sign with this region's ECC_NIST_P256 key (ECDSA_SHA_256, RAW: certificates of its own
 * short-lived token-signing keys, not tokens); logs are encrypted, retained for a bounded time and
 * carry no caller IP; the API is throttled and reachable only through its custom domains (TLS 1.2).
 */
export class LookupService extends Construct {
  /** The service function. */
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /**
   * The region's root of trust for flavor tokens (asymmetric, the private half never leaves KMS):
   * it certifies the function's short-lived token-signing keys, once per key.
   */
  readonly signingKey: kms.Key;
  /** Key encrypting the function and access log groups. */
  readonly logKey: kms.Key;
  readonly api: apigwv2.HttpApi;
  /** The latency-routed service name, e.g. `lookup.flavors.example.com`. */
  readonly serviceName: string;
  /** This region's own name, e.g. `eu-central-1.lookup.flavors.example.com` (its JWKS, diagnostics). */
  readonly regionalServiceName: string;
  /** Withdraws this region from the latency record while its API answers with 5xx. */
  readonly healthCheck: route53.HealthCheck;
  /** Where the service's alarms go. */
  readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: LookupServiceProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = stack.region;
    const d = LOOKUP_SERVICE_DEFAULTS;
    const tableName = props.tableName ?? LOOKUP_TABLE_DEFAULTS.tableName;
    const recordName = props.recordName ?? d.recordName;
    const memorySize = props.memorySizeMiB ?? d.memorySizeMiB;
    const rateLimit = props.throttleRateLimit ?? d.throttleRateLimit;
    const burstLimit = props.throttleBurstLimit ?? d.throttleBurstLimit;
    const unhealthy5xx = props.unhealthy5xxPerMinute ?? d.unhealthy5xxPerMinute;
    validateLookupServiceProps(this.node.path, props, { region, recordName, memorySize, rateLimit, burstLimit, unhealthy5xx });
    this.serviceName = `${recordName}.${props.hostedZone.zoneName}`;
    this.regionalServiceName = `${region}.${this.serviceName}`;
    const retention = props.logRetention ?? d.logRetention;

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'flavors: root of trust of lookup-service flavor tokens in this region (certifies short-lived ES256 signing keys)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      alias: props.signingKeyAlias ?? d.signingKeyAlias,
      pendingWindow: d.keyPendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    addGrantGuard(this.signingKey);

    this.logKey = new kms.Key(this, 'LogKey', {
      description: 'flavors: encrypts the lookup service function and access logs in this region',
      enableKeyRotation: true,
      pendingWindow: d.keyPendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs uses the key on behalf of this account's log groups in this region only.
    this.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    addGrantGuard(this.logKey);
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic(region);
    const functionLogs = new logs.LogGroup(this, 'FunctionLogs', { encryptionKey: this.logKey, retention, removalPolicy: RemovalPolicy.RETAIN });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { encryptionKey: this.logKey, retention, removalPolicy: RemovalPolicy.RETAIN });

    this.role = this.createRole(stack, tableName, props.tableKey, functionLogs);
    this.function = new lambda.Function(this, 'Resource', {
      // Bundled in-process with the local esbuild and cached by content (see lookup-bundle.ts): the
      // pinned AWS SDK is inside, and the flavors' routing table is compiled in, not put in the
      // 4 KB environment (see lambda.ts).
      code: lambda.Code.fromAsset(bundleLookupService({ entry: LOOKUP_SERVICE_ENTRY, flavorsJson: lookupFlavorsJson(props.flavors) })),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: d.timeout,
      role: this.role,
      logGroup: functionLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: this.environment(props, tableName),
    });

    suppressNag(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime the project pins for the service (DESIGN.md); a newer Node ' +
          'major is adopted deliberately once the runtime code is tested on it, not by a silent bump.',
      },
      {
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason:
          "The API stage throttle (500 requests/s, burst 1000 per region) bounds the function's concurrency; " +
          'reserving concurrency would take it from the account pool and add a second limit to keep in step.',
      },
      {
        id: 'NIST.800.53.R5-LambdaDLQ',
        reason:
          'API Gateway invokes the function synchronously; a failed request is answered to the ' +
          'caller with 5xx and counted by the alarm, there is no event to keep in a dead-letter queue.',
      },
      ...inPacks(
        'LambdaInsideVPC',
        'The function reads DynamoDB and KMS over their public AWS endpoints with IAM auth and reaches no private ' +
          'resource; a VPC would add NAT or endpoints and cold-start cost and protect nothing (lib/lookup/README.md).',
      ),
    ]);
    suppressInlineRolePolicy(this.role.node.findChild('DefaultPolicy'));

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: `flavors lookup service (${region})`,
      createDefaultStage: false,
      disableExecuteApiEndpoint: true,
    });
    addLookupRoutes(this.api, this.function, props.identity, stack.account);

    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: this.serviceName,
      subjectAlternativeNames: [this.regionalServiceName],
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
    const sharedDomain = this.domain('DomainName', this.serviceName, certificate);
    const regionalDomain = this.domain('RegionalDomainName', this.regionalServiceName, certificate);
    const stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      domainMapping: { domainName: sharedDomain },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No source IP or user agent: routing needs neither, and they would be personal data.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            responseLength: '$context.responseLength',
          }),
        ),
      },
    });
    new apigwv2.ApiMapping(this, 'RegionalMapping', { api: this.api, domainName: regionalDomain, stage });

    const alarm = new cloudwatch.Alarm(this, 'ServerErrorAlarm', {
      alarmDescription: `flavors lookup service in ${region} answers with 5xx; Route 53 withdraws the region from ${this.serviceName}`,
      metric: stage.metricServerError({ period: Duration.minutes(1) }),
      threshold: unhealthy5xx,
      evaluationPeriods: d.unhealthyEvaluationMinutes,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    alarm.addOkAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: route53.HealthCheckType.CLOUDWATCH_METRIC,
      alarmIdentifier: { region, name: alarm.alarmName },
      insufficientDataHealthStatus: route53.InsufficientDataHealthStatusEnum.LAST_KNOWN_STATUS,
    });
    new route53.ARecord(this, 'LatencyRecord', {
      zone: props.hostedZone,
      recordName: this.serviceName,
      target: route53.RecordTarget.fromAlias(
        new targets.ApiGatewayv2DomainProperties(sharedDomain.regionalDomainName, sharedDomain.regionalHostedZoneId),
      ),
      region,
      setIdentifier: `lookup-${region}`,
      healthCheck: this.healthCheck,
    });
    new route53.ARecord(this, 'RegionalRecord', {
      zone: props.hostedZone,
      recordName: this.regionalServiceName,
      target: route53.RecordTarget.fromAlias(
        new targets.ApiGatewayv2DomainProperties(regionalDomain.regionalDomainName, regionalDomain.regionalHostedZoneId),
      ),
    });
  }

  /** A TLS-only topic encrypted with the log key, which CloudWatch may use to publish alarms to it. */
  private createAlarmTopic(region: string): sns.Topic {
    this.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    return new sns.Topic(this, 'AlarmTopic', {
      displayName: `flavors lookup service alarms (${region})`,
      masterKey: this.logKey,
      enforceSSL: true,
    });
  }

  private domain(id: string, name: string, certificate: acm.ICertificate): apigwv2.DomainName {
    return new apigwv2.DomainName(this, id, {
      domainName: name,
      certificate,
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });
  }

  /** Exactly what lambda.ts documents, on this region's resources only. */
  private createRole(stack: Stack, tableName: string, tableKey: kms.IKey, functionLogs: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "flavors lookup service: read this region's lookup table replica, sign with this region's key, write its logs",
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadLookupTableReplica',
        actions: ['dynamodb:BatchGetItem'],
        resources: [stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName })],
      }),
    );
    // The table is encrypted with a customer-managed key: DynamoDB decrypts with the caller's permission.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptLookupTableThroughDynamoDb',
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [tableKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
      }),
    );
    // KMS certifies the function's short-lived token-signing keys (one Sign per key, not per
    // token): only the one algorithm and RAW messages, as KmsSigner sends them.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CertifyTokenSigningKeys',
        actions: ['kms:Sign'],
        resources: [this.signingKey.keyArn],
        conditions: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishRootPublicKey',
        actions: ['kms:GetPublicKey'],
        resources: [this.signingKey.keyArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [functionLogs.logGroupArn],
      }),
    );
    return role;
  }

  /** The variables lambda.ts reads (see its header). */
  private environment(props: LookupServiceProps, tableName: string): Record<string, string> {
    const env: Record<string, string> = {
      LOOKUP_TABLE_NAME: tableName,
      LOOKUP_SIGNING_KEY_ID: this.signingKey.keyArn,
      LOOKUP_IDENTITY_ISSUER: props.identity.issuer,
      LOOKUP_IDENTITY_JWKS_URL: props.identity.jwksUrl,
      LOOKUP_IDENTITY_AUDIENCE: props.identity.audience,
      LOOKUP_ENDPOINT_ZONE: props.endpointZone ?? props.hostedZone.zoneName,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.tokenIssuer !== undefined) env.LOOKUP_TOKEN_ISSUER = props.tokenIssuer;
    if (props.tokenTtlSeconds !== undefined) env.LOOKUP_TOKEN_TTL_SECONDS = String(props.tokenTtlSeconds);
    return env;
  }
}
