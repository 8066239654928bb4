#!/usr/bin/env node
/**
 * `pnpm start`: the KMS API (127.0.0.1:8081) and the console BFF (127.0.0.1:8080, PORT overrides)
 * on one embedded store. The data directory is bootstrapped here first (root key, schema,
 * credentials.json), so the two processes never race to create them. Signals are forwarded; when
 * either process ends, the other is stopped.
 *
 * On the very first start (no credentials.json yet) a demo project is seeded — custom keys in every
 * state, default keys born through the simulators, a month of back-dated hourly usage — unless
 * started with `--no-demo` or KMS_DEMO=0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, openEmbedded, readConfig } from "@kms/api";
import { seedDemo } from "@kms/cloud-sim";

const here = path.dirname(fileURLToPath(import.meta.url));
const kmsCli = path.join(path.dirname(fileURLToPath(import.meta.resolve("@kms/api"))), "cli.js");
const bffMain = path.join(here, "main.js");

const log = (line: string) => process.stderr.write(`${line}\n`);
const demoWanted = () => process.env.KMS_DEMO !== "0" && !process.argv.includes("--no-demo");

async function bootstrap(): Promise<string> {
  const config = readConfig();
  const firstStart = !existsSync(path.join(config.dataDir, "credentials.json"));
  const embedded = await openEmbedded(config, log);
  await embedded.close();
  if (firstStart && demoWanted()) {
    log(
      "First start: seeding a demo project (a month of usage; keys described [demo]). Skip with --no-demo.",
    );
    const summary = await seedDemo({ dataDir: config.dataDir });
    log(
      `Demo data ready: ${summary.keys.length} custom keys, default keys ${summary.defaultKeys.join(", ")}, ` +
        `${summary.requestsThisMonth} requests metered this month.`,
    );
  }
  return config.dataDir;
}

function run(): void {
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  const start = (name: string, script: string, args: string[], env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: "inherit", env });
    child.on("exit", (code, signal) => {
      if (!stopping) {
        stopping = true;
        process.stderr.write(`${name} stopped (${signal ?? `exit ${code}`}); stopping the other process\n`);
        process.exitCode = code ?? 1;
        stopAll("SIGTERM");
      }
    });
    children.push(child);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopping = true;
      stopAll(signal);
    });
  }
  bootstrap().then(
    (dataDir) => {
      // An absolute data directory, so that both children open the same one whatever their cwd.
      const env = { ...process.env, KMS_DATA_DIR: dataDir };
      start("KMS API", kmsCli, ["serve"], env);
      start("BFF", bffMain, [], env);
    },
    (e: unknown) => {
      process.stderr.write(
        `kms start: ${e instanceof ConfigError || e instanceof Error ? e.message : String(e)}\n`,
      );
      process.exitCode = 1;
    },
  );
}

run();
