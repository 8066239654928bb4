import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createKmsApi, loadRootKey, openEmbedded, readConfig } from "@kms/api";
import type { TCaller, TServiceCode } from "@kms/domain";
import {
  type Clock,
  createKms,
  createRootKey,
  type KmsEngine,
  type KmsStore,
  systemRandom,
} from "@kms/engine";
import { openStore } from "@kms/store";
import { call, loadContext, type SimContext, SimError } from "./context.js";
import { grantService } from "./grant.js";
import { createEvs } from "./services/evs.js";
import { createIms } from "./services/ims.js";
import { createObs } from "./services/obs.js";
import { createSfs } from "./services/sfs.js";

export const DEMO_MARK = "[demo]";
/** Written into the data directory after seeding: `{ seededAt, projectId }`. */
export const DEMO_FILE = "demo.json";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** This month, the seed aims 20 % past the free requests (20,000 unless KMS_FREE_REQUESTS says otherwise). */
const monthTarget = (freeRequests: number): number => Math.max(1000, Math.ceil(freeRequests * 1.2));
/** Requests per hour, at full daytime weight, in the hours before this month. */
const BASE_PER_HOUR = 40;

export interface SeedDemoOptions {
  dataDir: string;
  /** postgres://… when the KMS runs on PostgreSQL (KMS_DATABASE_URL by default). */
  databaseUrl?: string;
  /** How far back the usage history goes. */
  days?: number;
  /** "Now", the end of the history; the system time by default. */
  now?: Date;
  log?: (line: string) => void;
}

export interface SeedDemoSummary {
  projectId: string;
  keys: Array<{ alias: string; keyId: string; state: string; note: string }>;
  defaultKeys: string[];
  from: string;
  to: string;
  hours: number;
  /** Requests metered by the seed (key management and history). */
  requests: number;
  /** Everything metered in the project since the start of this month (UTC). */
  requestsThisMonth: number;
}

/** A clock the seed moves through the past; the API checks signatures against it too. */
function movableClock(start: Date): Clock & { set(d: Date): void } {
  let t = start.getTime();
  return { now: () => new Date(t), set: (d) => (t = d.getTime()) };
}

/** Busier in the working day (UTC 8-20) and on weekdays. */
function weight(hour: Date): number {
  const h = hour.getUTCHours();
  const daytime = h >= 8 && h < 20 ? 1 : h >= 6 && h < 22 ? 0.6 : 0.25;
  const weekday = [0, 6].includes(hour.getUTCDay()) ? 0.5 : 1;
  return daytime * weekday;
}

const CUSTOM_KEYS = [
  {
    alias: "demo-payments",
    spec: "AES_256",
    note: "enabled, rotated (on demand and by its 30-day schedule)",
  },
  { alias: "demo-customer-pii", spec: "AES_256", note: "enabled, granted to OBS" },
  { alias: "demo-document-signing", spec: "RSA_2048", usage: "SIGN_VERIFY", note: "enabled, asymmetric" },
  { alias: "demo-legacy-archive", spec: "AES_256", note: "disabled on day 3" },
  { alias: "demo-old-backups", spec: "AES_256", note: "pending deletion (scheduled two days ago)" },
] as const;

const DESCRIPTIONS: Record<string, string> = {
  "demo-payments": "Payment records: envelope encryption for the orders database",
  "demo-customer-pii": "Customer personal data exported to object storage",
  "demo-document-signing": "Signs invoices and contracts",
  "demo-legacy-archive": "Archive of the retired billing system",
  "demo-old-backups": "Backups from before the migration; no longer needed",
};

/**
 * Seeds a demo project into a data directory: custom keys in every state (created and changed over
 * the admin's KMS API), default keys born through the simulators' first uses, and a month of hourly
 * usage. The past is produced honestly: an in-process KMS on the same store runs with a clock the
 * seed moves hour by hour, and the same operations the simulators call are metered in those hours.
 * Refuses a data directory that already has custom keys. Meant for a fresh data directory before
 * the server starts; a KMS already serving the directory stays correct (the store is safe for two
 * processes) but its live traffic would mix with the demo's.
 */
