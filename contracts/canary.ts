/**
 * The production canary of the model web service: what ECS runs and what deploy-service watches.
 */
/** Share of production traffic the canary takes before the rest follows. */
export const CANARY_PERCENT = 10;
/** Minutes the canary serves before full rollout, and the new revision before the old one goes. */
export const CANARY_BAKE_MINUTES = 10;
/** The alarms roll a deployment back when the canary's 5xx rate or p95 latency exceed these. */
export const CANARY_MAX_5XX_RATE = 0.02;
export const CANARY_MAX_P95_SECONDS = 1.5;
/**
 * The header that routes a request to the new revision while a production deployment runs: ECS
 * points the service's test listener rule, which matches it, at the new revision once its tasks
 * are up, and the load test sends it. The name is fixed; the value is a secret the program
 * generates per stack (`valueLength` lowercase letters and digits): whoever sends it during a
 * deployment loads the new revision's tasks alone, so a known value would let anyone fail the load
 * test or the canary's alarms and force a rollback. Production's GitHub environment holds it as the
 * Actions secret `TEST_TRAFFIC_HEADER.secret`, which only the load-test step reads.
 *
 * Lowercase letters and digits because the load balancer compares header values case-insensitively
 * (a mixed-case value would hold no more than this), treats `*` and `?` as wildcards, and takes at
 * most 128 characters; 64 of 36 symbols is about 330 bits.
 */
export const TEST_TRAFFIC_HEADER = Object.freeze({
  name: "X-Mlops-Test-Traffic",
  secret: "TEST_TRAFFIC_HEADER_VALUE",
  valueLength: 64,
  /** Shorter is guessable. */
  minValueLength: 32,
  /** The load balancer's limit on an http-header condition value. */
  maxValueLength: 128,
});
