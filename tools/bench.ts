/**
 * `npm run bench [-- --runs N] [--only synth|tests]`: how long offline synth takes, against the
 * floor, and how long `npm test` takes (tools/bench-tests.ts), so a regression in either shows in
 * one command.
 *
 * Synth:
 *
 * The floor is a node process that only loads @pulumi/pulumi: no synth can be faster. Each stack's
 * synth runs N times as its own process, as `npm run synth` does, interleaved with the floor's runs;
 * the figures are medians of wall time and of peak resident memory (the child's VmHWM, sampled
 * from /proc). Each synth also shows how many resources it registered and what each cost over the
 * floor.
 * Targets: a synth within 1.5x the floor and under 400 MB.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { formatTestRun, measureTestRun } from "./bench-tests";

const ROOT = path.resolve(__dirname, "..");
const TIME_TARGET = 1.5;
const MEMORY_TARGET_MB = 400;

interface Sample {
  readonly seconds: number;
  readonly peakMb: number;
}

/** Runs `node args` and samples its peak resident memory from /proc while it runs. */
function measure(args: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    let peakKb = 0;
    const sample = () => {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // The process has exited between two samples.
      }
    };
    const timer = setInterval(sample, 5);
    child.on("exit", (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`node ${args.join(" ")} exited ${code}: ${stderr}`));
      else resolve({ seconds, peakMb: peakKb / 1024 });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

interface Series {
  readonly label: string;
  readonly args: string[];
  readonly samples: Sample[];
}

/**
 * Runs every series once per round, round after round, so a machine that gets busier or quieter
 * during the benchmark shifts all of them alike instead of whichever ran last.
 */
async function interleaved(series: Series[], runs: number): Promise<void> {
  for (const entry of series) await measure(entry.args); // warm-up: transpile cache, page cache
  for (let round = 0; round < runs; round++) {
    for (const entry of series) entry.samples.push(await measure(entry.args));
  }
}

/** One line of the report: a run's medians, and whether it meets its targets (undefined: no target). */
interface BenchRow {
  readonly label: string;
  readonly seconds: number;
  readonly peakMb: number;
  /** Against the floor, for the runs the floor bounds. */
  readonly ratio?: number;
  /** Anything else worth reading beside the figures. */
  readonly note?: string;
  readonly meetsTargets?: boolean;
}

/** How many resources a synth registered: every entry of its resources.json, components included. */
function registeredResources(outDir: string): number {
  return (JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")) as unknown[]).length;
}

/**
 * The floor, then one synth per stack, interleaved. Each synth's note gives its cost per resource
 * over the floor, the part of a synth that grows with the program.
 */
async function synthRows(runs: number): Promise<BenchRow[]> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  try {
    const floor: Series = { label: "floor: node -e require('@pulumi/pulumi')", args: ["-e", "require('@pulumi/pulumi')"], samples: [] };
    const stacks = ["staging", "production"].map((stack) => ({
      stack,
      series: {
        label: `synth --stack ${stack}`,
        args: ["-r", "./tools/register.js", "tools/synth/cli.ts", "--stack", stack, "--out", path.join(out, stack)],
        samples: [] as Sample[],
      },
    }));
    await interleaved([floor, ...stacks.map(({ series }) => series)], runs);
    const medians = (series: Series) => ({
      seconds: median(series.samples.map((sample) => sample.seconds)),
      peakMb: median(series.samples.map((sample) => sample.peakMb)),
    });
    const floorRow = { label: floor.label, ...medians(floor) };
    return [
      floorRow,
      ...stacks.map(({ stack, series }) => {
        const { seconds, peakMb } = medians(series);
        const ratio = seconds / floorRow.seconds;
        const resources = registeredResources(path.join(out, stack));
        const msPerResource = ((seconds - floorRow.seconds) * 1000) / resources;
        return {
          label: series.label,
          seconds,
          peakMb,
          ratio,
          note: `${resources} resources registered, ${msPerResource.toFixed(2)} ms each over the floor`,
          meetsTargets: ratio <= TIME_TARGET && peakMb <= MEMORY_TARGET_MB,
        };
      }),
    ];
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, only: { type: "string" } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
  if (values.only !== undefined && values.only !== "synth" && values.only !== "tests") {
    throw new Error(`--only takes synth or tests, got ${JSON.stringify(values.only)}`);
  }
  if (values.only !== "tests") await benchSynth(runs);
  if (values.only === undefined) process.stdout.write("\n");
  if (values.only !== "synth") process.stdout.write(formatTestRun(await measureTestRun()));
}

async function benchSynth(runs: number): Promise<void> {
  const rows = await synthRows(runs);
  process.stdout.write(`Offline synth, median of ${runs} interleaved runs each (after one warm-up), ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)}\n\n`);
  process.stdout.write("| run | wall time | vs floor | peak RSS | notes |\n| --- | ---: | ---: | ---: | --- |\n");
  for (const row of rows) {
    const ratio = row.ratio === undefined ? "" : `${row.ratio.toFixed(2)}x`;
    process.stdout.write(`| ${row.label} | ${row.seconds.toFixed(3)} s | ${ratio} | ${row.peakMb.toFixed(0)} MB | ${row.note ?? ""} |\n`);
  }
  const failed = rows.some((row) => row.meetsTargets === false);
  process.stdout.write(
    `\nTargets: within ${TIME_TARGET}x the floor and under ${MEMORY_TARGET_MB} MB per synth: ${failed ? "MISSED" : "met"}.\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
