/**
 * The engine's step operations and how the comment counts them.
 * @see https://github.com/pulumi/pulumi/blob/master/pkg/resource/deploy/step.go (StepOps)
 */

/** Every `op` a preview step can carry, in the engine's own order. */
export const STEP_OPS = [
  "same",
  "create",
  "update",
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "read",
  "read-replacement",
  "refresh",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
  "import",
  "import-replacement",
] as const;

export type StepOp = (typeof STEP_OPS)[number];

export function isStepOp(op: string): op is StepOp {
  return (STEP_OPS as readonly string[]).includes(op);
}

/**
 * The steps one replacement is made of. With `--show-replacement-steps` the engine emits
 * `create-replacement`, `replace` and `delete-replaced` for the same URN; without it only `replace`.
 * Either way it is one replacement.
 */
const REPLACEMENT_STEPS: ReadonlySet<string> = new Set(["replace", "create-replacement", "delete-replaced"]);

/**
 * Steps that only ever accompany a `replace` of the same URN (a read or an import standing in for
 * the old resource, or a read resource's old copy dropped): counted as that replacement.
 */
const REPLACEMENT_COMPANIONS: ReadonlySet<string> = new Set(["read-replacement", "import-replacement", "discard-replaced"]);


/** The counts every stack summary shows, zero or not, in this order. */
export const HEADLINE_OPS = ["create", "update", "replace", "delete", "same"] as const;

/** How each op reads in a summary ("2 to create"); `same` reads "unchanged". */
export const OP_LABELS: Readonly<Record<StepOp, string>> = {
  same: "unchanged",
  create: "to create",
  update: "to update",
  delete: "to delete",
  replace: "to replace",
  "create-replacement": "to create as replacement",
  "delete-replaced": "to delete after replacement",
  read: "to read",
  "read-replacement": "to read as replacement",
  refresh: "to refresh",
  discard: "to discard",
  "discard-replaced": "to discard after replacement",
  "remove-pending-replace": "to remove (pending replacement)",
  import: "to import",
  "import-replacement": "to import as replacement",
};

/** Pulumi's own symbols, so the comment reads like `pulumi preview`. */
export const OP_SYMBOLS: Readonly<Record<StepOp, string>> = {
  same: " ",
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  "create-replacement": "++",
  "delete-replaced": "--",
  read: ">",
  "read-replacement": ">>",
  refresh: "~",
  discard: "<",
  "discard-replaced": "<<",
  "remove-pending-replace": "~",
  import: "=",
  "import-replacement": "=>",
};

export function opLabel(op: string): string {
  return isStepOp(op) ? OP_LABELS[op] : `to ${op}`;
}

export function opSymbol(op: string): string {
  return isStepOp(op) ? OP_SYMBOLS[op] : "?";
}

/**
 * The ops one resource counts as, from all the steps the preview lists for its URN: a replacement
 * in any of its forms is one `replace`, and an op listed twice counts once.
 */
export function resourceOps(stepOps: readonly string[]): string[] {
  const distinct = [...new Set(stepOps)];
  if (distinct.some((op) => REPLACEMENT_STEPS.has(op))) {
    return ["replace", ...distinct.filter((op) => !REPLACEMENT_STEPS.has(op) && !REPLACEMENT_COMPANIONS.has(op) && op !== "same")];
  }
  return distinct;
}

/** Whether a `changeSummary` key is already covered by counting `replace` per URN. */
export function isReplacementPart(op: string): boolean {
  return op !== "replace" && (REPLACEMENT_STEPS.has(op) || REPLACEMENT_COMPANIONS.has(op));
}

/** The op that names a resource's change when it has more than one: the most consequential. */
export function primaryOp(ops: readonly string[]): string {
  const rank = (op: string) => {
    const order = ["delete", "replace", "remove-pending-replace", "create", "import", "update", "refresh", "discard", "read"];
    const index = order.indexOf(op);
    return index === -1 ? order.length : index;
  };
  return [...ops].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))[0] ?? "same";
}

/** The order steps run in: a replacement reads "create-replacement, replace, delete-replaced". */
const EXECUTION_ORDER: readonly StepOp[] = [
  "same",
  "read",
  "refresh",
  "import",
  "create",
  "create-replacement",
  "read-replacement",
  "import-replacement",
  "update",
  "replace",
  "delete",
  "delete-replaced",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
];

/** Ops in the order they run (unknown ones last, by name), so steps read the same however listed. */
export function compareOps(a: string, b: string): number {
  const rank = (op: string) => {
    const index = (EXECUTION_ORDER as readonly string[]).indexOf(op);
    return index === -1 ? EXECUTION_ORDER.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
