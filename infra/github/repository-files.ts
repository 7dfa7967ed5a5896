import { stringify } from "yaml";
import { type RepositoryFileSpec, generatedHeader } from "../../contracts/repository-files";


function commentBlock(lines: readonly string[]): string {
  return lines.map((line) => `# ${line}`).join("\n") + "\n";
}

/** `.github/CODEOWNERS`: every path, and the generated files explicitly, owned by `owners`. */
export function renderCodeowners(owners: readonly string[]): RepositoryFileSpec {
  if (owners.length === 0) throw new Error("renderCodeowners: at least one owner is required.");
  const list = owners.join(" ");
  const body = [
    `* ${list}`,
    // The last matching line wins in CODEOWNERS; restating .github/ keeps workflow changes owned
    // even if someone later adds a narrower rule above it.
    `/.github/ ${list}`,
  ].join("\n");
  return {
    path: ".github/CODEOWNERS",
    content: commentBlock(generatedHeader("infra/github/repository-files.ts")) + "\n" + body + "\n",
  };
}

export interface DependabotArgs {
  readonly pipDirectories: readonly string[];
  readonly dockerDirectories: readonly string[];
}

/**
 * `.github/dependabot.yml` for what the application repository owns: its Python requirements and
 * Dockerfiles. Not `github-actions`: the workflows are rendered and committed by this program, so a
 * Dependabot pull request against them would be reverted by the next `pulumi up`; their action pins
 * are kept current here (workflows/actions.ts). Updates are grouped per ecosystem so a week of patch
 * releases is one pull request, not twenty.
 * @see https://docs.github.com/en/code-security/dependabot/working-with-dependabot/dependabot-options-reference
 */
export function renderDependabot(args: DependabotArgs): RepositoryFileSpec {
  const update = (ecosystem: string, directories: readonly string[]) => ({
    "package-ecosystem": ecosystem,
    directories: [...directories],
    schedule: { interval: "weekly", day: "monday" },
    "open-pull-requests-limit": 5,
    groups: {
      [`${ecosystem}-minor-and-patch`]: { "update-types": ["minor", "patch"] },
    },
  });
  const document = {
    version: 2,
    updates: [
      update("pip", args.pipDirectories),
      update("docker", args.dockerDirectories),
    ].filter((entry) => entry.directories.length > 0),
  };
  return {
    path: ".github/dependabot.yml",
    content: commentBlock(generatedHeader("infra/github/repository-files.ts")) + stringify(document, { lineWidth: 0 }),
  };
}
