/**
 * One initialised PGlite data directory, made once per installed PGlite and kept as a tarball in
 * node_modules/.cache, for every test database to start from.
 *
 * `new PGlite()` runs initdb each time: about 5 s of CPU, while the tests on it take milliseconds.
 * Starting from a copy of a data directory that initdb already made skips all of it and gives the
 * same empty cluster. Plain JavaScript, so jest's globalSetup can make it before the workers start.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "mlops-cicd-pglite");

// initdb's default 16 MB WAL segment is 16 MB of zeros unpacked into every test database; the
// tests write kilobytes.
const INITDB_PARAMS = ["--wal-segsize=1"];
// PGlite's default shared_buffers (128 MB) is zeroed at every start-up, which is most of the
// start-up; the tests' tables fit in a few pages.
const SERVER_SETTINGS = ["-c", "shared_buffers=16MB"];

function loadPGlite() {
  return require("@electric-sql/pglite");
}

/** The options every test PGlite starts with: PGlite's own start parameters plus SERVER_SETTINGS. */
function startParams() {
  return [...loadPGlite().PGlite.defaultStartParams, ...SERVER_SETTINGS];
}

function templatePath() {
  // The package exports no package.json; its entry point is dist/index.cjs.
  const manifest = path.join(path.dirname(require.resolve("@electric-sql/pglite")), "..", "package.json");
  const { version } = JSON.parse(fs.readFileSync(manifest, "utf8"));
  const key = crypto.createHash("sha256").update(JSON.stringify([version, INITDB_PARAMS])).digest("hex").slice(0, 12);
  return path.join(CACHE, `pgdata-${version}-${key}.tar`);
}

/**
 * The path of the template tarball, made first if this PGlite has none yet. Written under a
 * temporary name and renamed, so a run that stops half-way, or two workers making it at once,
 * never leave a partial file behind.
 */
async function pgliteTemplate() {
  const file = templatePath();
  if (fs.existsSync(file)) return file;
  const { PGlite } = loadPGlite();
  const db = new PGlite({ initDbStartParams: INITDB_PARAMS, startParams: startParams() });
  try {
    await db.waitReady;
    const tarball = await db.dumpDataDir("none");
    fs.mkdirSync(CACHE, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, new Uint8Array(await tarball.arrayBuffer()));
    fs.renameSync(partial, file);
  } finally {
    await db.close();
  }
  return file;
}

module.exports = { pgliteTemplate, startParams };
