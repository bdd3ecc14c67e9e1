import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FlavorsError } from '../../lib/errors';
import { checkSuppressionReason, inPacks, suppressNag } from '../../lib/nag-suppressions';
import { testApp } from '../helpers/cdk-app';

describe('checkSuppressionReason', () => {
  test.each(['', '   ', 'n/a', 'N/A.', 'none', 'TODO', 'false positive', 'ok', 'fine', '-', 'short reason only'])('refuses %p', (reason) => {
    expect(() => checkSuppressionReason({ id: 'AwsSolutions-IAM4', reason })).toThrow(
      new FlavorsError(
        'NAG_SUPPRESSION_REASON',
        `cdk-nag suppression of AwsSolutions-IAM4 needs a specific reason (25+ characters saying why it is safe), got '${reason}'.`,
      ),
    );
  });

  test('accepts a reason a reviewer can judge', () => {
    expect(() =>
      checkSuppressionReason({
        id: 'AwsSolutions-IAM4',
        reason: 'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
      }),
    ).not.toThrow();
  });

  test.each(['AwsSolutions-IAM4', 'AwsSolutions-IAM5'])('refuses a blanket suppression of %s: each managed policy or wildcard is named', (id) => {
    const reason = 'A reason that would be long enough to be judged fairly.';
    for (const s of [
      { id, reason },
      { id, reason, appliesTo: [] },
      { id, reason, applies_to: [] },
    ]) {
      expect(() => checkSuppressionReason(s)).toThrow(
        new FlavorsError(
          'NAG_SUPPRESSION_BLANKET',
          `cdk-nag suppression of ${id} must name each finding it accepts in appliesTo (e.g. 'Resource::*'), not the whole rule.`,
        ),
      );
    }
    expect(() => checkSuppressionReason({ id, reason, applies_to: ['Resource::*'] })).not.toThrow();
  });
});

describe('suppressNag', () => {
  const queue = () => {
    const stack = new Stack(testApp(), 'S');
    return { stack, queue: new sqs.Queue(stack, 'Q') };
  };

  test('writes the cdk_nag metadata cdk-nag reads on the default child', () => {
    const { stack, queue: q } = queue();
    suppressNag(q, [{ id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of the ingest pipeline.' }]);
    Template.fromStack(stack).hasResource('AWS::SQS::Queue', {
      Metadata: {
        cdk_nag: { rules_to_suppress: [{ id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of the ingest pipeline.' }] },
      },
    });
  });

  test('merges with earlier suppressions, the later reason winning for the same rule', () => {
    const { stack, queue: q } = queue();
    suppressNag(q, [{ id: 'AwsSolutions-SQS3', reason: 'First reason, long enough to be judged fairly.' }]);
    suppressNag(q, [
      { id: 'AwsSolutions-SQS3', reason: 'Second reason, long enough to be judged fairly.' },
      { id: 'AwsSolutions-SQS4', reason: 'Only reachable through the VPC endpoint with TLS enforced.' },
    ]);
    const metadata = Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue'))[0].Metadata.cdk_nag.rules_to_suppress;
    expect(metadata.map((s: { id: string; reason: string }) => s.reason)).toEqual([
      'Second reason, long enough to be judged fairly.',
      'Only reachable through the VPC endpoint with TLS enforced.',
    ]);
  });

  test("writes appliesTo as cdk-nag's applies_to, and merges the findings of two suppressions of the same rule", () => {
    const { stack, queue: q } = queue();
    suppressNag(q, [{ id: 'AwsSolutions-IAM5', reason: 'First list of wildcards, each one judged.', appliesTo: ['Resource::*'] }]);
    suppressNag(q, [{ id: 'AwsSolutions-IAM5', reason: 'Second list of wildcards, each one judged.', appliesTo: ['Action::s3:Get*'] }]);
    const metadata = Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue'))[0].Metadata.cdk_nag.rules_to_suppress;
    expect(metadata).toEqual([
      { id: 'AwsSolutions-IAM5', reason: 'Second list of wildcards, each one judged.', applies_to: ['Resource::*', 'Action::s3:Get*'] },
    ]);
  });

  test('inPacks suppresses one rule in NIST 800-53 R5 and PCI DSS 3.2.1 with one reason', () => {
    expect(inPacks('EC2InstancesInVPC', 'r')).toEqual([
      { id: 'NIST.800.53.R5-EC2InstancesInVPC', reason: 'r' },
      { id: 'PCI.DSS.321-EC2InstancesInVPC', reason: 'r' },
    ]);
  });

  test('refuses an empty or generic reason before writing anything', () => {
    const { stack, queue: q } = queue();
    expect(() => suppressNag(q, [{ id: 'AwsSolutions-SQS3', reason: '' }])).toThrow('needs a specific reason');
    expect(() => suppressNag(q, [{ id: 'AwsSolutions-SQS3', reason: 'n/a' }])).toThrow('needs a specific reason');
    expect(Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue'))[0].Metadata).toBeUndefined();
  });
});
