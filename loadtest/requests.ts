/**
 * The fixed request mix of the load test: per routed service type, its prediction endpoint and the
 * bodies sent in turn. The trips are the smoke test's kind (workflows/scripts/smoke-test.sh): what
 * every version of the services accepts, so a breach measures the revision, not the payload.
 */
export const LOAD_TEST_SERVICES = ["web-service", "mlflow-service"] as const;
export type LoadTestService = (typeof LOAD_TEST_SERVICES)[number];

/** A few short, medium and long trips: the same four, in the same order, every run. */
const TRIPS = [
  { PULocationID: "10", DOLocationID: "50", trip_distance: 40 },
  { PULocationID: "43", DOLocationID: "151", trip_distance: 1.2 },
  { PULocationID: "132", DOLocationID: "236", trip_distance: 17.8 },
  { PULocationID: "74", DOLocationID: "75", trip_distance: 0.6 },
] as const;

export interface LoadRequest {
  /** Path on the API host. */
  readonly path: string;
  readonly body: string;
}

/** The mix for a service: one request per trip, sent round-robin. */
export function requestMix(service: LoadTestService): readonly LoadRequest[] {
  return TRIPS.map((trip) =>
    service === "web-service"
      ? { path: "/predict", body: JSON.stringify(trip) }
      : // MLflow's scoring server takes a pandas split of records.
        { path: "/invocations", body: JSON.stringify({ dataframe_records: [trip] }) },
  );
}
