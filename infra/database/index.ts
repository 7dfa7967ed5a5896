export { MetricsDatabaseAccess } from "./metrics-database-access";
export type { MetricsDatabaseAccessArgs } from "./metrics-database-access";
export { MIGRATIONS_DIR, MigrationError, migrate, migration, readMigrations } from "./migrate";
export type { Migration, MigrationResult } from "./migrate";
export { METRICS_DATABASE, METRICS_ID_SEQUENCE, METRICS_ROLES, METRICS_SCHEMA, METRICS_TABLE, WRITTEN_COLUMNS, grantStatements, roleNames } from "./roles";
export type { RoleKey, RoleSpec } from "./roles";
export { connectPostgres, fromPGlite, transaction } from "./sql";
export type { PGliteLike, Sql } from "./sql";
