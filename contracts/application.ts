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
  /** The team's Grafana dashboards (`*.json`), loaded into each environment's Grafana. */
  readonly dashboardsDirectory: string;
  /** Contains `{month}`. */
  readonly dataUrlTemplate: string;
  readonly modelName: string;
  /** Kept as written (a decimal string) so the rendered workflow shows the configured text. */
  readonly modelMaxRmse: string;
  readonly healthCheckPath: string;
}
