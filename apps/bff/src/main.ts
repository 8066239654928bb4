#!/usr/bin/env node
import { ConfigError } from "@kms/api";
import { serve } from "./server.js";

/** `node dist/main.js`: the console's BFF on the embedded store. */
try {
  const running = await serve();
  process.stderr.write(`Console (BFF) listening on ${running.url}\n`);
  const stop = (signal: string) => {
    process.stderr.write(`${signal}: BFF shutting down\n`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (e) {
  process.stderr.write(
    `kms-bff: ${e instanceof ConfigError || e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exitCode = 1;
}
