/**
 * What a load test measured and whether it stays within its limits: pure functions over the
 * recorded samples, so the numbers in the report are the numbers the verdict is taken on.
 */

/** One request as it ended: an HTTP status with its latency, or a transport error. */
export type Sample = { readonly status: number; readonly latencyMs: number } | { readonly error: string };

export interface Limits {
  readonly maxP95Ms: number;
  readonly maxP99Ms: number;
  /** A share, 0 to 1. */
  readonly maxErrorRate: number;
  /** 2xx answers per second. */
  readonly minThroughput: number;
}

export interface Measurement {
  readonly requests: number;
  /** 2xx answers. */
  readonly succeeded: number;
  /** Answers other than 2xx, by status code. */
  readonly statusErrors: Readonly<Record<string, number>>;
  /** Requests that got no answer (refused, reset, timed out), by error code. */
  readonly transportErrors: Readonly<Record<string, number>>;
  /** Failed requests (non-2xx and transport errors) over all requests; 0 when none was sent. */
  readonly errorRate: number;
  /** 2xx answers per second of the run. */
  readonly throughput: number;
  readonly elapsedSeconds: number;
  /** Over every answer (any status); null when none came back. */
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null; readonly max: number | null };
}

export interface Breach {
  /** The option that set the limit, as the operator configures it. */
  readonly limit: string;
  readonly message: string;
}

/** Nearest-rank percentile of ascending `sorted`: the smallest value at least `p`% of samples do not exceed. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of [...keys].sort()) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

export function measure(samples: readonly Sample[], elapsedSeconds: number): Measurement {
  const answered = samples.filter((sample): sample is { status: number; latencyMs: number } => "status" in sample);
  const succeeded = answered.filter((sample) => sample.status >= 200 && sample.status < 300).length;
  const latencies = answered.map((sample) => sample.latencyMs).sort((a, b) => a - b);
  const failed = samples.length - succeeded;
  const at = (p: number) => {
    const value = percentile(latencies, p);
    return value === null ? null : round(value, 1);
  };
  return {
    requests: samples.length,
    succeeded,
    statusErrors: countBy(answered.filter((sample) => sample.status < 200 || sample.status >= 300).map((sample) => String(sample.status))),
    transportErrors: countBy(samples.flatMap((sample) => ("error" in sample ? [sample.error] : []))),
    errorRate: samples.length === 0 ? 0 : round(failed / samples.length, 4),
    throughput: elapsedSeconds > 0 ? round(succeeded / elapsedSeconds, 2) : 0,
    elapsedSeconds: round(elapsedSeconds, 3),
    latencyMs: { p50: at(50), p95: at(95), p99: at(99), max: at(100) },
  };
}

/** Every limit the measurement breaks, each naming the limit, the measured value and the allowed one. */
export function breaches(measured: Measurement, limits: Limits): Breach[] {
  const found: Breach[] = [];
  if (measured.requests === 0) {
    found.push({ limit: "--duration", message: "no request was sent: nothing was measured" });
    return found;
  }
  for (const [p, limit, max] of [
    ["p95", "--max-p95-ms", limits.maxP95Ms],
    ["p99", "--max-p99-ms", limits.maxP99Ms],
  ] as const) {
    const value = measured.latencyMs[p];
    if (value === null) found.push({ limit, message: `${p} latency cannot be measured: no request got an answer (limit ${max} ms)` });
    else if (value > max) found.push({ limit, message: `${p} latency ${value} ms exceeds the limit of ${max} ms` });
  }
  if (measured.errorRate > limits.maxErrorRate) {
    found.push({
      limit: "--max-error-rate",
      message: `error rate ${percent(measured.errorRate)} (${measured.requests - measured.succeeded} of ${measured.requests} requests) exceeds the limit of ${percent(limits.maxErrorRate)}`,
    });
  }
  if (measured.throughput < limits.minThroughput) {
    found.push({ limit: "--min-throughput", message: `throughput ${measured.throughput} successful requests/s is below the minimum of ${limits.minThroughput}/s` });
  }
  return found;
}

export function percent(share: number): string {
  return `${round(share * 100, 2)}%`;
}
