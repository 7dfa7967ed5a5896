/**
 * The Dockerfile checks `npm test` runs on every image of this project: dockerfile-utils' own
 * validation (syntax, instruction arguments), then the rules that make an image fit to run here:
 *
 * - every base image pinned to a version (a tag other than `latest`, or a digest), so a rebuild
 *   is the same image;
 * - the final stage runs as a user other than root;
 * - a HEALTHCHECK, so ECS and the load balancer can tell a hung container from a live one.
 */
import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";

export interface DockerfileFinding {
  /** 1-based line. */
  readonly line: number;
  readonly rule: string;
  readonly message: string;
}

const ROOT_USERS = new Set(["root", "0", "0:0", "root:root"]);

export function lintDockerfile(content: string): DockerfileFinding[] {
  const findings: DockerfileFinding[] = validate(content).map((diagnostic) => ({
    line: diagnostic.range.start.line + 1,
    rule: "dockerfile-utils",
    message: typeof diagnostic.message === "string" ? diagnostic.message : diagnostic.message.value,
  }));

  const dockerfile = DockerfileParser.parse(content);
  const stages = new Set<string>();
  for (const from of dockerfile.getFROMs()) {
    const line = from.getRange().start.line + 1;
    const image = from.getImageName();
    const stage = from.getBuildStage();
    if (image !== null && !stages.has(image) && image !== "scratch") {
      const tag = from.getImageTag();
      const digest = from.getImageDigest();
      if (digest === null && (tag === null || tag === "latest")) {
        findings.push({ line, rule: "pinned-base-image", message: `Pin the base image ${image} to a version tag or a digest, not ${tag ?? "an implicit latest"}.` });
      }
    }
    if (stage !== null) stages.add(stage);
  }

  const instructions = dockerfile.getInstructions();
  const lastFrom = [...instructions].reverse().find((instruction) => instruction.getKeyword() === "FROM");
  const finalStage = lastFrom ? instructions.slice(instructions.indexOf(lastFrom)) : instructions;
  const users = finalStage.filter((instruction) => instruction.getKeyword() === "USER");
  const lastUser = users[users.length - 1];
  if (!lastUser) {
    findings.push({ line: 1, rule: "non-root-user", message: "Add a USER instruction: the image would run as root." });
  } else if (ROOT_USERS.has((lastUser.getArgumentsContent() ?? "").trim())) {
    findings.push({ line: lastUser.getRange().start.line + 1, rule: "non-root-user", message: "The last USER is root: switch to an unprivileged user." });
  }

  const healthchecks = instructions.filter((instruction) => instruction.getKeyword() === "HEALTHCHECK");
  const lastHealthcheck = healthchecks[healthchecks.length - 1];
  if (!lastHealthcheck) {
    findings.push({ line: 1, rule: "healthcheck", message: "Add a HEALTHCHECK so a hung container is replaced." });
  } else if ((lastHealthcheck.getArgumentsContent() ?? "").trim().toUpperCase() === "NONE") {
    findings.push({ line: lastHealthcheck.getRange().start.line + 1, rule: "healthcheck", message: "HEALTHCHECK NONE turns health checks off: give it a command." });
  }
  return findings.sort((a, b) => a.line - b.line);
}
