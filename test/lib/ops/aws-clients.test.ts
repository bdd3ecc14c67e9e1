import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { assertAwsCredentials, createAwsClients } from '../../../lib/ops/aws-clients';
import { FlavorsError } from '../../../lib/errors';
import { mockClient } from 'aws-sdk-client-mock';

describe('assertAwsCredentials', () => {
  test('passes when the provider chain resolves', async () => {
    await expect(assertAwsCredentials(() => Promise.resolve({ accessKeyId: 'a', secretAccessKey: 'b' }))).resolves.toBeUndefined();
  });

  test('no credentials: one line with OPS_NO_CREDENTIALS and what to do', async () => {
    const err = await assertAwsCredentials(() =>
      Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(FlavorsError);
    expect(err.code).toBe('OPS_NO_CREDENTIALS');
    expect(err.message).toMatch(/^no AWS credentials found \(.*\); configure a profile or AWS_\* variables$/);
    expect(err.message).not.toContain('\n');
  });

  test('a provider that hangs (instance metadata off EC2) gives up after the timeout', async () => {
    const err = await assertAwsCredentials(() => new Promise(() => {}), 20).catch((e) => e);
    expect(err).toMatchObject({ code: 'OPS_NO_CREDENTIALS', message: expect.stringContaining('resolving them took longer than 20 ms') });
  });
});

describe('createAwsClients', () => {
  test('one set of clients per region, Route 53 shared and addressed in us-east-1', async () => {
    const clientsFor = createAwsClients();
    const sydney = clientsFor('ap-southeast-2');
    expect(clientsFor('ap-southeast-2')).toBe(sydney);
    expect(sydney.ec2).toBeInstanceOf(EC2Client);
    expect(await sydney.ec2.config.region()).toBe('ap-southeast-2');
    expect(await sydney.dynamodb.config.region()).toBe('ap-southeast-2');
    expect(clientsFor('us-east-1').route53).toBe(sydney.route53);
    expect(sydney.route53).toBeInstanceOf(Route53Client);
    expect(await sydney.route53.config.region()).toBe('us-east-1');
  });

  test('a CloudWatch client per region, replaceable by aws-sdk-client-mock like the others', async () => {
    const clientsFor = createAwsClients();
    const sydney = clientsFor('ap-southeast-2');
    expect(sydney.cloudwatch).toBeInstanceOf(CloudWatchClient);
    expect(await sydney.cloudwatch.config.region()).toBe('ap-southeast-2');
    expect(await clientsFor('us-east-1').cloudwatch.config.region()).toBe('us-east-1');
    const cloudwatch = mockClient(CloudWatchClient);
    try {
      cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Maximum: 7 }] });
      await expect(
        sydney.cloudwatch.send(
          new GetMetricStatisticsCommand({
            Namespace: 'AWS/RDS',
            MetricName: 'ReplicaLag',
            StartTime: new Date(0),
            EndTime: new Date(60_000),
            Period: 60,
          }),
        ),
      ).resolves.toMatchObject({ Datapoints: [{ Maximum: 7 }] });
    } finally {
      cloudwatch.restore();
    }
  });
});
