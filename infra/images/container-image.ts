import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Image } from "@pulumi/docker/image";
import * as pulumi from "@pulumi/pulumi";

export const GHCR = "ghcr.io";

export interface ContainerImageArgs {
  /** The build context: a folder of images/ holding the Dockerfile. */
  readonly context: string;
  /** `ghcr.io/<owner>/<name>`, lower case. */
  readonly repository: string;
  readonly username: string;
  readonly token: pulumi.Input<string>;
}

/** Every file of a build context, hashed in path order: the image's tag. */
export function contextHash(context: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  for (const file of walk(context).sort()) {
    hash.update(path.relative(context, file).split(path.sep).join("/")).update("\0").update(fs.readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/**
 * An image built from a folder of this project and pushed to GHCR, tagged by the hash of its
 * context so an unchanged folder is never rebuilt; services run it by digest.
 */
export class ContainerImage extends pulumi.ComponentResource {
  readonly image: Image;
  /** `ghcr.io/<owner>/<name>@sha256:…`: what task definitions reference. */
  readonly digestReference: pulumi.Output<string>;
  readonly tag: string;

  constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlops-cicd:images:ContainerImage", name, {}, opts);

    if (args.repository !== args.repository.toLowerCase() || !args.repository.startsWith(`${GHCR}/`)) {
      throw new Error(`ContainerImage ${name}: the repository must be a lower-case ghcr.io name, got ${args.repository}.`);
    }
    this.tag = contextHash(args.context).slice(0, 16);
    this.image = new Image(
      name,
      {
        imageName: `${args.repository}:${this.tag}`,
        // Relative to the project (where Pulumi runs), so the state is the same on every machine.
        build: { context: path.relative(process.cwd(), args.context).split(path.sep).join("/"), platform: "linux/amd64" },
        registry: { server: GHCR, username: args.username, password: pulumi.secret(args.token) },
      },
      { parent: this },
    );
    this.digestReference = this.image.repoDigest;
    this.registerOutputs({ digestReference: this.digestReference });
  }
}
