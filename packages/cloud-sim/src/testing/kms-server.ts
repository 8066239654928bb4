import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { readConfig, type Server, serve } from "@kms/api";

/** The real embedded KMS (`kms serve`) in-process on a fresh temporary data directory and a free port. */
export async function startKms(
  dataDir?: string,
): Promise<{ server: Server; dataDir: string; stop(): Promise<void> }> {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), "cloud-sim-")));
  const env: NodeJS.ProcessEnv = { KMS_DATA_DIR: dir, KMS_PORT: "0", KMS_HOST: "127.0.0.1" };
  const server = await serve(readConfig(env), { log: () => {} });
  return {
    server,
    dataDir: dir,
    async stop() {
      await server.close();
    },
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
