/**
 * The one database interface the metrics code uses: a single connection that runs parameterized
 * queries and multi-statement scripts. Two implementations: node-postgres for a real server and
 * PGlite (PostgreSQL in WebAssembly) for machines without one.
 */
import type { Client, ClientConfig } from "pg";

export interface Sql {
  /** One statement, `$1`-style parameters, rows as objects. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements, no parameters (migration files). */
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Runs `work` in a transaction on `sql`, committing on success and rolling back on any error. */
export async function transaction<T>(sql: Sql, work: () => Promise<T>): Promise<T> {
  await sql.exec("BEGIN");
  try {
    const result = await work();
    await sql.exec("COMMIT");
    return result;
  } catch (error) {
    // A lost connection cannot roll back, and need not: the server rolls back what it lost. The
    // error worth reporting is the first one.
    await sql.exec("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** A node-postgres connection to `url`. */
export function connectPostgres(url: string): Promise<Sql> {
  return connectPostgresWith({ connectionString: url });
}

/** A node-postgres connection with explicit settings (TLS options, timeouts). */
export async function connectPostgresWith(config: ClientConfig): Promise<Sql> {
  // Loaded here so code that never talks to a server does not pay for the driver.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require("pg") as typeof import("pg");
  const client: Client = new pg.Client({ application_name: "mlops-cicd", ...config });
  // A dropped connection is reported as the next query's rejection, not as an unhandled 'error'
  // event that would end the process without a message; the rejection says why it dropped.
  let lost: (Error & { code?: string }) | undefined;
  client.on("error", (error: Error & { code?: string }) => (lost ??= error));
  const run = async (text: string, params?: readonly unknown[]) => {
    try {
      return await client.query(text, params as unknown[] | undefined);
    } catch (error) {
      // The server may end the session while a query runs (a failover, pg_terminate_backend): the
      // query then fails with SQLSTATE 57P01-57P03 or class 08 before the socket's 'error' event.
      const failed = error as Error & { code?: string };
      const cause = lost ?? (/^(?:08|57P0[1-3])/.test(failed.code ?? "") ? failed : undefined);
      if (cause === undefined) throw error;
      throw Object.assign(new Error(`the connection to the database was lost: ${cause.message}`), { code: cause.code ?? "08006" });
    }
  };
  await client.connect();
  return {
    query: async (text, params) => (await run(text, params)).rows,
    exec: async (text) => {
      await run(text);
    },
    close: () => client.end(),
  };
}

/** The subset of PGlite's API used here (its types are ESM-only). */
export interface PGliteLike {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(text: string): Promise<unknown>;
  close(): Promise<void>;
}

export function fromPGlite(db: PGliteLike): Sql {
  return {
    query: async <Row extends Record<string, unknown>>(text: string, params?: readonly unknown[]) =>
      (await db.query<Row>(text, params ? [...params] : undefined)).rows,
    exec: async (text) => {
      await db.exec(text);
    },
    close: () => db.close(),
  };
}
