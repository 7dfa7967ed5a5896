/**
 * Files the platform's images (images/) put where the program's settings point: both sides need
 * the path, and a test reads the Dockerfiles against these.
 */

/**
 * Where images/mlflow puts the RDS certificate authorities. MLflow's driver (libpq) takes
 * `sslmode=require` as encryption without any certificate check; its URIs ask for verify-full
 * against this bundle instead. Node's pg, which the other URIs serve, verifies `require` fully.
 */
export const MLFLOW_RDS_CA_BUNDLE = "/etc/ssl/certs/rds-ca-bundle.pem";
/** Where images/grafana puts the RDS certificate authorities. */
export const GRAFANA_RDS_CA_BUNDLE = "/etc/grafana/certs/rds-ca-bundle.pem";
