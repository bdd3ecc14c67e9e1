/**
 * Defaults of RegionalFailover, chosen for DNS failover in about two minutes; the area README's
 * "Default settings" table lists them with the arithmetic.
 */
export const FAILOVER_DEFAULTS = {
  /** Seconds between checks by each Route 53 checker: the fast interval (10 s) instead of 30 s. */
  requestIntervalSeconds: 10 as 10 | 30,
  /** Consecutive failures before a checker calls the endpoint unhealthy. */
  failureThreshold: 3,
  /** TTL of the failover records: how long resolvers may keep answering with a dead region. */
  ttlSeconds: 60,
  /** HTTPS port of the regional endpoints. */
  port: 443,
  /** Path the HTTPS health check requests; it must answer 2xx/3xx without customer data. */
  healthCheckPath: '/healthz',
  /**
   * Our allowance for Route 53 to aggregate its checkers' verdicts and change its DNS answers.
   * Route 53 publishes no bound; this is a planning number, not a guarantee.
   */
  propagationSeconds: 30,
  /**
   * Alarm-based checks: time for the alarm to reach ALARM (its period × evaluation periods). Used
   * for the reported estimate only; 180 s is a 1-minute period with 3 evaluation periods.
   */
  alarmEvaluationSeconds: 180,
  /** Alarm-based checks: an alarm without data keeps the last status instead of failing over. */
  insufficientDataHealthStatus: 'LastKnownStatus' as const,
} as const;

/** Route 53 accepts these request intervals only. */
export const ROUTE53_REQUEST_INTERVALS: readonly number[] = [10, 30];
/** Route 53 failure threshold bounds. */
export const ROUTE53_FAILURE_THRESHOLD = { min: 1, max: 10 };
