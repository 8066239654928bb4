import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, KmsCallError, loadContext, type SimContext } from "../context.js";
import { grantService } from "../grant.js";
import { removeDir, startKms } from "../testing/kms-server.js";
import { runTraffic } from "../traffic.js";
import { createEvs } from "./evs.js";
import { createObs } from "./obs.js";
import { createSfs } from "./sfs.js";

type KeyDetails = { key_id: string; key_alias: string; default_key_flag: string; key_state: string };

let kms: Awaited<ReturnType<typeof startKms>>;
let ctx: SimContext;

const listKeys = async () =>
  (await call<{ key_details: KeyDetails[] }>(ctx.admin, "list-keys", { key_spec: "ALL" })).key_details;

beforeAll(async () => {
  kms = await startKms();
  ctx = loadContext({ dataDir: kms.dataDir });
});

afterAll(async () => {
  await kms?.stop();
  if (kms) await removeDir(kms.dataDir);
});

describe("OBS", () => {
  it("an upload with the default key creates obs/default, and the download returns the same bytes", async () => {
    expect((await listKeys()).some((k) => k.key_alias === "obs/default")).toBe(false);
    const bytes = Buffer.from(`report ${"x".repeat(5000)} end`);
    const obs = createObs(ctx);
    const up = await obs.upload(bytes, "report.txt");

    const obsDefault = (await listKeys()).find((k) => k.key_alias === "obs/default");
    expect(obsDefault?.default_key_flag).toBe("1");
    expect(up.keyId).toBe(obsDefault?.key_id);
    // the stored object is ciphertext, and the sidecar holds only the wrapped data key
    const stored = await readFile(up.objectFile);
    expect(stored.includes(Buffer.from("report"))).toBe(false);
    const meta = await obs.readMeta("report.txt");
    expect(meta.encryption.keyType).toBe("default");
    expect(meta.encryption.encryptedDataKey.length).toBeGreaterThan(64);

    const down = await obs.download("report.txt");
    expect(down.bytes.equals(bytes)).toBe(true);
  });

  it("uploads a file from disk under its base name", async () => {
    const file = path.join(kms.dataDir, "note.md");
    await writeFile(file, "# hello\n");
    const obs = createObs(ctx);
    const up = await obs.upload(file);
    expect(up.name).toBe("note.md");
    expect((await obs.download("note.md")).bytes.toString()).toBe("# hello\n");
  });

  it("when a stored object is tampered with, the download fails the integrity check", async () => {
    const obs = createObs(ctx);
    const up = await obs.upload(Buffer.from("do not change me"), "precious.bin");
    const stored = await readFile(up.objectFile);
    stored[3] = stored[3]! ^ 0x01;
    await writeFile(up.objectFile, stored);
    await expect(obs.download("precious.bin")).rejects.toThrow(/integrity check failed/);
  });

  it("rejects object names that would leave the bucket", async () => {
    await expect(createObs(ctx).upload(Buffer.from("x"), "../escape")).rejects.toThrow(/invalid object name/);
  });

  it("a custom key without a grant is refused with a clear message, and works after the admin grants it", async () => {
    const created = await call<{ key_info: { key_id: string } }>(ctx.admin, "create-key", {
      key_alias: "sim-test-custom",
    });
    const keyId = created.key_info.key_id;
    const obs = createObs(ctx);
    const refused = await obs.upload(Buffer.from("secret"), "custom.txt", { key: keyId }).catch((e) => e);
    expect(refused).toBeInstanceOf(KmsCallError);
    expect((refused as KmsCallError).code).toBe("KMS.0306");
    expect((refused as Error).message).toMatch(/an admin must grant it/);
    expect((refused as Error).message).toContain(`sim grant obs ${keyId}`);

    const grant = await grantService(ctx, "obs", keyId);
    expect(grant.grantId).toMatch(/^[0-9a-f]{64}$/);
    const up = await obs.upload(Buffer.from("secret"), "custom.txt", { key: keyId });
    expect(up.keyId).toBe(keyId);
    expect(up.keyType).toBe("custom");
    expect((await obs.download("custom.txt")).bytes.toString()).toBe("secret");
  });
});

describe("EVS and SFS", () => {
  it("creating a volume wraps its data key under evs/default; attaching unwraps it", async () => {
    const evs = createEvs(ctx);
    const vol = await evs.createVolume("vol-1");
    const evsDefault = (await listKeys()).find((k) => k.key_alias === "evs/default");
    expect(evsDefault?.key_id).toBe(vol.keyId);
    const text = await readFile(path.join(evs.dir, "vol-1.json"), "utf8");
    expect(text).not.toMatch(/plain/i);
    expect((await evs.attach("vol-1")).name).toBe("vol-1");
    await expect(evs.attach("missing")).rejects.toThrow(/no volume "missing"/);
  });

  it("creating a file system creates the hidden default key sfs/default", async () => {
    const fs = await createSfs(ctx).createFileSystem("share-1");
    const sfsDefault = (await listKeys()).find((k) => k.key_alias === "sfs/default");
    expect(sfsDefault?.default_key_flag).toBe("1");
    expect(fs.keyId).toBe(sfsDefault?.key_id);
  });
});

describe("traffic", () => {
  it("sends a paced mixed load and counts the requests per service and operation", async () => {
    const s = await runTraffic(ctx, { minutes: 0.04, rate: 25, quiet: true });
    // 2.4 s at 25/s = 60 planned requests, plus the list-keys that finds the custom keys
    expect(s.requests).toBe(61);
    expect(s.errors).toEqual({});
    expect(s.ok).toBe(61);
    const counted = Object.values(s.byService).flatMap((ops) => Object.values(ops));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(61);
    expect(Object.keys(s.byService)).toContain("obs");
    expect(s.customKeys).toBeGreaterThanOrEqual(1);
    expect(s.seconds).toBeGreaterThanOrEqual(2);
  });
});
