import { Token } from 'aws-cdk-lib';
import { Problems } from '../problems';
import type { LookupServiceProps } from './lookup-service';
import { LOOKUP_DEFAULTS } from './runtime/defaults';

/** The settings LookupService derives from its props and defaults. */
export interface ResolvedSettings {
  readonly region: string;
  readonly recordName: string;
  readonly memorySize: number;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly unhealthy5xx: number;
}

/** Checks every prop of a LookupService and throws one PropsError (`LOOKUP_SERVICE_INVALID` on each problem). */
export function validateLookupServiceProps(path: string, props: LookupServiceProps, v: ResolvedSettings): void {
  const problems = new Problems();
  const error = (field: string, message: string) => problems.error(field, 'LOOKUP_SERVICE_INVALID', message);
  if (Token.isUnresolved(v.region)) error('', 'the stack needs an explicit env region: the latency record is keyed by it');
  if (!Token.isUnresolved(v.recordName) && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(v.recordName)) {
    error('recordName', `recordName must be one DNS label (a-z, 0-9, '-'), got '${v.recordName}'`);
  }
  if (!props.identity.issuer.trim()) error('identity.issuer', 'identity.issuer must not be empty');
  if (typeof props.identity.audience !== 'string' || !props.identity.audience.trim()) {
    error('identity.audience', "identity.audience is required: the `aud` the identity tokens of this service carry, e.g. 'flavors-lookup'");
  }
  if (!/^https:\/\/[^\s/]+/.test(props.identity.jwksUrl))
    error('identity.jwksUrl', `identity.jwksUrl must be an https:// URL, got '${props.identity.jwksUrl}'`);
  const range = (name: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > max)) {
      error(name, `${name} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  };
  range('memorySizeMiB', v.memorySize, 128, 10240);
  range('throttleRateLimit', v.rateLimit, 1, 10000);
  range('throttleBurstLimit', v.burstLimit, 1, 5000);
  range('unhealthy5xxPerMinute', v.unhealthy5xx, 1, 1000000);
  range('tokenTtlSeconds', props.tokenTtlSeconds, 1, LOOKUP_DEFAULTS.maxTokenTtlSeconds);
  problems.throwIfAny(`LookupService ${path}`);
}