export async function seedDemo(opts: SeedDemoOptions): Promise<SeedDemoSummary> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(opts.dataDir);
  const config = readConfig({
    ...process.env,
    KMS_DATA_DIR: dataDir,
    KMS_PORT: "0",
    KMS_HOST: "127.0.0.1",
    KMS_METERING: "on",
    KMS_DATABASE_URL: opts.databaseUrl ?? process.env.KMS_DATABASE_URL ?? "",
  });
  // First start: let the embedded bootstrap provision the project and write credentials.json.
  if (!existsSync(path.join(dataDir, "credentials.json"))) await (await openEmbedded(config, log)).close();

  const end = opts.now ?? new Date();
  const days = opts.days ?? 30;
  const start = new Date(Math.floor((end.getTime() - days * DAY) / HOUR) * HOUR);
  const clock = movableClock(new Date(start.getTime() + 5 * 60_000));
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqliteFile: path.join(dataDir, "kms.sqlite"),
  });
  let engine: KmsEngine | undefined;
  let app: ReturnType<typeof createKmsApi> | undefined;
  try {
    await store.migrate();
    engine = createKms({
      store,
      clock,
      random: systemRandom,
      rootKey: createRootKey(loadRootKey(config, log)),
    });
    app = createKmsApi({ engine, clock });
    const endpoint = (await app.listen({ host: "127.0.0.1", port: 0 })).replace("localhost", "127.0.0.1");
    const ctx = loadContext({ dataDir, endpoint, now: () => clock.now() });
    const summary = await seed(ctx, engine, clock, {
      start,
      end,
      log,
      databaseUrl: config.databaseUrl,
      store,
    });
    // The console reads this marker to tell people the data is simulated.
    writeFileSync(
      path.join(dataDir, DEMO_FILE),
      `${JSON.stringify({ seededAt: new Date().toISOString(), projectId: summary.projectId })}\n`,
    );
    return summary;
  } finally {
    await app?.close();
    await engine?.close();
    await store.close();
  }
}

