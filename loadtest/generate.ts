/**
 * The load generator: `concurrency` workers, each sending the request mix in turn, one request at a
 * time, until the duration is over; a request in flight then is waited for (up to its timeout).
 * Connections are kept alive, as a client in front of the API would keep them.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { LoadRequest } from "./requests";
import type { Sample } from "./measure";

export interface LoadOptions {
  /** The API's base URL: each request's path is appended to it. */
  readonly baseUrl: URL;
  readonly requests: readonly LoadRequest[];
  /** Sent with every request (the test-traffic header that routes to the new revision). */
  readonly headers: Readonly<Record<string, string>>;
  readonly concurrency: number;
  readonly durationMs: number;
  /** A request without an answer by then counts as a transport error (`timeout`). */
  readonly timeoutMs: number;
}

export interface LoadRun {
  readonly samples: Sample[];
  readonly elapsedSeconds: number;
}

export async function generateLoad(options: LoadOptions): Promise<LoadRun> {
  const secure = options.baseUrl.protocol === "https:";
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: options.concurrency })
    : new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const base = options.baseUrl.href.replace(/\/+$/, "");
  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = started + options.durationMs;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      // One shared counter: the mix is spread evenly over all workers, the same way every run.
      const request = options.requests[next++ % options.requests.length] as LoadRequest;
      samples.push(await send(`${base}${request.path}`, request.body, options, agent, secure));
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { samples, elapsedSeconds: (performance.now() - started) / 1000 };
}

function send(url: string, body: string, options: LoadOptions, agent: http.Agent, secure: boolean): Promise<Sample> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const settle = (sample: Sample) => {
      if (!settled) {
        settled = true;
        resolve(sample);
      }
    };
    const request = (secure ? https : http).request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...options.headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
      },
      (response) => {
        // The whole answer counts: latency is until its last byte, as a client waits for it.
        response.resume();
        response.on("end", () => settle({ status: response.statusCode ?? 0, latencyMs: performance.now() - started }));
        response.on("error", (error: NodeJS.ErrnoException) => settle({ error: error.code ?? "ERESPONSE" }));
      },
    );
    request.setTimeout(options.timeoutMs, () => {
      settle({ error: "timeout" });
      request.destroy();
    });
    request.on("error", (error: NodeJS.ErrnoException) => settle({ error: error.code ?? "EREQUEST" }));
    request.end(body);
  });
}
