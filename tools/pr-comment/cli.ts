/**
 * `npm run -s pr-comment -- --preview <stack>=<preview.json> [--preview <stack>=<file> ...] [--details-url <url>]`
 *
 * Prints the pull request's preview comment (Markdown) for the stacks' `pulumi preview --json`
 * output, in the order given. Exit codes: 0 printed, 2 bad arguments or a file that is missing or
 * not a preview (every problem on stderr, nothing on stdout), 1 anything else.
 */
import { UsageError, parseOptions, runCommand } from "../command-line";
import { InputFileError, readInputFile } from "../../infra/input-file";
import { type StackPreview, buildComment } from "./comment";
import { PreviewFormatError, PreviewJsonError, parsePreview } from "./preview";

const USAGE =
  "usage: npm run -s pr-comment -- --preview <stack>=<preview.json> [--preview <stack>=<file> ...] [--details-url <url>]";

/** A preview of every resource of a large stack with --show-secrets stays far below this. */
const MAX_PREVIEW_BYTES = 256 * 1024 * 1024;

/** Pulumi's stack names, optionally qualified: `production`, `acme/mlops-cicd/production`. */
const STACK_NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+){0,2}$/;


interface Arguments {
  readonly previews: readonly { readonly stack: string; readonly file: string }[];
  readonly detailsUrl?: string;
}

function parsePreviewArgument(value: string): { stack: string; file: string } {
  const separator = value.indexOf("=");
  const stack = separator === -1 ? "" : value.slice(0, separator);
  const file = separator === -1 ? "" : value.slice(separator + 1);
  if (!stack || !file) {
    throw new UsageError(`--preview ${JSON.stringify(value)}: expected <stack>=<file>, e.g. --preview production=preview-production.json.`, USAGE);
  }
  if (!STACK_NAME.test(stack)) {
    throw new UsageError(
      `--preview ${JSON.stringify(value)}: ${JSON.stringify(stack)} is not a stack name: letters, digits, "-", "_" and "." only (or <org>/<project>/<stack>).`,
      USAGE,
    );
  }
  return { stack, file };
}

/** A link target that cannot end the Markdown link early. */
function parseDetailsUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--details-url ${JSON.stringify(value)} is not a URL: give the workflow run's, e.g. "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID".`, USAGE);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`--details-url ${JSON.stringify(value)} must be an http(s) URL.`, USAGE);
  }
  return url.href.replace(/\(/g, "%28").replace(/\)/g, "%29");
}

/** The command line, checked: a UsageError (exit 2) names the first problem, then the usage. */
export function parseCommandLine(argv: readonly string[]): Arguments {
  const parsed = parseOptions(argv, { preview: { type: "string", multiple: true }, "details-url": { type: "string" } }, USAGE);
  const values = parsed.preview ?? [];
  if (values.length === 0) throw new UsageError("--preview is required, once per stack.", USAGE);
  const previews = values.map(parsePreviewArgument);
  const seen = new Map<string, string>();
  for (const { stack, file } of previews) {
    const earlier = seen.get(stack);
    if (earlier !== undefined) {
      throw new UsageError(`Stack ${JSON.stringify(stack)} is given twice (${earlier} and ${file}): give each stack once.`, USAGE);
    }
    seen.set(stack, file);
  }
  const detailsUrl = parsed["details-url"];
  return { previews, ...(detailsUrl !== undefined ? { detailsUrl: parseDetailsUrl(detailsUrl) } : {}) };
}

/** Every stack's preview, or every problem with them at once. */
function readPreviews(previews: Arguments["previews"]): { loaded: StackPreview[]; problems: string[] } {
  const loaded: StackPreview[] = [];
  const problems: string[] = [];
  for (const { stack, file } of previews) {
    const where = `${stack} (${file})`;
    let text: string;
    try {
      text = readInputFile(file, MAX_PREVIEW_BYTES);
    } catch (err) {
      const reason = err instanceof InputFileError ? err.reason : (err as Error).message;
      problems.push(`${where}: ${reason}. Write it with \`pulumi preview --stack ${stack} --json > ${file}\`.`);
      continue;
    }
    try {
      loaded.push({ stack, preview: parsePreview(text) });
    } catch (err) {
      if (err instanceof PreviewJsonError) {
        problems.push(`${where}: not valid JSON (${err.detail}). Give the stdout of \`pulumi preview --json\` alone, with nothing else written to it.`);
      } else if (err instanceof PreviewFormatError) {
        problems.push(`${where}: not the output of \`pulumi preview --json\`: ${err.problems.join("; ")}.`);
      } else {
        throw err;
      }
    }
  }
  return { loaded, problems };
}

function main(): number {
  const args = parseCommandLine(process.argv.slice(2));
  const { loaded, problems } = readPreviews(args.previews);
  if (problems.length > 0) {
    process.stderr.write(`Cannot build the preview comment:\n${problems.map((problem) => `- ${problem}`).join("\n")}\n`);
    return 2;
  }
  process.stdout.write(buildComment(loaded, { detailsUrl: args.detailsUrl }));
  return 0;
}

if (require.main === module) runCommand("pr-comment", main);
