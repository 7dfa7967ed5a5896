import type { RepositoryFileSpec } from "../contracts/repository-files";
import type { ApplicationLayout } from "../contracts/application";
import { ciCdWorkflow } from "./ci-cd";
import { deployServiceWorkflow } from "./deploy-service";
import type { Workflow } from "./model";
import { monitorModelWorkflow } from "./monitor-model";
import { platformToolFiles } from "./platform-tools";
import { recordDeliveryMetricsWorkflow } from "./record-delivery-metrics";
import { renderWorkflow } from "./render";
import { trainModelWorkflow } from "./train-model";


/**
 * The spec's four workflows, then the one that records their runs for the delivery metrics, with
 * the source module each is written in.
 */
export function applicationWorkflows(settings: ApplicationLayout): { workflow: Workflow; source: string }[] {
  const spec = [
    { workflow: ciCdWorkflow(settings), source: "workflows/ci-cd.ts" },
    { workflow: trainModelWorkflow(settings), source: "workflows/train-model.ts" },
    { workflow: monitorModelWorkflow(settings), source: "workflows/monitor-model.ts" },
    { workflow: deployServiceWorkflow(settings), source: "workflows/deploy-service.ts" },
  ];
  return [...spec, { workflow: recordDeliveryMetricsWorkflow(spec.map(({ workflow }) => workflow)), source: "workflows/record-delivery-metrics.ts" }];
}

/** The rendered files, as the program commits them under `.github/workflows/`. */
export function renderApplicationWorkflows(settings: ApplicationLayout): RepositoryFileSpec[] {
  return applicationWorkflows(settings).map(({ workflow, source }) => ({
    path: `.github/workflows/${workflow.fileName}`,
    content: renderWorkflow(workflow, source),
  }));
}

/** Everything the program commits for the workflows: their files and the platform tools they run. */
export function applicationRepositoryFiles(settings: ApplicationLayout): RepositoryFileSpec[] {
  return [...renderApplicationWorkflows(settings), ...platformToolFiles()];
}
