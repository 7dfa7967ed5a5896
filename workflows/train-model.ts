/**
 * train-model.yml: by hand, with the model type, the data month and the MLflow experiment. Trains
 * with the application's code, tracked in MLflow; registers the model; writes a model card; keeps
 * the artifacts 90 days.
 *
 * Two jobs: training runs the branch's code with a login that cannot write the registry; the
 * registration, in the default-branch-only `model-registry` environment, runs no repository code
 * and is the only holder of the login that can. Dispatched from another branch, the model is
 * trained and kept as an artifact, and not registered.
 */
import { REGISTRY_ENVIRONMENT } from "../contracts/github";
import { RUNNER } from "./application";
import type { ApplicationLayout } from "../contracts/application";
import { mlflowEnv, registerModel } from "./mlflow-steps";
import type { Workflow } from "./model";
import {
  applicationCommand,
  checkout,
  downloadArtifact,
  downloadTrainingData,
  installPython,
  pathsFrom,
  PYTHON_VERSION,
  scriptFiles,
  setupPython,
  uploadArtifact,
  validateInput,
} from "./steps";

export const MODEL_TYPES = ["linear_regression", "xgboost", "random_forest"] as const;
export const ARTIFACT_RETENTION_DAYS = 90;
/** YYYY-MM with a real month. */
export const DATA_MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$";
/** What training hands to the registration: the run's id, its metrics, the model's files. */
/** Where training reads its data and writes its output, relative to the repository root. */
export const TRAINING_PATHS = Object.freeze({ DATA_FILE: "data/training.parquet", OUTPUT_DIR: "training-output" });
const TRAINING_ARTIFACT = "model-${{ inputs.model_type }}-${{ inputs.data_month }}-${{ github.run_id }}";

export function trainModelWorkflow(settings: ApplicationLayout): Workflow {
  return {
    fileName: "train-model.yml",
    name: "Model Training Pipeline",
    on: {
      workflowDispatch: {
        inputs: {
          model_type: { description: "Model algorithm", type: "choice", options: [...MODEL_TYPES], required: true, default: "xgboost" },
          data_month: { description: "Training data period (YYYY-MM)", type: "string", required: true },
          experiment_name: {
            description: "MLflow experiment name",
            type: "string",
            required: true,
            default: "duration-prediction",
          },
        },
      },
    },
    permissions: {},
    concurrency: { group: "train-model-${{ inputs.experiment_name }}", cancelInProgress: false },
    jobs: {
      train: {
        name: "Train model",
        runsOn: RUNNER,
        permissions: { contents: "read" },
        timeoutMinutes: 120,
        env: {
          MODEL_TYPE: "${{ inputs.model_type }}",
          DATA_MONTH: "${{ inputs.data_month }}",
          EXPERIMENT_NAME: "${{ inputs.experiment_name }}",
          MODEL_NAME: settings.modelName,
          ...TRAINING_PATHS,
        },
        steps: [
          // Before anything is checked out or downloaded: a bad month fails in seconds.
          validateInput("data_month", "${{ inputs.data_month }}", DATA_MONTH_PATTERN, "a month as YYYY-MM, such as 2021-01"),
          validateInput(
            "experiment_name",
            "${{ inputs.experiment_name }}",
            "^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$",
            "1-100 letters, digits, spaces, '.', '_' or '-'",
          ),
          checkout(),
          setupPython(PYTHON_VERSION, settings.trainRequirementsFiles),
          installPython(settings.trainRequirementsFiles),
          downloadTrainingData(settings.dataUrlTemplate),
          applicationCommand(
            "Train (tracked in MLflow)",
            settings.trainCommand,
            { ...pathsFrom(settings.trainWorkingDirectory, TRAINING_PATHS), ...mlflowEnv("training") },
            settings.trainWorkingDirectory,
          ),
          uploadArtifact(TRAINING_ARTIFACT, "training-output/", ARTIFACT_RETENTION_DAYS),
        ],
      },
      register: {
        name: "Register model",
        needs: ["train"],
        // The environment admits the default branch only; saying so here skips the job, rather than
        // failing it, when a branch is trained for a look at its metrics.
        if: "github.ref_name == github.event.repository.default_branch",
        runsOn: RUNNER,
        environment: REGISTRY_ENVIRONMENT.name,
        permissions: {},
        timeoutMinutes: 15,
        env: {
          MODEL_TYPE: "${{ inputs.model_type }}",
          DATA_MONTH: "${{ inputs.data_month }}",
          EXPERIMENT_NAME: "${{ inputs.experiment_name }}",
          MODEL_NAME: settings.modelName,
          OUTPUT_DIR: "training-output",
        },
        steps: [
          downloadArtifact(TRAINING_ARTIFACT, "training-output"),
          registerModel("training-output/training.json"),
          {
            name: "Write the model card",
            env: { REGISTRY_VERSION: "${{ steps.register.outputs.version }}", TRAINING_FILE: "training-output/training.json" },
            run: scriptFiles("write-model-card"),
          },
          uploadArtifact("model-card-${{ github.run_id }}", "training-output/model-card.md", ARTIFACT_RETENTION_DAYS),
        ],
      },
    },
  };
}
