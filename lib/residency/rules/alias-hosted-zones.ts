/**
 * Route 53 hosted zone ids of regional alias targets, by region: Application/Classic Load
 * Balancers, Network Load Balancers and API Gateway regional domains (AWS General Reference,
 * "Elastic Load Balancing endpoints" and "Amazon API Gateway endpoints"). A literal alias
 * `HostedZoneId` found here names the region it belongs to. Regions missing here are still
 * caught by the region in the target's DNS name.
 */
export const REGIONAL_ALIAS_ZONE_IDS: Readonly<Record<string, { readonly alb: string; readonly nlb: string; readonly apiGateway: string }>> = {
  'us-east-1': { alb: 'Z35SXDOTRQ7X7K', nlb: 'Z26RNL4JYFTOTI', apiGateway: 'Z1UJRXOUMOOFQ8' },
  'us-east-2': { alb: 'Z3AADJGX6KTTL2', nlb: 'ZLMOA37VPKANP', apiGateway: 'ZOJJZC49E0EPZ' },
  'us-west-2': { alb: 'Z1H1FL5HABSF5', nlb: 'Z18D5FSROUN65G', apiGateway: 'Z2OJLYMUO9EFXC' },
  'eu-west-1': { alb: 'Z32O12XQLNTSW2', nlb: 'Z2IFOLAFXWLO4F', apiGateway: 'ZLY8HYME6SFDD' },
  'eu-central-1': { alb: 'Z215JYRZR1TBD5', nlb: 'Z3F0SRJ5LGBH90', apiGateway: 'Z1U9ULNL0V5AJ3' },
  'ap-southeast-1': { alb: 'Z1LMS91P8CMLE5', nlb: 'ZKVM4W9LS7TM', apiGateway: 'ZL327KTPIQFUL' },
  'ap-southeast-2': { alb: 'Z1GM3OXH4ZPM65', nlb: 'ZCT6FZBF4DROD', apiGateway: 'Z2RPCDW04V8134' },
};

/** The hosted zone of every CloudFront distribution (and edge-optimized API Gateway domain): global, never regional. */
export const CLOUDFRONT_HOSTED_ZONE_ID = 'Z2FDTNDATAQYW2';

/** The region a literal alias hosted zone id belongs to, if it is a known regional one. */
export function regionOfAliasZone(zoneId: string): string | undefined {
  return Object.entries(REGIONAL_ALIAS_ZONE_IDS).find(([, ids]) => Object.values(ids).includes(zoneId))?.[0];
}
