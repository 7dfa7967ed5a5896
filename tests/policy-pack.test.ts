/**
 * The pack as `pulumi preview --policy-pack policy` starts it: Pulumi's own policy-pack runner
 * (resolved from policy/ the way the Node.js language host resolves it), compiling policy/index.ts
 * with type checking, serving the analyzer over gRPC. The test plays the engine's side of the
 * protocol, so the pack's layout, its package.json and its loading from the repository's
 * node_modules are checked without the Pulumi CLI.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { ALL_POLICIES, POLICY_PACK_NAME, productionEnvironmentProtected } from "../policy/policies";
import { ROOT } from "./harness";

const PACK = path.join(ROOT, "policy");

let pack: ChildProcess | undefined;
let client: AnalyzerClient;

beforeAll(async () => {
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK] });
  // The first argument is the engine's address, which the runner only passes along.
  const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: PACK, stdio: ["ignore", "pipe", "pipe"] });
  pack = child;
  const port = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += String(chunk);
      const line = /^(\d+)\n/.exec(stdout);
      if (line) resolve(line[1] as string);
    });
    child.stderr?.on("data", (chunk: Buffer) => (stderr += String(chunk)));
    child.on("exit", (code) => reject(new Error(`the pack exited with ${code} before serving:\n${stdout}${stderr}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.close();
  if (pack?.pid !== undefined && pack.exitCode === null) process.kill(pack.pid);
});

/** A unary call as a promise. */
function call<Response>(start: (callback: (error: grpc.ServiceError | null, response: Response) => void) => unknown): Promise<Response> {
  return new Promise((resolve, reject) => start((error, response) => (error ? reject(error) : resolve(response))));
}

function resourceOptions(): analyzer.AnalyzerResourceOptions {
  return new analyzer.AnalyzerResourceOptions().setProtect(false).setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts());
}

function messagesOf(response: analyzer.AnalyzeResponse): [string, string][] {
  return response.getDiagnosticsList().map((diagnostic) => [diagnostic.getPolicyname(), diagnostic.getMessage()]);
}

it("serves every policy of policy/policies under the pack's name and package.json's version", async () => {
  const info = await call<analyzer.AnalyzerInfo>((done) => client.getAnalyzerInfo(new Empty(), done));
  expect(info.getName()).toBe(POLICY_PACK_NAME);
  expect(info.getVersion()).toBe("0.1.0");
  expect(info.getPoliciesList().map((policy) => policy.getName())).toEqual(ALL_POLICIES.map((policy) => policy.name));
  const noKeys = info.getPoliciesList().find((policy) => policy.getName() === "no-long-lived-cloud-keys");
  expect(noKeys?.getConfigschema()?.getProperties()?.toJavaScript()).toEqual({
    allowLongLivedCloudKeys: { type: "boolean", default: false, description: "Accept long-lived cloud keys, for a workflow that cannot use OIDC." },
  });
});

it("reports a resource's violation to the engine, and nothing for a compliant one", async () => {
  const environment = (waitTimer: number) =>
    new analyzer.AnalyzeRequest()
      .setType("github:index/repositoryEnvironment:RepositoryEnvironment")
      .setName("production")
      .setUrn("urn:pulumi:production::mlops-cicd::github:index/repositoryEnvironment:RepositoryEnvironment::production")
      .setProperties(Struct.fromJavaScript({ environment: "production", reviewers: [{ teams: [1], users: [] }], waitTimer, preventSelfReview: true }))
      .setOptions(resourceOptions());

  expect(messagesOf(await call<analyzer.AnalyzeResponse>((done) => client.analyze(environment(5), done)))).toEqual([]);
  // The SDK puts the policy's description before the message.
  expect(messagesOf(await call<analyzer.AnalyzeResponse>((done) => client.analyze(environment(2), done)))).toEqual([
    [
      "production-environment-protected",
      `${productionEnvironmentProtected.description}\n` +
        "Environment `production` waits 2 minutes after approval; at least 5 are required to leave time to cancel. Set `waitTimer` to 5 or more (infra/environments.ts, waitTimerMinutes).",
    ],
  ]);
});

it("runs the stack policies over the whole stack", async () => {
  const bucket = new analyzer.AnalyzerResource()
    .setType("aws:s3/bucket:Bucket")
    .setName("scratch")
    .setUrn("urn:pulumi:production::mlops-cicd::aws:s3/bucket:Bucket::scratch")
    .setProperties(Struct.fromJavaScript({ bucketPrefix: "scratch-" }))
    .setOptions(resourceOptions());
  const response = await call<analyzer.AnalyzeResponse>((done) => client.analyzeStack(new analyzer.AnalyzeStackRequest().setResourcesList([bucket]), done));
  expect(messagesOf(response).map(([policy]) => policy)).toEqual(["s3-buckets-protected", "s3-buckets-protected", "s3-buckets-protected"]);
  expect(response.getDiagnosticsList().every((diagnostic) => diagnostic.getUrn() === bucket.getUrn())).toBe(true);
});
