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
