import cluster, { type Worker } from "node:cluster";
import { createKmsApi } from "./app.js";
import {
  type EmbeddedConfig,
  openEmbedded,
  recordEndpoint,
  type ServeOptions,
  startHousekeeping,
} from "./bootstrap.js";

/**
 * `serve` across several processes (KMS_WORKERS > 1). Node runs one event loop per process, so the
 * data plane uses more than one core only with more processes. The primary opens the data directory
 * (migrations, first-start provisioning), runs housekeeping and replaces workers that die; the
 * workers share the port and each is a complete server over the shared store, metering with its own
 * group commit into its own metering journal (worker-<slot>), so the workers never wait for each
 * other to count a request. (Handing the counts to the primary as the one writer was measured too:
 * the extra hop cost more than the shared write lock it saved.)
 */

const SHUTDOWN = "kms-shutdown";
const WORKER_SLOT = "KMS_WORKER_SLOT";

const CRASH_WINDOW_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * How long to wait before replacing a worker, given when workers died recently (this death
 * included): at once for a lone crash, then doubling from a quarter second up to 30 s while deaths
 * keep coming within a minute of each other, so a worker that crashes on every start does not make
 * the primary fork in a tight loop.
 */
export function restartDelay(deaths: readonly number[], now: number): number {
  const recent = deaths.filter((t) => now - t < CRASH_WINDOW_MS).length;
  return recent <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** (recent - 2));
}

export interface ClusterPrimary {
  endpoint: string;
  close(): Promise<void>;
}

export async function servePrimary(config: EmbeddedConfig, opts: ServeOptions = {}): Promise<ClusterPrimary> {
  const log = opts.log ?? console.error;
  const embedded = await openEmbedded(config, log);
  const stopHousekeeping = startHousekeeping(embedded.engine, opts.housekeepingIntervalMs ?? 60_000, log);
  let closing = false;
  let announce!: (endpoint: string) => void;
  let fail!: (e: Error) => void;
  const started = new Promise<string>((ok, ko) => {
    announce = ok;
    fail = ko;
  });
  const listening = new Set<Worker>();
  let announced = false;
  let deaths: number[] = [];
  const pendingRestarts = new Set<NodeJS.Timeout>();

  // A replacement takes the slot of the worker it replaces, and with it that worker's metering journal.
  const fork = (slot: number) => {
    const worker = cluster.fork({ [WORKER_SLOT]: String(slot) });
    worker.on("listening", (address) => {
      listening.add(worker);
      if (!announced && listening.size === config.workers) {
        announced = true;
        const at = recordEndpoint(embedded, address.port);
        log(`KMS API listening on ${at} (${config.workers} worker processes)`);
        log(`Credentials (AK/SK, console passwords): ${embedded.credentialsFile}`);
        announce(at);
      }
    });
    worker.on("exit", (code, signal) => {
      const served = listening.delete(worker);
      if (closing) return;
      if (!served) {
        // It never listened (port taken, bad configuration): another fork would fail the same way.
        log(`worker ${worker.process.pid} exited before listening (${signal ?? code}); not restarted`);
        fail(new Error("a worker process could not start listening"));
        return;
      }
      const now = Date.now();
      deaths = [...deaths.filter((t) => now - t < CRASH_WINDOW_MS), now];
      const delay = restartDelay(deaths, now);
      log(
        `worker ${worker.process.pid} exited (${signal ?? code}); starting another` +
          (delay > 0 ? ` in ${delay} ms (${deaths.length} exits within a minute)` : ""),
      );
      const timer = setTimeout(() => {
        pendingRestarts.delete(timer);
        fork(slot);
      }, delay);
      pendingRestarts.add(timer);
    });
  };

  const close = async () => {
    if (closing) return;
    closing = true;
    stopHousekeeping();
    for (const timer of pendingRestarts) clearTimeout(timer);
    const exits = Object.values(cluster.workers ?? {}).map(
      (w) =>
        new Promise<void>((done) => {
          if (!w || w.isDead()) return done();
          w.once("exit", () => done());
          w.send(SHUTDOWN);
        }),
    );
    await Promise.all(exits);
    await embedded.close();
  };

  for (let slot = 1; slot <= config.workers; slot++) fork(slot);
  try {
    return { endpoint: await started, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A worker: the HTTP API over the shared store, stopped by the primary. */
export async function serveWorker(config: EmbeddedConfig): Promise<void> {
  const embedded = await openEmbedded(config, () => {}, {
    meteringJournal: `worker-${process.env[WORKER_SLOT] ?? process.pid}`,
  });
  const app = createKmsApi({ engine: embedded.engine, logLevel: config.logLevel });
  const shutdown = async () => {
    await app.close(); // lets the requests in flight finish (and their counts flush)
    await embedded.close();
    process.exit(0);
  };
  process.on("message", (m: unknown) => {
    if (m === SHUTDOWN) void shutdown();
  });
  // The primary is gone (killed): stop with it rather than serve unsupervised.
  process.on("disconnect", () => process.exit(1));
  // Ctrl-C reaches the whole process group; the primary decides when workers stop.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => {});
  await app.listen({ host: config.host, port: config.port });
}
