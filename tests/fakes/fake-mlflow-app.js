#!/usr/bin/env node
/**
 * The application's code as tests/mlflow-access.test.ts needs it: calls MLflow the way MLflow's
 * Python client does, from MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME and
 * MLFLOW_TRACKING_PASSWORD (basic auth only when both are set), and exits 1 on any refusal.
 *
 *   python <…train…>.py   creates or finds EXPERIMENT_NAME, starts a run, writes OUTPUT_DIR/training.json
 *   python <other>.py     reads the registered model MODEL_NAME, writes OUTPUT_FILE (the drift step)
 *   build                 the image build: the download URI of MODEL_NAME version MODEL_VERSION
 */
"use strict";
const { Buffer } = require("node:buffer");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const env = process.env;

/**
 * One REST call. node:http rather than fetch: this runs once per step, and loading fetch's
 * implementation costs a fresh node more than the rest of its work.
 */
function call(method, endpoint, body) {
  const headers = { "Content-Type": "application/json" };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    headers.Authorization = `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString("base64")}`;
  }
  if (!env.MLFLOW_TRACKING_URI) return Promise.reject(new Error("MLFLOW_TRACKING_URI is not set"));
  return new Promise((resolve, reject) => {
    const request = http.request(`${env.MLFLOW_TRACKING_URI.replace(/\/$/, "")}/api/2.0/mlflow/${endpoint}`, { method, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        try {
          resolve({ status: response.statusCode, answer: JSON.parse(text) });
        } catch (error) {
          reject(error);
        }
      });
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function required(method, endpoint, body) {
  const { status, answer } = await call(method, endpoint, body);
  if (status >= 400) throw new Error(`${method} ${endpoint}: ${status} ${answer.error_code}`);
  return answer;
}

async function train() {
  let created = await call("POST", "experiments/create", { name: env.EXPERIMENT_NAME });
  let experimentId = created.answer.experiment_id;
  if (created.status === 400 && created.answer.error_code === "RESOURCE_ALREADY_EXISTS") {
    experimentId = (await required("GET", `experiments/get-by-name?experiment_name=${encodeURIComponent(env.EXPERIMENT_NAME)}`)).experiment.experiment_id;
  } else if (created.status >= 400) {
    throw new Error(`POST experiments/create: ${created.status} ${created.answer.error_code}`);
  }
  const run = await required("POST", "runs/create", { experiment_id: experimentId });
  fs.mkdirSync(env.OUTPUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(env.OUTPUT_DIR, "training.json"), JSON.stringify({ run_id: run.run.info.run_id, metrics: { rmse: 6.1 } }));
}

async function drift() {
  await required("GET", `registered-models/get?name=${encodeURIComponent(env.MODEL_NAME)}`);
  fs.mkdirSync(path.dirname(env.OUTPUT_FILE), { recursive: true });
  fs.writeFileSync(env.OUTPUT_FILE, JSON.stringify({ model_name: env.MODEL_NAME, drift_score: 0.1 }));
}

async function build() {
  await required("GET", `model-versions/get-download-uri?name=${encodeURIComponent(env.MODEL_NAME)}&version=${env.MODEL_VERSION}`);
}

const [script] = process.argv.slice(2);
const work = script === "build" ? build : /train/.test(script ?? "") ? train : drift;
work().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`fake application: ${error.message}\n`);
    process.exit(1);
  },
);
