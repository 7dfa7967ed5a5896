import type { Workflow } from "../model";
import { renderWorkflow } from "../render";
import { disasterRecoveryWorkflow } from "./disaster-recovery";
import { driftWorkflow } from "./drift";
import { previewWorkflow } from "./preview";
import { rotateCredentialsWorkflow } from "./rotate-credentials";
import { PlatformSettings } from "./settings";
import { upWorkflow } from "./up";
import { UPDATE_ACTIONS_FILE, updateActionsWorkflow } from "./update-actions";

export { platformSettings } from "./settings";
export type { PlatformSettings, PlatformStack } from "./settings";

/** Where this repository keeps its own workflows. */
export const PLATFORM_WORKFLOWS_DIR = ".github/workflows";

/** This repository's own workflows with the source module each is written in. */
export function platformWorkflows(settings: PlatformSettings): { workflow: Workflow; source: string }[] {
  const others = [
    { workflow: previewWorkflow(settings), source: "workflows/platform/preview.ts" },
    { workflow: upWorkflow(settings), source: "workflows/platform/up.ts" },
    { workflow: driftWorkflow(settings), source: "workflows/platform/drift.ts" },
    { workflow: disasterRecoveryWorkflow(settings), source: "workflows/platform/disaster-recovery.ts" },
    { workflow: rotateCredentialsWorkflow(settings), source: "workflows/platform/rotate-credentials.ts" },
  ];
  // The pin updater may change every workflow rendered here, itself included, and no other file of the folder.
  const own = [...others.map(({ workflow }) => workflow.fileName), UPDATE_ACTIONS_FILE].map((name) => `${PLATFORM_WORKFLOWS_DIR}/${name}`);
  const updater = { workflow: updateActionsWorkflow(settings, own), source: "workflows/platform/update-actions.ts" };
  return [...others, updater];
}

/** File name → YAML, each with a header naming its source and how it is regenerated. */
export function renderPlatformWorkflows(settings: PlatformSettings): Map<string, string> {
  return new Map(
    platformWorkflows(settings).map(({ workflow, source }) => [
      workflow.fileName,
      renderWorkflow(workflow, source, [
        `Generated from ${source} by \`npm run gen:workflows\`. Do not edit by hand:`,
        "`npm test` fails when this file differs from what its source renders.",
      ]),
    ]),
  );
}
