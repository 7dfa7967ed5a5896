/**
 * `npm run mutation [-- --suite comment|policy]`: mutation testing of the code that guards secrets and
 * reviewers (StrykerJS), then one line per module with its score.
 *
 * - comment: the preview comment's redaction, its masking boundary and its Markdown escaping,
 *   against the pr-comment tests (stryker.config.json);
 * - policy: the policy pack's evaluation and the normalisation every policy relies on, against the
 *   policy tests (stryker.policy.config.json).
 *
 * The score is killed / (killed + survived + no coverage), timeouts counted as killed, Stryker's
 * own definition. Exit code 1 when a module scores under TARGET, so a run in a scheduled job fails
 * loudly; 2 on bad arguments. Minutes, not seconds: not part of `npm test`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, parseOptions, runCommand } from "./command-line";
import { spawnSync } from "node:child_process";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run -s mutation [-- --suite comment|policy ...]  (both when none is given)";
/** What the modules must score (issue: the tests of the code that guards secrets are tested). */
export const TARGET = 85;

const SUITES: Readonly<Record<string, { readonly config: string; readonly report: string }>> = {
  comment: { config: "stryker.config.json", report: "reports/mutation/pr-comment.json" },
  policy: { config: "stryker.policy.config.json", report: "reports/mutation/policy.json" },
};

interface Mutant {
  readonly status: string;
}

/** Stryker's JSON report (mutation-testing-report-schema): mutants per file. */
interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: readonly Mutant[] }>>;
}

export interface ModuleScore {
  readonly file: string;
  readonly killed: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** Percent, one decimal; 100 for a module with no scorable mutant. */
  readonly score: number;
}

/** Scores per file of a report, in file order. */
export function moduleScores(report: Report): ModuleScore[] {
  return Object.entries(report.files)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, { mutants }]) => {
      const count = (...statuses: string[]) => mutants.filter((mutant) => statuses.includes(mutant.status)).length;
      const killed = count("Killed", "Timeout");
      const survived = count("Survived");
      const noCoverage = count("NoCoverage");
      const scored = killed + survived + noCoverage;
      return { file, killed, survived, noCoverage, score: scored === 0 ? 100 : Math.round((killed / scored) * 1000) / 10 };
    });
}

export function formatScores(scores: readonly ModuleScore[]): string {
  const width = Math.max(...scores.map((score) => score.file.length), "module".length);
  const rows = scores.map(
    (score) => `${score.file.padEnd(width)}  ${score.score.toFixed(1).padStart(5)}%  ${String(score.killed).padStart(4)} killed  ${String(score.survived).padStart(3)} survived  ${String(score.noCoverage).padStart(3)} uncovered`,
  );
  return [`${"module".padEnd(width)}  score`, ...rows].join("\n");
}

function main(): number {
  const given = parseOptions(process.argv.slice(2), { suite: { type: "string", multiple: true } }, USAGE).suite ?? [];
  const names = given.length ? [...new Set(given)] : Object.keys(SUITES);
  for (const name of names) {
    if (!(name in SUITES)) throw new UsageError(`--suite ${JSON.stringify(name)} is not a suite: give ${Object.keys(SUITES).join(" or ")}, or no --suite for both.`, USAGE);
  }
  const scores: ModuleScore[] = [];
  for (const name of names) {
    const { config, report } = SUITES[name];
    const reportPath = path.join(ROOT, report);
    // A report left from an earlier run must not pass for this one's.
    fs.rmSync(reportPath, { force: true });
    const run = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js"), "run", config], { cwd: ROOT, stdio: "inherit" });
    if (run.status !== 0 || !fs.existsSync(reportPath)) {
      process.stderr.write(`mutation: Stryker's ${name} run failed (exit ${run.status ?? run.signal}); its output is above.\n`);
      return 1;
    }
    scores.push(...moduleScores(JSON.parse(fs.readFileSync(reportPath, "utf8")) as Report));
  }
  process.stdout.write(`\n${formatScores(scores)}\n`);
  const under = scores.filter((score) => score.score < TARGET);
  if (under.length) {
    process.stderr.write(`mutation: under ${TARGET}%: ${under.map((score) => score.file).join(", ")}. Kill the survivors listed above with tests, or show them equivalent.\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) runCommand("mutation", main);
