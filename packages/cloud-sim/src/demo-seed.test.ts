import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore } from "@kms/store";
import { afterAll, describe, expect, it } from "vitest";
import { call, loadContext } from "./context.js";
import { DEMO_FILE, DEMO_MARK, seedDemo } from "./demo-seed.js";
import { removeDir, startKms } from "./testing/kms-server.js";

type KeyDetails = {
  key_id: string;
  key_alias: string;
  key_description: string;
  default_key_flag: string;
  key_state: string;
  creation_date: string;
};

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

describe("seedDemo", () => {
  it("seeds keys in every state, default keys, and a month of usage past the free quota", {
    timeout: 120_000,
  }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "cloud-sim-demo-"));
    dirs.push(dataDir);
    const now = new Date();
    const summary = await seedDemo({ dataDir, now });

    const states = new Set(summary.keys.map((k) => k.state));
    expect(states).toEqual(new Set(["2", "3", "4"]));
    expect(summary.defaultKeys).toEqual(["obs/default", "evs/default", "ims/default", "sfs/default"]);
    expect(summary.requestsThisMonth).toBeGreaterThan(20_000);
    expect(summary.hours).toBeGreaterThanOrEqual(30 * 24);
    // The marker the console shows as a demo banner.
    const marker = JSON.parse(await readFile(path.join(dataDir, DEMO_FILE), "utf8"));
    expect(marker.projectId).toBe(summary.projectId);
    expect(Number.isNaN(Date.parse(marker.seededAt))).toBe(false);

    // The metering store agrees, and the history is spread over the past hours, not dumped in one.
    const store = await openStore({ sqliteFile: path.join(dataDir, "kms.sqlite") });
    try {
      const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const thisMonth = await store.sumUsage({ projectId: summary.projectId, from: monthStart });
      expect(thisMonth).toBe(summary.requestsThisMonth);
      const lastDay = await store.sumUsage({
        projectId: summary.projectId,
        from: new Date(now.getTime() - 86_400_000),
      });
      expect(lastDay).toBeGreaterThan(0);
      expect(lastDay).toBeLessThan(thisMonth);
      const all = await store.sumUsage({ projectId: summary.projectId });
      expect(all).toBeGreaterThanOrEqual(summary.requests);
    } finally {
      await store.close();
    }

    // Seen through the real KMS afterwards.
    const kms = await startKms(dataDir);
    try {
      const ctx = loadContext({ dataDir });
      const keys = (await call<{ key_details: KeyDetails[] }>(ctx.admin, "list-keys", { key_spec: "ALL" }))
        .key_details;
      const custom = keys.filter((k) => k.default_key_flag === "0");
      expect(custom).toHaveLength(summary.keys.length);
      for (const k of custom) expect(k.key_description.startsWith(DEMO_MARK)).toBe(true);
      // created at the start of the history, not today
      for (const k of custom) expect(Number(k.creation_date)).toBeLessThan(now.getTime() - 29 * 86_400_000);
      const defaults = keys.filter((k) => k.default_key_flag === "1").map((k) => k.key_alias);
      expect(defaults.sort()).toEqual(["evs/default", "ims/default", "obs/default", "sfs/default"]);

      const payments = summary.keys.find((k) => k.alias === "demo-payments")!;
      const rotation = await call<{ number_of_rotations: number }>(ctx.admin, "get-key-rotation-status", {
        key_id: payments.keyId,
      });
      expect(rotation.number_of_rotations).toBeGreaterThanOrEqual(1);
    } finally {
      await kms.stop();
    }

    // A second seed of the same directory is refused.
    await expect(seedDemo({ dataDir })).rejects.toThrow(/refusing to seed demo data/);
  });
});
