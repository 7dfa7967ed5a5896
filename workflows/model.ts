/**
 * A typed model of GitHub Actions workflow files: what the workflows in this folder are written
 * in. Properties are camelCase; `workflows/render.ts` maps each to GitHub's key by name. Maps that
 * belong to the author (`env`, `with`, `inputs`, `outputs`, a matrix) keep their keys verbatim.
 *
 * Safe by construction: `permissions` and `timeoutMinutes` are mandatory on every job, and
 * `permissions` on every workflow, so nothing runs with GitHub's broad defaults or its 6-hour limit.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
 */
import type { ActionRef } from "./actions";

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#permissions */
export type PermissionScope =
  | "actions"
  | "attestations"
  | "checks"
  | "contents"
  | "deployments"
  | "id-token"
  | "issues"
  | "packages"
  | "pages"
  | "pull-requests"
  | "security-events"
  | "statuses";

/** `id-token` knows only `write` and `none`; the renderer rejects `read` for it. */
export type PermissionLevel = "read" | "write" | "none";

/** Scopes not listed get no access. `{}` renders as `permissions: {}`: no access at all. */
export type Permissions = Readonly<Partial<Record<PermissionScope, PermissionLevel>>>;

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#onworkflow_dispatchinputs */
export interface DispatchInput {
  readonly description: string;
  readonly type: "string" | "choice" | "boolean" | "number" | "environment";
  /** @default false */
  readonly required?: boolean;
  readonly default?: string | number | boolean;
  /** The choices; only with `type: "choice"`. */
  readonly options?: readonly string[];
}

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#onpushpull_requestpull_request_targetpathspaths-ignore */
export interface BranchFilter {
  readonly branches?: readonly string[];
  readonly paths?: readonly string[];
  readonly pathsIgnore?: readonly string[];
  /** pull_request only. @default GitHub's: opened, synchronize, reopened */
  readonly types?: readonly string[];
}

/**
 * Runs after another workflow's run, in this repository's default branch and with its secrets,
 * even when the other run came from a fork: never check out or execute that run's code.
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#workflow_run
 */
export interface WorkflowRunTrigger {
  /** The watched workflows' `name`s (not file names). */
  readonly workflows: readonly string[];
  readonly types: readonly ("completed" | "requested" | "in_progress")[];
}

/** @see https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#issues */
export interface IssuesTrigger {
  readonly types: readonly ("opened" | "edited" | "deleted" | "closed" | "reopened" | "labeled" | "unlabeled")[];
}

/** @see https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows */
export interface Triggers {
  readonly push?: BranchFilter;
  readonly pullRequest?: BranchFilter;
  readonly workflowDispatch?: { readonly inputs?: Readonly<Record<string, DispatchInput>> };
  /** POSIX cron expressions, in UTC. */
  readonly schedule?: readonly string[];
  readonly workflowRun?: WorkflowRunTrigger;
  readonly issues?: IssuesTrigger;
}

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#concurrency */
export interface Concurrency {
  readonly group: string;
  readonly cancelInProgress: boolean | string;
}

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idsteps */
export interface Step {
  readonly id?: string;
  readonly name: string;
  readonly if?: string;
  /** A pinned action from `workflows/actions.ts`. Exclusive with `run`. */
  readonly uses?: ActionRef;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  /** A shell script. Untrusted values reach it through `env`, never through `${{ }}` in the script. */
  readonly run?: string;
  readonly shell?: string;
  readonly workingDirectory?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly continueOnError?: boolean;
  readonly timeoutMinutes?: number;
}

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idstrategy */
export interface Strategy {
  /** Matrix axes by name, kept verbatim. */
  readonly matrix: Readonly<Record<string, readonly (string | number)[]>>;
  readonly failFast?: boolean;
  readonly maxParallel?: number;
}

/** @see https://docs.github.com/en/actions/using-containerized-services/about-service-containers */
export interface ServiceContainer {
  readonly image: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly ports?: readonly string[];
  readonly options?: string;
}

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_id */
export interface Job {
  /** The check-run name; with a matrix GitHub appends the values: `test (3.11)`. */
  readonly name?: string;
  readonly needs?: readonly string[];
  readonly if?: string;
  /** A runner label, or the labels a self-hosted runner must all carry. */
  readonly runsOn: string | readonly string[];
  readonly environment?: string | { readonly name: string; readonly url?: string };
  readonly permissions: Permissions;
  readonly concurrency?: Concurrency;
  readonly timeoutMinutes: number;
  readonly continueOnError?: boolean;
  readonly strategy?: Strategy;
  readonly services?: Readonly<Record<string, ServiceContainer>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

/** @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions */
export interface Workflow {
  /** The file name under `.github/workflows/`, e.g. `ci-cd.yml`. */
  readonly fileName: string;
  readonly name: string;
  readonly on: Triggers;
  readonly permissions: Permissions;
  readonly env?: Readonly<Record<string, string>>;
  readonly concurrency?: Concurrency;
  readonly jobs: Readonly<Record<string, Job>>;
}
