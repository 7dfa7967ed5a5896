-- Writers shaped by the spec's table keep working: the spec's columns name no model version, and
-- its model name may be left out. Such rows are recorded under 'unknown', as 0002 recorded the
-- rows written before the version was.
ALTER TABLE ml_metrics
    ALTER COLUMN model_version SET DEFAULT 'unknown',
    ALTER COLUMN model_name SET DEFAULT 'unknown';
