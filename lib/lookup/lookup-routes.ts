import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { suppressNag } from '../nag-suppressions';
import type { LookupIdentityProvider } from './lookup-service';

/** The paths the service answers (GET only); see `runtime/route-handler.ts`. */
export const LOOKUP_SERVICE_ROUTES: readonly string[] = ['/v1/spaces/{spaceId}/route', '/.well-known/jwks.json'];

/** The routes API Gateway lets through without an identity token: the public keys of the flavor tokens. */
export const LOOKUP_SERVICE_PUBLIC_ROUTES: readonly string[] = ['/.well-known/jwks.json'];

/**
 * Wires the service's routes on its HTTP API: only `LOOKUP_SERVICE_ROUTES` (GET) reach the
 * function, anything else is API Gateway's 404. API Gateway's JWT authorizer checks the identity
 * token (issuer, audience, signature, expiry) before a request of a non-public route reaches the
 * function, which checks it again: the authorizer is a gate, the function's check decides
 * 401/403/404 without revealing whether a space exists. The invoke permissions name the account
 * as well as the API (Control Tower's CT.LAMBDA.PR.2 reads only a literal `SourceAccount` or a
 * local `SourceArn`). Construct ids are those LookupService always used: nothing is replaced.
 */
export function addLookupRoutes(api: apigwv2.HttpApi, fn: lambda.IFunction, identity: LookupIdentityProvider, account: string): void {
  const integration = new HttpLambdaIntegration('Lookup', fn);
  const authorizer = new HttpJwtAuthorizer('IdentityAuthorizer', identity.issuer, {
    jwtAudience: [identity.audience],
    identitySource: ['$request.header.Authorization'],
  });
  for (const routePath of LOOKUP_SERVICE_ROUTES) {
    const isPublic = LOOKUP_SERVICE_PUBLIC_ROUTES.includes(routePath);
    for (const route of api.addRoutes({
      path: routePath,
      methods: [apigwv2.HttpMethod.GET],
      integration,
      authorizer: isPublic ? undefined : authorizer,
    })) {
      if (isPublic)
        suppressNag(route, [
          {
            id: 'AwsSolutions-APIG4',
            reason:
              'The JWKS route serves the public keys that flavor services verify flavor tokens ' +
              'with; it must be readable without an identity token and returns nothing else.',
          },
        ]);
    }
  }
  for (const permission of api.node.findAll().filter((c): c is lambda.CfnPermission => c instanceof lambda.CfnPermission)) {
    permission.sourceAccount = account;
  }
}
