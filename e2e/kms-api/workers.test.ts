import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kmsCall } from "./support/client.js";
import { serveInTempDir } from "./support/server.js";
import { openTargetStore } from "./support/store.js";
import { cleanupAfterAll } from "./support/temp.js";

/** PIDs of the live processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid && state !== "Z") found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const defer = cleanupAfterAll();

describe("serve with KMS_WORKERS=2", () => {
  it("answers from two worker processes, meters exactly, sees state changes across workers and replaces a killed worker", async () => {
    const server = await serveInTempDir("workers", defer, { KMS_WORKERS: "2" });
    const primary = server.child.pid!;
    expect(childrenOf(primary)).toHaveLength(2);
    const { admin } = server.credentials.users;
    const target = server;

    const created = await kmsCall(target, admin, "create-key", { key_alias: "workers" });
    expect(created.status, created.text).toBe(200);
    const keyId = created.json.key_info.key_id as string;

    // 400 encryptions, 40 at a time over fresh connections, spread over both workers.
    let acknowledged = 0;
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          kmsCall(target, admin, "encrypt-data", { key_id: keyId, plain_text: `r${round} #${i}` }),
        ),
      );
      for (const a of answers) {
        expect(a.status, a.text).toBe(200);
        acknowledged++;
      }
    }
    const sample = await kmsCall(target, admin, "encrypt-data", { key_id: keyId, plain_text: "sample" });
    acknowledged++;
    const back = await kmsCall(target, admin, "decrypt-data", { cipher_text: sample.json.cipher_text });
    expect(back.json.plain_text).toBe("sample");

    // A change acknowledged by one worker holds for every request after it, whichever worker answers.
    const disabled = await kmsCall(target, admin, "disable-key", { key_id: keyId });
    expect(disabled.status, disabled.text).toBe(200);
    const refused = await Promise.all(
      Array.from({ length: 20 }, () =>
        kmsCall(target, admin, "encrypt-data", { key_id: keyId, plain_text: "x" }),
      ),
    );
    expect(refused.map((r) => r.json.error?.error_code)).toEqual(Array(20).fill("KMS.0209"));
    expect((await kmsCall(target, admin, "enable-key", { key_id: keyId })).status).toBe(200);

    // A killed worker is replaced, and the service keeps answering.
    const [victim] = childrenOf(primary);
    process.kill(victim!, "SIGKILL");
    await until("a replacement worker", () => {
      const now = childrenOf(primary);
      return now.length === 2 && !now.includes(victim!) ? now : undefined;
    });
    const after = await until("an answer after the replacement", async () => {
      const r = await kmsCall(target, admin, "encrypt-data", { key_id: keyId, plain_text: "after" }).catch(
        () => undefined,
      );
      return r?.status === 200 ? r : undefined;
    });
    expect(after.status).toBe(200);
    acknowledged++;

    // A graceful stop ends the workers; every acknowledged request is counted exactly once.
    await server.stop();
    expect(childrenOf(primary)).toEqual([]);
    const store = await openTargetStore({ kind: "sqlite", dataDir: server.dataDir });
    try {
      const projectId = target.credentials.projectId;
      const counted = await store.sumUsage({ projectId, keyId });
      // The acknowledged encryptions, plus create, decrypt, disable, 20 refusals and enable. Attempts
      // that reached no live worker while the replacement started were never answered, so never counted.
      expect(counted).toBe(acknowledged + 1 + 1 + 1 + 20 + 1);
    } finally {
      await store.close();
    }
  });
});
