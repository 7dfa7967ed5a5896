/**
 * `npm run mutation`'s arithmetic: the score per module from Stryker's JSON report, as Stryker
 * defines it (timeouts kill, uncovered mutants count against), and the table it prints.
 */
import { formatScores, moduleScores } from "../tools/mutation";

const mutants = (statuses: Record<string, number>) => Object.entries(statuses).flatMap(([status, count]) => Array.from({ length: count }, () => ({ status })));

it("scores each file killed / (killed + survived + uncovered), timeouts as killed, ignoring what cannot be scored", () => {
  const scores = moduleScores({
    files: {
      "tools/b.ts": { mutants: mutants({ Killed: 5, Timeout: 1, Survived: 1, NoCoverage: 1, CompileError: 4, Ignored: 2 }) },
      "tools/a.ts": { mutants: mutants({ Killed: 2 }) },
      "tools/c.ts": { mutants: mutants({ Ignored: 3 }) },
    },
  });
  expect(scores).toEqual([
    { file: "tools/a.ts", killed: 2, survived: 0, noCoverage: 0, score: 100 },
    { file: "tools/b.ts", killed: 6, survived: 1, noCoverage: 1, score: 75 },
    { file: "tools/c.ts", killed: 0, survived: 0, noCoverage: 0, score: 100 },
  ]);
});

it("prints one aligned line per module", () => {
  expect(formatScores([{ file: "tools/pr-comment/redact.ts", killed: 170, survived: 12, noCoverage: 0, score: 93.4 }]).split("\n")).toEqual([
    "module                      score",
    "tools/pr-comment/redact.ts   93.4%   170 killed   12 survived    0 uncovered",
  ]);
});
