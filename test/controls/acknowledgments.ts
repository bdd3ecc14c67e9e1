/**
 * The Control Tower proactive-control findings this project keeps, each with why. The test in
 * app-controls.test.ts fails on a finding not listed here and on an entry that no longer matches
 * a finding. An entry covers its logical id in every stack that has it: the same construct in every
 * region (the lookup service in each control-plane region, the VPC in each flavor region).
 */
export interface ControlAcknowledgment {
  /** Control Tower control id, e.g. `CT.LAMBDA.PR.3`. */
  readonly control: string;
  /** Logical id of the resource in its template. */
  readonly logicalId: string;
  readonly reason: string;
}

export const CONTROL_TOWER_ACKNOWLEDGMENTS: readonly ControlAcknowledgment[] = [
  {
    control: 'CT.APIGATEWAY.PR.5',
    logicalId: 'LookupServiceApiGETwellknownjwksjsonE2AD90E7',
    reason:
      'The JWKS route publishes the public keys flavor services verify flavor tokens with: it must be readable ' +
      'without an identity token, and returns nothing else. The space route is behind the JWT authorizer.',
  },
  {
    control: 'CT.LAMBDA.PR.3',
    logicalId: 'LookupService0325792C',
    reason:
      'The lookup function reads DynamoDB and KMS over their public AWS endpoints with IAM auth and reaches no private resource; ' +
      'a VPC would add NAT or endpoints and cold-start latency to every region and protect nothing (lib/lookup/README.md).',
  },
  {
    control: 'CT.LAMBDA.PR.3',
    logicalId: 'CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E',
    reason:
      "CDK's own provider that removes every rule of the VPC's default security group (restrictDefaultSecurityGroup) runs " +
      "on stack deployment only; moving CDK's internal function into the VPC would need an escape hatch on CDK internals.",
  },
  {
    control: 'CT.LAMBDA.PR.3',
    logicalId: 'CustomCrossRegionExportWriterCustomResourceProviderHandlerD8786E8A',
    reason:
      "CDK's own provider for cross-region references writes the primary key and RDS ARNs to SSM parameters in the " +
      'fallback regions at deployment; it is created during synthesis, after any aspect could place it in a VPC.',
  },
  {
    control: 'CT.LAMBDA.PR.3',
    logicalId: 'CustomCrossRegionExportReaderCustomResourceProviderHandler46647B68',
    reason:
      "CDK's own provider for cross-region references reads the primary key and RDS ARNs from SSM in a fallback region " +
      "at deployment; like the writer, it is created during synthesis, outside the reach of the app's constructs.",
  },
  {
    control: 'CT.CLOUDWATCH.PR.3',
    logicalId: 'NetworkFlowLogs2BEC3212',
    reason:
      "Found in fallback regions only, and a false positive there: the flow logs are encrypted with the flavor key's replica " +
      'in the region (KmsKeyId is a GetAtt of the AWS::KMS::ReplicaKey), and the rule accepts references to AWS::KMS::Key only.',
  },
  {
    control: 'CT.RDS.PR.20',
    logicalId: 'reports7921670E',
    reason:
      "RDS keeps the engine's default port so standard clients, drivers and the ops tools work " +
      'unchanged; a different port hides nothing from a scan, and the security group admits the port ' +
      'from inside the VPC only, with TLS and IAM authentication required (also AwsSolutions-RDS11).',
  },
];

/** Why the MySQL endpoint's NLB keeps no access logs (its cdk-nag suppressions say the same). */
export const NLB_TCP_ACCESS_LOG_REASON =
  'NLB access logs record TLS listeners only; the MySQL listeners (3306, 33060) are TCP because MySQL negotiates TLS inside ' +
  'its own protocol, so a bucket would receive nothing. The VPC flow logs record every connection.';

/**
 * Findings of the data-traffic test flavor (test/helpers/data-traffic-flavor.ts: a `mysql` database named
 * `orders`), checked by app-controls.test.ts in both directions. The checked-in flavors have no
 * `mysql` database on EC2; when one gets it, add its NLB (`<name>Endpoint…`) to the list above.
 */
export const DATA_TRAFFIC_ACKNOWLEDGMENTS: readonly ControlAcknowledgment[] = [
  { control: 'CT.ELASTICLOADBALANCING.PR.6', logicalId: 'ordersEndpoint7A28E436', reason: NLB_TCP_ACCESS_LOG_REASON },
];
