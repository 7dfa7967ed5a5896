/**
 * Building a service image: Buildx with the layer cache in the Actions cache, pushed to GHCR as
 * `<registry>/<repository>/<service>`, scanned with Trivy, and signed keyless with cosign by
 * digest. The build step's id is `build`; its `digest` output names what was pushed. A build that
 * never pushes (a pull request's) is loaded into the runner's Docker under a local tag and scanned
 * there, so a pull request cannot move to a vulnerable base image unnoticed.
 */
import { ACTIONS } from "./actions";
import type { Step } from "./model";
import { script } from "./steps";

export interface ImageBuildArgs {
  /** The service name, or an expression for it: the image's last path segment and cache scope. */
  readonly service: string;
  readonly context: string;
  /** docker/metadata-action tag rules, one per line. */
  readonly tags: string;
  /**
   * Whether to log in, push and sign: `true`, `false` (build, load into the runner's Docker and
   * scan there; nothing leaves the runner), or an expression.
   */
  readonly push: boolean | string;
  /** build-args, one `NAME=value` per line. */
  readonly buildArgs?: string;
  /**
   * BuildKit secrets, `id=value` per line: mounted only into the `RUN` instructions that ask for
   * them (`--mount=type=secret,id=…`), never in a layer, the image's history or the build cache.
   */
  readonly secrets?: string;
}

/** The tag a build that never pushes gets in the runner's Docker: what its scan reads. */
export function localImageTag(service: string): string {
  return `${service}:pull-request`;
}

/** Trivy's image scan as every build runs it: fixable critical and high findings fail the job. */
function trivyImageScan(imageRef: string, report: { format: "sarif"; output: string } | { format: "table" }): Step {
  return {
    name: "Trivy image scan",
    uses: ACTIONS.trivy,
    with: { "scan-type": "image", "image-ref": imageRef, severity: "CRITICAL,HIGH", "ignore-unfixed": true, ...report, "exit-code": "1" },
  };
}

export function buildAndPushImage(args: ImageBuildArgs): Step[] {
  // A build that never pushes needs no registry login and no signature: its job holds no write token.
  const never = args.push === false;
  const pushing = typeof args.push === "boolean" ? undefined : args.push.replace(/^\$\{\{\s*|\s*\}\}$/g, "");
  const whenPushing = (step: Step): Step[] => {
    if (never) return [];
    const condition = pushing === undefined ? step.if : step.if === undefined ? pushing : `(${pushing}) && (${step.if})`;
    return [{ ...step, ...(condition !== undefined ? { if: condition } : {}) }];
  };
  return [
    { name: "Set up Buildx", uses: ACTIONS.setupBuildx },
    ...whenPushing({
      name: "Log in to GHCR",
      uses: ACTIONS.dockerLogin,
      with: { registry: "${{ env.DOCKER_REGISTRY }}", username: "${{ github.actor }}", password: "${{ secrets.GITHUB_TOKEN }}" },
    }),
    {
      id: "meta",
      name: "Image tags and labels",
      uses: ACTIONS.dockerMetadata,
      with: { images: `\${{ env.DOCKER_REGISTRY }}/\${{ env.IMAGE_NAME }}/${args.service}`, tags: args.tags },
    },
    {
      id: "build",
      name: never ? "Build" : "Build and push",
      uses: ACTIONS.dockerBuildPush,
      // A build with secrets keeps no build record: its raw logs would escape GitHub's masking.
      ...(args.secrets !== undefined ? { env: { DOCKER_BUILD_RECORD_UPLOAD: "false" } } : {}),
      with: {
        context: args.context,
        push: args.push,
        // Loaded into the runner's Docker under one local tag, for the scan below to read.
        ...(never ? { load: true } : {}),
        tags: never ? localImageTag(args.service) : "${{ steps.meta.outputs.tags }}",
        labels: "${{ steps.meta.outputs.labels }}",
        ...(args.buildArgs !== undefined ? { "build-args": args.buildArgs } : {}),
        ...(args.secrets !== undefined ? { secrets: args.secrets } : {}),
        "cache-from": `type=gha,scope=${args.service}`,
        // Pull requests read the default branch's cache: layers made with secrets (the model a
        // deploy fetches) are never written to it.
        ...(args.secrets === undefined ? { "cache-to": `type=gha,scope=${args.service},mode=max` } : {}),
      },
    },
    // The image as pushed, by digest: what is scanned is what is signed and deployed.
    ...whenPushing({
      id: "image",
      name: "Image reference",
      env: { IMAGE_SERVICE: args.service, DIGEST: "${{ steps.build.outputs.digest }}" },
      run: script('echo "ref=${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${IMAGE_SERVICE}@${DIGEST}" >> "$GITHUB_OUTPUT"'),
    }),
    // The spec's container scan: fixable critical and high findings fail the job before the image
    // is signed, so no deployment takes it. Trivy pulls it with the registry login above.
    ...whenPushing(trivyImageScan("${{ steps.image.outputs.ref }}", { format: "sarif", output: "trivy-image.sarif" })),
    // A pull request's image, scanned in the runner's Docker with the same rule, so the check fails
    // on the pull request rather than on main after the push. The findings go to the log as a
    // table: uploading SARIF needs security-events: write, which a fork's token never has and a job
    // building a pull request's code is not given.
    ...(never ? [trivyImageScan(localImageTag(args.service), { format: "table" })] : []),
    ...whenPushing({
      name: "Upload Trivy image findings",
      if: "always() && hashFiles('trivy-image.sarif') != ''",
      uses: ACTIONS.codeqlUploadSarif,
      with: { sarif_file: "trivy-image.sarif", category: `trivy-image-${args.service}` },
    }),
    ...whenPushing({ name: "Install cosign", uses: ACTIONS.cosignInstaller }),
    ...whenPushing({
      name: "Sign the image",
      env: { IMAGE_REF: "${{ steps.image.outputs.ref }}" },
      run: script('cosign sign --yes "$IMAGE_REF"'),
    }),
  ];
}
