/**
 * What the application repository looks like to the workflows: read from stack config by
 * infra/config.ts, rendered into the workflows by workflows/.
 */
/**
 * The application repository's layout and commands, as the rendered workflows run them. Every path
 * is relative to the repository's root; "." is the root itself.
 */
export interface ApplicationLayout {
  /**
   * What the unit tests, the integration tests and the linters install: pip requirements files, or
   * a `Pipfile.lock` (installed from the lock, through its Pipfile beside it). May be empty.
   */
  readonly requirementsFiles: readonly string[];
  /** What the training command installs, in the same forms. */
  readonly trainRequirementsFiles: readonly string[];
  /** What the drift calculation installs, in the same forms. */
  readonly driftRequirementsFiles: readonly string[];
  readonly lintPaths: readonly string[];
  readonly testCommand: string;
  readonly integrationTestCommand: string;
  /** Where the unit and the integration tests run. */
  readonly testWorkingDirectory: string;
  readonly trainCommand: string;
  readonly trainWorkingDirectory: string;
  readonly driftCommand: string;
  readonly driftWorkingDirectory: string;
  /**
   * Each service type's Docker build context (its Dockerfile inside), or undefined when the
   * repository builds no image for it: it is then not offered for deployment.
   */
  readonly webServiceDirectory: string | undefined;
  readonly batchDirectory: string | undefined;
  readonly mlflowServiceDirectory: string | undefined;
  /** The team's Grafana dashboards (`*.json`), loaded into each environment's Grafana. */
  readonly dashboardsDirectory: string;
  /** Contains `{month}`. */
  readonly dataUrlTemplate: string;
  readonly modelName: string;
  /** Kept as written (a decimal string) so the rendered workflow shows the configured text. */
  readonly modelMaxRmse: string;
  readonly healthCheckPath: string;
  readonly loadTest: LoadTestSettings;
}

/**
 * The load test deploy-service runs against a routed service's new revision in production before
 * it takes all the traffic: its shape and the limits that stop the promotion (docs/deploy.md).
 */
export interface LoadTestSettings {
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly maxP95Ms: number;
  readonly maxP99Ms: number;
  /** A share, 0 to 1, kept as written (a decimal string) so the rendered workflow shows the configured text. */
  readonly maxErrorRate: string;
  /** Successful requests per second, kept as written. */
  readonly minThroughput: string;
}
