/**
 * The metrics file the application's drift calculation writes, one per monitoring window:
 *
 * ```json
 * { "timestamp": "2026-11-29T06:00:00Z", "model_name": "nyc-taxi-trip-duration", "model_version": "3",
 *   "prediction_drift": 0.12, "num_drifted_columns": 2, "share_missing_values": 0.01,
 *   "dataset_drift": false, "drift_score": 0.31 }
 * ```
 *
 * `timestamp` is the window's instant with its offset; the other fields are Evidently's values.
 */

import { closestMatch } from "../infra/validation";

export interface MetricsRecord {
  readonly timestamp: Date;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly predictionDrift: number;
  readonly numDriftedColumns: number;
  readonly shareMissingValues: number;
  readonly datasetDrift: boolean;
  readonly driftScore: number;
}

/** A metrics file that cannot be stored, with every problem found in it. */
export class MetricsFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} cannot be stored:\n${problems.map((problem) => `  • ${problem}`).join("\n")}`);
    this.name = "MetricsFileError";
  }
}

type FieldCheck = (value: unknown) => string | undefined;

const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/;
/** PostgreSQL's INTEGER, the column of `num_drifted_columns`. */
const MAX_INTEGER = 2_147_483_647;
/** How far ahead of the clock a window may end: clocks of the runner and the database differ a little. */
export const CLOCK_SKEW_MINUTES = 5;

/**
 * A real instant: every field within its calendar range (no February 30th, no hour 24), which
 * Date.parse would otherwise roll over into the next month or day.
 */
export function isCalendarInstant(value: string): boolean {
  const match = ISO_INSTANT.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((index) => Number(match[index] ?? 0));
  if (Date.parse(value) < Date.parse(EARLIEST_WINDOW)) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = match[7] === "Z" || (Number(match[8]) <= 23 && Number(match[9]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}

/**
 * Text a reviewer can read in a log and a dashboard as it is: well-formed Unicode (no lone
 * surrogate from a `\ud800` escape), no control characters, no undecodable bytes (U+FFFD is what
 * bytes that are not UTF-8 became when the file was read), no bidirectional overrides that would
 * show one name as another.
 */
export function isPlainText(value: string): boolean {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) return false;
  return ![...value].some((character) => {
    const code = character.codePointAt(0) as number;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0xfffd || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || code === 0x200e || code === 0x200f;
  });
}

/** No window is older than this: an earlier year is a typo or a default value, not a measurement. */
export const EARLIEST_WINDOW = "2000-01-01T00:00:00Z";

/** Field → check returning the problem, in the order problems are reported. */
export const METRICS_FIELDS: Readonly<Record<string, FieldCheck>> = Object.freeze({
  timestamp: (value) =>
    typeof value === "string" && isCalendarInstant(value)
      ? undefined
      : `must be a real ISO 8601 instant with its offset, not before ${EARLIEST_WINDOW.slice(0, 4)}, such as 2026-11-29T06:00:00Z`,
  model_name: (value) =>
    typeof value === "string" && value.trim() !== "" && value.length <= 200 && isPlainText(value)
      ? undefined
      : "must be a non-empty string of at most 200 characters, valid UTF-8 without control characters",
  model_version: (value) =>
    typeof value === "string" && value.trim() !== "" && value.length <= 100 && isPlainText(value)
      ? undefined
      : "must be a non-empty string of at most 100 characters, valid UTF-8 without control characters",
  prediction_drift: (value) => (isFiniteNumber(value) ? undefined : "must be a finite number"),
  num_drifted_columns: (value) =>
    Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_INTEGER ? undefined : `must be a whole number from 0 to ${MAX_INTEGER}`,
  share_missing_values: (value) => (isFiniteNumber(value) && value >= 0 && value <= 1 ? undefined : "must be a number between 0 and 1"),
  dataset_drift: (value) => (typeof value === "boolean" ? undefined : "must be true or false"),
  drift_score: (value) => (isFiniteNumber(value) && value >= 0 ? undefined : "must be a finite number, 0 or more"),
});

/** A value as a problem names it: what it was, cut short. */
export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  // JSON has no Infinity: 1e400 parses to it, and JSON.stringify would show it as null.
  const shown = typeof value === "number" && !Number.isFinite(value) ? `${value} (out of range)` : JSON.stringify(value);
  return `got ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`;
}

/**
 * Parses and checks a metrics file; throws MetricsFileError naming every problem. With `now`, a
 * window ending more than CLOCK_SKEW_MINUTES after it is refused: it would hide staleness until then.
 */
export function parseMetrics(text: string, source: string, now?: Date): MetricsRecord {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new MetricsFileError(source, [`is not JSON: ${(error as Error).message}`]);
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new MetricsFileError(source, ["must hold one JSON object with the metrics of one window"]);
  }
  const record = document as Record<string, unknown>;
  const problems = Object.entries(METRICS_FIELDS).flatMap(([field, check]) => {
    const problem = check(record[field]);
    return problem === undefined ? [] : [`\`${field}\` ${problem} (${describe(record[field])})`];
  });
  // A missing field next to an unknown one is most likely a misspelling of it: say which. Other
  // fields the platform does not store are left alone (the drift calculation may write more).
  const missing = Object.keys(METRICS_FIELDS).filter((field) => record[field] === undefined);
  for (const field of Object.keys(record).filter((key) => !(key in METRICS_FIELDS)).sort()) {
    const meant = closestMatch(field, missing);
    if (meant !== undefined) problems.push(`\`${field}\` is not a metrics field: did you mean \`${meant}\`?`);
  }
  if (problems.length === 0 && now !== undefined && Date.parse(record.timestamp as string) > now.getTime() + CLOCK_SKEW_MINUTES * 60_000) {
    problems.push(
      `\`timestamp\` must not be in the future (more than ${CLOCK_SKEW_MINUTES} minutes after ${now.toISOString()}): a window is stored once it has ended (${describe(record.timestamp)})`,
    );
  }
  if (problems.length > 0) throw new MetricsFileError(source, problems);
  return {
    timestamp: new Date(record.timestamp as string),
    modelName: record.model_name as string,
    modelVersion: record.model_version as string,
    predictionDrift: record.prediction_drift as number,
    numDriftedColumns: record.num_drifted_columns as number,
    shareMissingValues: record.share_missing_values as number,
    datasetDrift: record.dataset_drift as boolean,
    driftScore: record.drift_score as number,
  };
}

/** Drift above the threshold is an alert; equal is not. */
export function isDrifting(metrics: MetricsRecord, threshold: number): boolean {
  return metrics.driftScore > threshold;
}

export interface Staleness {
  readonly stale: boolean;
  /** Hours since the newest row, or null when there is none. */
  readonly ageHours: number | null;
}

/**
 * Whether the newest stored window is older than the schedule allows. No row at all is stale:
 * monitoring that never wrote is as broken as monitoring that stopped.
 */
export function assessStaleness(newest: Date | undefined, now: Date, maxAgeHours: number): Staleness {
  if (newest === undefined) return { stale: true, ageHours: null };
  const ageHours = (now.getTime() - newest.getTime()) / 3_600_000;
  return { stale: ageHours > maxAgeHours, ageHours: Math.round(ageHours * 100) / 100 };
}
