/**
 * A fake MLflow tracking server that enforces basic auth the way `mlflow server --app-name
 * basic-auth` does: 401 without a valid login, 403 without the permission the endpoint needs
 * (READ by default; EDIT on the registered model to add versions or move aliases; experiments
 * writable by their creator). It answers the REST calls the rendered workflows and the application's
 * MLflow client make, and records who called what.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type Permission = "READ" | "EDIT" | "MANAGE";

export interface FakeMlflowOptions {
  /** Logins: username to password. */
  readonly users: Readonly<Record<string, string>>;
  /** Grants on the registered model, by username; everyone else has the default READ. */
  readonly modelGrants: Readonly<Record<string, Permission>>;
  readonly modelName: string;
  /** Model versions already registered, with their tags. */
  readonly versions?: readonly { version: string; status: string; tags: Record<string, string> }[];
}

export interface Call {
  readonly user: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

const RANK: Record<Permission, number> = { READ: 1, EDIT: 2, MANAGE: 3 };

export class FakeMlflow {
  readonly calls: Call[] = [];
  private readonly server: http.Server;
  private readonly experiments = new Map<string, { id: string; creator: string }>();
  private readonly versions: { version: string; status: string; tags: Record<string, string>; runId?: string }[];
  private readonly aliases = new Map<string, string>();
  private runs = 0;

  constructor(private readonly options: FakeMlflowOptions) {
    this.versions = (options.versions ?? []).map((version) => ({ ...version }));
    this.server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => this.answer(request, body, response));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  alias(name: string): string | undefined {
    return this.aliases.get(name);
  }

  private login(request: http.IncomingMessage): string | undefined {
    const match = /^Basic (.+)$/.exec(request.headers.authorization ?? "");
    if (!match) return undefined;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const user = decoded.slice(0, decoded.indexOf(":"));
    return decoded.indexOf(":") > 0 && this.options.users[user] === decoded.slice(decoded.indexOf(":") + 1) ? user : undefined;
  }

  private modelPermission(user: string): number {
    return RANK[this.options.modelGrants[user] ?? "READ"];
  }

  private answer(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://mlflow");
    const method = request.method ?? "GET";
    const user = this.login(request);
    const send = (status: number, payload: unknown) => {
      this.calls.push({ user, method, path: url.pathname, status });
      response.writeHead(status, { "Content-Type": "application/json", ...(status === 401 ? { "WWW-Authenticate": 'Basic realm="mlflow"' } : {}) });
      response.end(JSON.stringify(payload));
    };
    if (!user) return send(401, { error_code: "UNAUTHENTICATED", message: "You are not authenticated." });
    const json = (): Record<string, string> => (body ? (JSON.parse(body) as Record<string, string>) : {});
    const needModel = (permission: Permission, name: string | null): boolean => {
      if (name !== this.options.modelName) {
        send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: `Registered Model with name=${name} not found` });
        return false;
      }
      if (this.modelPermission(user) < RANK[permission]) {
        send(403, { error_code: "PERMISSION_DENIED", message: "Permission denied" });
        return false;
      }
      return true;
    };
    const route = `${method} ${url.pathname.replace(/^\/api\/2\.0\/mlflow\//, "")}`;
    switch (route) {
      case "GET registered-models/get":
        if (needModel("READ", url.searchParams.get("name"))) send(200, { registered_model: { name: this.options.modelName } });
        return;
      case "POST model-versions/create": {
        const request = json();
        if (!needModel("EDIT", request.name)) return;
        const version = String(this.versions.length + 1);
        this.versions.push({ version, status: "READY", tags: {}, runId: request.run_id });
        return send(200, { model_version: { name: request.name, version, status: "READY" } });
      }
      case "GET model-versions/search": {
        const filter = url.searchParams.get("filter") ?? "";
        const release = /tag\.release='([^']*)'/.exec(filter)?.[1];
        const found = this.versions.filter((version) => release === undefined || version.tags.release === release);
        return send(200, { model_versions: found.map((version) => ({ name: this.options.modelName, ...version })) });
      }
      case "POST model-versions/set-tag": {
        const request = json();
        if (!needModel("EDIT", request.name)) return;
        const found = this.versions.find((version) => version.version === request.version);
        if (!found) return send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: `Model Version (name=${request.name}, version=${request.version}) not found` });
        found.tags[request.key] = request.value;
        return send(200, {});
      }
      case "GET model-versions/get": {
        if (!needModel("READ", url.searchParams.get("name"))) return;
        const found = this.versions.find((version) => version.version === url.searchParams.get("version"));
        return found === undefined
          ? send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: `Model Version (name=${this.options.modelName}, version=${url.searchParams.get("version")}) not found` })
          : send(200, { model_version: { name: this.options.modelName, ...found } });
      }
      case "GET model-versions/get-download-uri":
        if (needModel("READ", url.searchParams.get("name"))) send(200, { artifact_uri: `mlflow-artifacts:/models/${url.searchParams.get("version")}` });
        return;
      case "GET registered-models/alias": {
        if (!needModel("READ", url.searchParams.get("name"))) return;
        const version = this.aliases.get(url.searchParams.get("alias") ?? "");
        return version === undefined
          ? send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "alias not found" })
          : send(200, { model_version: { version } });
      }
      case "POST registered-models/alias": {
        const request = json();
        if (!needModel("EDIT", request.name)) return;
        this.aliases.set(request.alias, request.version);
        return send(200, {});
      }
      case "POST experiments/create": {
        const { name } = json();
        if (this.experiments.has(name)) return send(400, { error_code: "RESOURCE_ALREADY_EXISTS", message: `Experiment '${name}' already exists.` });
        const id = String(this.experiments.size + 1);
        this.experiments.set(name, { id, creator: user });
        return send(200, { experiment_id: id });
      }
      case "GET experiments/get-by-name": {
        const experiment = this.experiments.get(url.searchParams.get("experiment_name") ?? "");
        return experiment ? send(200, { experiment: { experiment_id: experiment.id } }) : send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "no such experiment" });
      }
      case "POST runs/create": {
        const { experiment_id: id } = json();
        const experiment = [...this.experiments.values()].find((candidate) => candidate.id === id);
        if (!experiment) return send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "no such experiment" });
        // A creator has MANAGE on its experiment; everyone else the default READ.
        if (experiment.creator !== user) return send(403, { error_code: "PERMISSION_DENIED", message: "Permission denied" });
        this.runs += 1;
        return send(200, { run: { info: { run_id: `run${this.runs}` } } });
      }
      default:
        return send(404, { error_code: "ENDPOINT_NOT_FOUND", message: `no endpoint ${route}` });
    }
  }
}
