-- Delivery metrics (docs/monitoring.md, "Delivery metrics"): the spec's workflow metrics (success
-- rate per workflow, execution time, deployment frequency, failure rate, MTTR), recorded by the
-- application repository's record-delivery-metrics workflow through `mlops-monitor`.

-- One row per attempt of a completed run of the application's workflows. A re-run is a new attempt
-- (its own row); recording the same attempt again updates it, never doubles it.
CREATE TABLE workflow_runs (
    run_id bigint NOT NULL CHECK (run_id > 0),
    run_attempt integer NOT NULL CHECK (run_attempt > 0),
    workflow text NOT NULL,
    event text NOT NULL,
    branch text,
    commit_sha text NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
    conclusion text NOT NULL,
    -- The furthest environment the run deployed to, and how that deployment job ended; NULL when the
    -- run deployed nowhere.
    environment text,
    deployment_conclusion text,
    started_at timestamptz NOT NULL,
    completed_at timestamptz NOT NULL,
    -- Derived, so it can never disagree with the two instants.
    duration_seconds double precision GENERATED ALWAYS AS (EXTRACT(EPOCH FROM (completed_at - started_at))::double precision) STORED,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    PRIMARY KEY (run_id, run_attempt),
    CONSTRAINT workflow_runs_conclusion_check CHECK (
        conclusion IN ('success', 'failure', 'cancelled', 'skipped', 'neutral', 'timed_out', 'action_required', 'stale', 'startup_failure')),
    -- Spelled out with IS NOT NULL: `NULL IN (...)` is unknown, which a CHECK lets through.
    CONSTRAINT workflow_runs_deployment_check CHECK (
        (environment IS NULL AND deployment_conclusion IS NULL)
        OR (environment IS NOT NULL AND deployment_conclusion IS NOT NULL
            AND deployment_conclusion IN ('success', 'failure', 'cancelled', 'timed_out'))),
    CONSTRAINT workflow_runs_order_check CHECK (completed_at >= started_at)
);

CREATE INDEX workflow_runs_completed_at_idx ON workflow_runs (completed_at DESC);

-- One row per incident issue (label `incident`, opened by deploy-service when a deployment fails and
-- is rolled back): time to restore is opened_at -> closed_at. environment is the one deploy-service
-- named in the issue, NULL for an issue opened by hand. issue_updated_at orders the events of one
-- issue, so a late delivery of an older event cannot undo a newer one.
CREATE TABLE incidents (
    issue_number integer PRIMARY KEY CHECK (issue_number > 0),
    environment text,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz,
    issue_updated_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT incidents_order_check CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
