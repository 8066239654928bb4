#!/usr/bin/env node
import cluster from "node:cluster";
import { parseArgs } from "node:util";
import { ZRole } from "@kms/domain";
import { addProject, ConfigError, readConfig, serve, setRole } from "./bootstrap.js";
import { servePrimary, serveWorker } from "./cluster.js";

const USAGE = `Usage:
  kms serve                    start the KMS API (embedded default: ./.data, 127.0.0.1:8081)
  kms add-project --name NAME  add a project to the domain; its credentials go to credentials.json
  kms set-role --user NAME --project ID_OR_NAME --role admin|viewer|none
                               give a user a role in a project (none: take it away)

Environment: KMS_DATA_DIR, KMS_HOST, KMS_PORT, KMS_DATABASE_URL, KMS_ROOT_KEY, KMS_LOG, KMS_METERING,
             KMS_METERING_SYNC (interval, the default: counts survive kill -9 and are synced every
             100 ms, or on PostgreSQL committed without waiting for its WAL flush; batch: synced
             before each answer),
             KMS_WORKERS (HTTP worker processes, 1 by default; "auto": one per CPU)`;

async function main(argv: string[]): Promise<number> {
  const [command = "serve", ...rest] = argv;
  const config = readConfig();
  if (command === "serve") {
    if (config.workers > 1 && !cluster.isPrimary) {
      await serveWorker(config);
      return -1;
    }
    const server = config.workers > 1 ? await servePrimary(config) : await serve(config);
    const stop = (signal: string) => {
      console.error(`${signal}: shutting down`);
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return -1; // keep running
  }
  if (command === "add-project") {
    const { values } = parseArgs({ args: rest, options: { name: { type: "string" } } });
    if (!values.name || !/^[a-zA-Z0-9_-]{1,64}$/.test(values.name)) {
      console.error("add-project needs --name NAME (1-64 of letters, digits, _ and -)");
      return 2;
    }
    const r = await addProject(config, values.name);
    console.error(
      `Added project ${values.name} (${r.projectId}); credentials appended to ${r.credentialsFile}`,
    );
    return 0;
  }
  if (command === "set-role") {
    const { values } = parseArgs({
      args: rest,
      options: { user: { type: "string" }, project: { type: "string" }, role: { type: "string" } },
    });
    const role = values.role === "none" ? null : ZRole.safeParse(values.role).data;
    if (!values.user || !values.project || role === undefined) {
      console.error("set-role needs --user NAME --project ID_OR_NAME --role admin|viewer|none");
      return 2;
    }
    const r = await setRole(config, { user: values.user, project: values.project, role });
    console.error(`${values.user} is now ${role ?? "without a role"} in project ${r.projectId}`);
    return 0;
  }
  console.error(USAGE);
  return command === "help" || command === "--help" ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    // Configuration problems are the user's to fix: say what; anything else: no internals.
    console.error(
      e instanceof ConfigError ? e.message : `kms: ${e instanceof Error ? e.message : String(e)}`,
    );
    process.exitCode = 1;
  },
);