async function seed(
  ctx: SimContext,
  engine: KmsEngine,
  clock: Clock & { set(d: Date): void },
  o: { start: Date; end: Date; log: (l: string) => void; databaseUrl?: string; store: KmsStore },
): Promise<SeedDemoSummary> {
  const listed = await call<{ key_details: Array<{ default_key_flag: string; key_alias: string }> }>(
    ctx.admin,
    "list-keys",
    { key_spec: "ALL" },
  );
  const custom = listed.key_details.filter((k) => k.default_key_flag === "0");
  if (custom.length > 0) {
    throw new SimError(
      `refusing to seed demo data: the project already has ${custom.length} custom key(s) (${custom[0]!.key_alias}, …)`,
    );
  }

  // Day 0: the admin creates the custom keys.
  const ids: Record<string, string> = {};
  for (const k of CUSTOM_KEYS) {
    const r = await call<{ key_info: { key_id: string } }>(ctx.admin, "create-key", {
      key_alias: k.alias,
      key_spec: k.spec,
      ...("usage" in k ? { key_usage: k.usage } : {}),
      key_description: `${DEMO_MARK} ${DESCRIPTIONS[k.alias]}`,
    });
    ids[k.alias] = r.key_info.key_id;
  }
  await call(ctx.admin, "enable-key-rotation", { key_id: ids["demo-payments"], rotation_interval: 30 });
  await grantService(ctx, "obs", ids["demo-customer-pii"]!, { databaseUrl: o.databaseUrl });
  o.log(`demo: created ${CUSTOM_KEYS.length} custom keys`);

  // The services' first uses create their default keys.
  clock.set(new Date(o.start.getTime() + 20 * 60_000));
  await createObs(ctx).upload(Buffer.from("Welcome to the demo bucket.\n"), "welcome.txt");
  await createObs(ctx).upload(Buffer.from("id,name\n1,Ada\n"), "customer-export.csv", {
    key: ids["demo-customer-pii"]!,
  });
  await createEvs(ctx).createVolume("demo-volume-1");
  await createIms(ctx).encryptImage("demo-image-1");
  await createSfs(ctx).createFileSystem("demo-share-1");
  const defaultKeys = ["obs/default", "evs/default", "ims/default", "sfs/default"];
  o.log("demo: default keys born through OBS, EVS, IMS and SFS");

  // The history: every hour, the operations the simulators and an application make.
  const callers = new Map<TServiceCode | "app", TCaller>();
  for (const who of ["obs", "evs", "ims", "sfs", "app"] as const) {
    const ak = who === "app" ? ctx.credentials.users.admin.ak : ctx.credentials.services[who].ak;
    const auth = await engine.authenticate(ak);
    if (!auth) throw new SimError(`the KMS does not know the ${who} access key`);
    auth.secretKey.fill(0);
    callers.set(who, auth.caller);
  }
  const caller = (who: TServiceCode | "app") => callers.get(who)!;
  let sealed: Array<{ keyId: string; ciphertext: Buffer }> = [];
  let appKeys = [ids["demo-payments"]!, ids["demo-customer-pii"]!, ids["demo-legacy-archive"]!];

  const operations: Array<{ w: number; run: () => Promise<unknown> }> = [];
  for (const svc of ["obs", "evs", "ims", "sfs"] as const) {
    const pool: Array<{ keyId: string; ciphertext: Buffer }> = [];
    const create = async () => {
      const r = await engine.createDataKey(caller(svc), {
        ref: `${svc}/default`,
        lengthBits: 256,
        withPlaintext: true,
      });
      r.plaintext?.fill(0);
      if (pool.length < 16) pool.push({ keyId: r.keyId, ciphertext: r.ciphertext });
    };
    const w = svc === "obs" ? 3 : 1;
    operations.push({ w, run: create });
    operations.push({
      w: 2 * w,
      async run() {
        const item = pool[Math.floor(Math.random() * pool.length)];
        if (!item) return create();
        const r = await engine.decryptDataKey(caller(svc), {
          ref: item.keyId,
          ciphertext: item.ciphertext,
          dataKeyLength: 32,
        });
        r.dataKey.fill(0);
      },
    });
  }
  operations.push({
    w: 1,
    async run() {
      // OBS uploads to the bucket encrypted with the customer's key (granted).
      const r = await engine.createDataKey(caller("obs"), {
        ref: ids["demo-customer-pii"]!,
        lengthBits: 256,
        withPlaintext: true,
      });
      r.plaintext?.fill(0);
    },
  });
  const pickAppKey = () => appKeys[Math.floor(Math.random() * appKeys.length)]!;
  const encrypt = async () => {
    const r = await engine.encryptData(caller("app"), {
      ref: pickAppKey(),
      plaintext: Buffer.from(`order-${Math.floor(Math.random() * 1e9)}`),
    });
    const item = { keyId: r.keyId, ciphertext: r.ciphertext };
    if (sealed.length < 32) sealed.push(item);
    else sealed[Math.floor(Math.random() * sealed.length)] = item;
  };
  operations.push({ w: 3, run: encrypt });
  operations.push({
    w: 3,
    run: () => {
      const c = sealed[Math.floor(Math.random() * sealed.length)];
      return c ? engine.decryptData(caller("app"), { ciphertext: c.ciphertext }) : encrypt();
    },
  });
  operations.push({ w: 1, run: () => engine.describeKey(caller("app"), pickAppKey()) });
  const total = operations.reduce((s, op) => s + op.w, 0);
  const pick = () => {
    let r = Math.random() * total;
    for (const op of operations) {
      r -= op.w;
      if (r < 0) return op;
    }
    return operations[0]!;
  };

  const monthStart = new Date(Date.UTC(o.end.getUTCFullYear(), o.end.getUTCMonth(), 1));
  const hours: Date[] = [];
  for (let t = o.start.getTime(); t < o.end.getTime(); t += HOUR) hours.push(new Date(t));
  const monthWeight = hours.filter((h) => h >= monthStart).reduce((s, h) => s + weight(h), 0);
  const monthPerWeight = Math.max(
    BASE_PER_HOUR,
    Math.ceil(monthTarget(engine.pricing.freeRequestsPerMonth) / Math.max(monthWeight, 0.25)),
  );
  const events: Array<{ at: number; run: () => Promise<unknown>; done?: boolean }> = [
    {
      at: o.start.getTime() + 3 * DAY,
      run: async () => {
        await call(ctx.admin, "disable-key", { key_id: ids["demo-legacy-archive"] });
        // The application stops using it (its old ciphertexts could no longer be decrypted).
        appKeys = appKeys.filter((k) => k !== ids["demo-legacy-archive"]);
        sealed = sealed.filter((c) => c.keyId !== ids["demo-legacy-archive"]);
      },
    },
    {
      at: o.start.getTime() + 10 * DAY,
      run: () => call(ctx.admin, "rotate-on-demand", { key_id: ids["demo-payments"] }),
    },
    {
      at: o.end.getTime() - 2 * DAY,
      run: () =>
        call(ctx.admin, "schedule-key-deletion", { key_id: ids["demo-old-backups"], pending_days: 7 }),
    },
  ];

  let requests = 0;
  let lastDay = -1;
  for (const hour of hours) {
    // Mid-hour, but never past "now" (the current hour is only partly history).
    clock.set(new Date(Math.min(hour.getTime() + 30 * 60_000, o.end.getTime() - 1000)));
    const now = clock.now().getTime();
    for (const e of events) {
      if (!e.done && e.at <= now) {
        e.done = true;
        await e.run();
        requests++;
      }
    }
    const day = Math.floor((now - o.start.getTime()) / DAY);
    if (day !== lastDay) {
      lastDay = day;
      // What the server's housekeeping timers would have done that day.
      await engine.rotateDueKeys();
      await engine.sweepDueDeletions();
    }
    const n = Math.round(weight(hour) * (hour >= monthStart ? monthPerWeight : BASE_PER_HOUR));
    // Concurrent batches share one group commit, as concurrent requests do on the server.
    for (let done = 0; done < n; done += 50) {
      const batch = Array.from({ length: Math.min(50, n - done) }, () => pick().run());
      await Promise.all(batch);
    }
    requests += n;
  }
  o.log(`demo: metered ${requests} requests over ${hours.length} hours`);

  const keys: SeedDemoSummary["keys"] = [];
  for (const k of CUSTOM_KEYS) {
    const d = await call<{ key_info: { key_state: string } }>(ctx.admin, "describe-key", {
      key_id: ids[k.alias],
    });
    keys.push({ alias: k.alias, keyId: ids[k.alias]!, state: d.key_info.key_state, note: k.note });
  }
  // Every operation above awaited its metering, so the counts are durable.
  const requestsThisMonth = await o.store.sumUsage({
    projectId: ctx.credentials.projectId,
    from: monthStart,
  });
  return {
    projectId: ctx.credentials.projectId,
    keys,
    defaultKeys,
    from: o.start.toISOString(),
    to: o.end.toISOString(),
    hours: hours.length,
    requests,
    requestsThisMonth,
  };
}
