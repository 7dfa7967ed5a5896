/**
 * The alternating-users strategy for the database's login roles, as pure functions over the
 * rotation config and what Pulumi state holds (docs/decisions/0004-credential-rotation.md).
 *
 * Every login role has two slots: `primary`, the role itself (`mlflow`), and `alternate`, a twin
 * (`mlflow_alt`) that is a member of it and acts as it (`ALTER ROLE … SET role`), so both own and
 * may do exactly the same. Each slot has its own generated password. Generation `n` makes the
 * primary slot current when `n` is even and the alternate when odd, and gives that slot, and only
 * it, a new password. The slot it replaces as current keeps its password for one more period: a
 * task that started with it keeps working until it is redeployed with the new one.
 *
 * What a run knows about the past is what Pulumi state holds: each slot's password keeps the
 * `keepers` of the rotation that last made it (`generation`, `rotatedOn`). A run that rotates
 * nothing (an update on merge, a preview, drift detection) ignores changes to the keepers, so it
 * never moves a password, and reads from them which slot is current.
 */
import type { RotationStep } from "../config";

export type Slot = "primary" | "alternate";

/** The twin's name: `<role>_alt`. */
export const ALTERNATE_SUFFIX = "_alt";

export function alternateRoleName(role: string): string {
  return `${role}${ALTERNATE_SUFFIX}`;
}

/** The slot generation `n` makes current. */
export function currentSlotOf(generation: number): Slot {
  return generation % 2 === 0 ? "primary" : "alternate";
}

/** `keepers` of a slot's password: strings, as the random provider stores them. */
export type SlotKeepers = Readonly<Record<string, string>>;

/** What one slot's password is declared with in this run. */
export interface SlotDeclaration {
  readonly keepers: SlotKeepers;
  /**
   * Whether a change of `keepers` replaces the password in this run. Only the slot a rotation
   * makes current follows them; otherwise the keepers in state win (`ignoreChanges`), and only a
   * new stack takes the declared ones.
   */
  readonly followsKeepers: boolean;
}

/**
 * A slot's declaration for this run. Without a rotation, a new stack starts at generation 0: the
 * primary slot current (the role as it always was), the alternate one below it.
 */
export function declareSlot(slot: Slot, step: RotationStep | undefined): SlotDeclaration {
  if (step === undefined) return { keepers: { generation: slot === "primary" ? "0" : "-1" }, followsKeepers: false };
  if (currentSlotOf(step.generation) === slot) return { keepers: { generation: String(step.generation), rotatedOn: step.rotatedOn }, followsKeepers: true };
  // Ignored on an existing stack; on a new one, just below the current slot.
  return { keepers: { generation: String(step.generation - 1) }, followsKeepers: false };
}

/** The rotation state a stack is in, read from its slots' keepers. */
export interface AppliedRotation {
  readonly generation: number;
  /** The day of the last rotation; null before the first. */
  readonly rotatedOn: string | null;
  readonly current: Slot;
}

/**
 * Which slot is current: the one with the higher generation. A password made before rotation
 * existed has no keepers at all, and counts as generation 0 (primary) or -1 (alternate).
 */
export function appliedRotation(primary: SlotKeepers | undefined, alternate: SlotKeepers | undefined): AppliedRotation {
  const generationOf = (keepers: SlotKeepers | undefined, fallback: number) => {
    const value = keepers?.generation;
    return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : fallback;
  };
  const primaryGeneration = generationOf(primary, 0);
  const alternateGeneration = generationOf(alternate, -1);
  const [generation, keepers, current]: [number, SlotKeepers | undefined, Slot] =
    alternateGeneration > primaryGeneration ? [alternateGeneration, alternate, "alternate"] : [primaryGeneration, primary, "primary"];
  return { generation, rotatedOn: keepers?.rotatedOn ?? null, current };
}

/**
 * A credential with one login and no reader that must keep working through the change (the RDS
 * master, which only the provisioner uses; MLflow's administrator, which only people use): every
 * rotation replaces it, and a run without one leaves it as state holds it.
 */
export function declareSingle(step: RotationStep | undefined): SlotDeclaration {
  return step === undefined
    ? { keepers: { generation: "0" }, followsKeepers: false }
    : { keepers: { generation: String(step.generation), rotatedOn: step.rotatedOn }, followsKeepers: true };
}
