/**
 * What the application repository looks like to the workflows: read from stack config by
 * infra/config.ts, rendered into the workflows by workflows/.
 */
/** The application repository's layout and commands, as the rendered workflows run them. */
export interface ApplicationLayout {
  readonly requirementsFile: string;
  readonly lintPaths: readonly string[];
  readonly testCommand: string;
  readonly integrationTestCommand: string;
  readonly trainCommand: string;
  readonly driftCommand: string;
  readonly webServiceDirectory: string;
  readonly batchDirectory: string;
  readonly mlflowServiceDirectory: string;
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
