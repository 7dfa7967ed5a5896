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
 * are up, and deploy-service's load test sends it. Not a secret: it reaches the revision that is
 * about to take the canary's share of everyone's traffic, and between deployments the one serving.
 */
export const TEST_TRAFFIC_HEADER = Object.freeze({ name: "X-Mlops-Test-Traffic", value: "new-revision" });
