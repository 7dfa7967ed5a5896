/**
 * The PostgreSQL engines the metrics tests run on: always PGlite (PostgreSQL in WebAssembly, so a
 * machine without a server still runs them), and the server named by DATABASE_URL when it is set
 * (CI: PostgreSQL 15 on 127.0.0.1:5432). On the server each run gets a database of its own, dropped
 * afterwards.
 */
import * as fs from "node:fs";
import { connectPostgres, fromPGlite, PGliteLike, Sql } from "../infra/database/sql";

export interface TestDatabase {
  readonly sql: Sql;
  /** The database's name, for GRANT CONNECT. */
  readonly database: string;
  /** A prefix for role names that no other run uses (roles are cluster-wide on a server). */
  readonly rolePrefix: string;
  dispose(): Promise<void>;
}

export interface Engine {
  readonly name: string;
  open(): Promise<TestDatabase>;
}

interface PGliteTemplate {
  pgliteTemplate(): Promise<string>;
  startParams(): string[];
}

interface PGliteOptions {
  loadDataDir: Blob;
  startParams: string[];
}

const pglite: Engine = {
  name: "PGlite",
  async open() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PGlite } = require("@electric-sql/pglite") as { PGlite: new (options: PGliteOptions) => PGliteLike };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const template = require("./pglite-template") as PGliteTemplate;
    // A copy of a data directory initdb made once, not a fresh initdb per database.
    const loadDataDir = await fs.openAsBlob(await template.pgliteTemplate());
    const sql = fromPGlite(new PGlite({ loadDataDir, startParams: template.startParams() }));
    const [row] = await sql.query<{ database: string }>("SELECT current_database() AS database");
    return { sql, database: row?.database ?? "postgres", rolePrefix: "metrics", dispose: () => sql.close() };
  },
};

function serverEngine(url: string): Engine {
  return {
    name: `PostgreSQL server (${new URL(url).host})`,
    async open() {
      const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
      const database = `mlops_cicd_test_${suffix}`;
      const rolePrefix = `mlops_test_${suffix}`;
      const admin = await connectPostgres(url);
      await admin.exec(`CREATE DATABASE "${database}"`);
      const target = new URL(url);
      target.pathname = `/${database}`;
      const sql = await connectPostgres(target.toString());
      return {
        sql,
        database,
        rolePrefix,
        async dispose() {
          await sql.close();
          await admin.exec(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
          const roles = await admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [`${rolePrefix}%`]);
          for (const role of roles) await admin.exec(`DROP ROLE IF EXISTS "${role.rolname}"`);
          await admin.close();
        },
      };
    },
  };
}

/** PGlite, plus the server when DATABASE_URL names one. */
export const ENGINES: readonly Engine[] = process.env.DATABASE_URL ? [pglite, serverEngine(process.env.DATABASE_URL)] : [pglite];
