import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, stat } from "node:fs/promises";
import type { TCaller } from "@kms/domain";
import { createKms, createRootKey, type Random, systemClock, systemRandom } from "@kms/engine";
import { openSqliteStore } from "@kms/store";
import { describe, expect, it } from "vitest";
import { kmsCall } from "./support/client.js";
import { filesUnder, type Needle, needleFor, scanFiles } from "./support/scan.js";
import { serveInTempDir, startServe } from "./support/server.js";
import { sqliteFile } from "./support/store.js";
import { cleanupAfterAll, tempDir } from "./support/temp.js";

/**
 * Must show 6: the database holds no key material in the clear. Every secret the engine made (all
 * random buffers of 16+ bytes: key material, DEKs, secret keys), every DEK handed out, the root key,
 * the project's SKs and passwords and a recognisable plaintext are searched for, raw, hex and base64,
 * in the SQLite file and its WAL.
 */

const MARKER = "PLAINTEXT-MARKER-7f3c9a1e-the quick brown fox jumps over the lazy dog";

const defer = cleanupAfterAll();

/** systemRandom, remembering every buffer of 16 bytes or more that it hands out. */
function recordingRandom(): { random: Random; handedOut: Buffer[] } {
  const handedOut: Buffer[] = [];
  return {
    handedOut,
    random: {
      bytes(length) {
        const b = systemRandom.bytes(length);
        if (length >= 16) handedOut.push(Buffer.from(b));
        return b;
      },
      uuid: () => systemRandom.uuid(),
    },
  };
}

const dbFiles = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f));

describe("data at rest", () => {
  it("when an engine works on a real SQLite file, then no secret it made or returned is in the file or its WAL", async () => {
    const dir = await tempDir("at-rest");
    defer(dir.remove);
    const file = sqliteFile(dir.path);
    const rootKeyBytes = randomBytes(32);
    const { random, handedOut } = recordingRandom();
    const store = await openSqliteStore(file);
    const engine = await createKms({
      store,
      clock: systemClock,
      random,
      rootKey: createRootKey(rootKeyBytes),
    });

    const provisioned = await engine.provisionProject({ name: "at-rest", region: "eu-west-101" });
    const callerFor = async (ak: string): Promise<TCaller> => {
      const auth = await engine.authenticate(ak);
      if (!auth) throw new Error("a provisioned access key did not authenticate");
      return auth.caller;
    };
    const admin = await callerFor(provisioned.users.admin.ak);
    const obs = await callerFor(provisioned.services.obs.ak);

    const aes = await engine.createKey(admin, { alias: "rest-aes", spec: "AES_256" });
    const hmac = await engine.createKey(admin, { alias: "rest-hmac", spec: "HMAC_512" });
    await engine.createKey(admin, { alias: "rest-ec", spec: "EC_P256" });
    await engine.rotateKey(admin, aes.id); // a second AES version: its material must be wrapped too

    const deks: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      for (const [caller, ref] of [
        [admin, aes.id],
        [obs, "obs/default"],
      ] as const) {
        const dk = await engine.createDataKey(caller, { ref, lengthBits: 256, withPlaintext: true });
        if (!dk.plaintext) throw new Error("create-datakey returned no plaintext");
        deks.push(Buffer.from(dk.plaintext));
      }
    }
    const marker = Buffer.from(MARKER);
    const sealed = await engine.encryptData(admin, { ref: aes.id, plaintext: marker });
    expect(
      (await engine.decryptData(admin, { ciphertext: sealed.ciphertext })).plaintext.equals(marker),
    ).toBe(true);
    await engine.encryptData(obs, { ref: "obs/default", plaintext: marker });
    await engine.generateMac(admin, { ref: hmac.id, message: marker, algorithm: "HMAC_SHA_512" });

    // Some random buffers become identifiers or salts that are public by design (project, domain and
    // principal IDs in hex, scrypt salts in base64). Those are set aside, and only those: each is
    // found inside one of these public values, and none is longer than 16 bytes.
    const publicValues = [provisioned.project.id, provisioned.project.domainId];
    for (const u of Object.values(provisioned.users)) publicValues.push(u.principalId, u.ak);
    for (const sv of Object.values(provisioned.services)) publicValues.push(sv.principalId, sv.ak);
    for (const name of ["admin", "viewer"]) {
      const hash = (await store.getUserByName(provisioned.project.domainId, name))?.passwordHash;
      if (hash) publicValues.push(hash);
    }
    const isPublic = (b: Buffer) =>
      needleFor("", b).forms.some((f) => publicValues.some((v) => v.includes(f.toString("latin1"))));
    const publicBuffers = handedOut.filter(isPublic);
    const secretBuffers = handedOut.filter((b) => !isPublic(b));
    expect(publicBuffers.every((b) => b.length === 16)).toBe(true);

    const needles: Needle[] = [
      needleFor("root key", rootKeyBytes),
      needleFor("plaintext marker", marker),
      ...secretBuffers.map((b, i) => needleFor(`random buffer #${i} (${b.length} bytes)`, b)),
      ...deks.map((d, i) => needleFor(`DEK #${i}`, d)),
      ...Object.entries(provisioned.users).flatMap(([name, u]) => [
        needleFor(`${name} SK`, Buffer.from(u.sk)),
        needleFor(`${name} password`, Buffer.from(u.password)),
      ]),
      ...Object.entries(provisioned.services).map(([name, s]) => needleFor(`${name} SK`, Buffer.from(s.sk))),
    ];
    // The engine must have drawn the material from the port: AES ×2 versions, HMAC, obs default, 20 DEKs.
    expect(secretBuffers.filter((b) => b.length >= 32).length).toBeGreaterThanOrEqual(24);

    // While the engine is still open (recent pages sit in the WAL) …
    expect(await scanFiles(dbFiles(file), needles)).toEqual([]);
    // … and after close, which checkpoints the WAL into the main file.
    await engine.close();
    await store.close();
    expect(await scanFiles(dbFiles(file), needles)).toEqual([]);
  });

  it("when DEKs are created over HTTP, then their plaintext is in no file of the data dir", async () => {
    const server = await serveInTempDir("at-rest-http", defer);
    const { admin } = server.credentials.users;
    const obs = server.credentials.services.obs!;
    const created = await kmsCall(server, admin, "create-key", {
      key_alias: "rest-http",
      key_spec: "AES_256",
    });
    expect(created.status, created.text).toBe(200);
    const keyId = created.json.key_info.key_id as string;

    const deks: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const [who, ref] = i % 2 === 0 ? [admin, keyId] : [obs, "obs/default"];
      const res = await kmsCall(server, who, "create-datakey", { key_id: ref, datakey_length: "512" });
      expect(res.status, res.text).toBe(200);
      deks.push(Buffer.from(res.json.plain_text as string, "hex"));
    }
    const enc = await kmsCall(server, admin, "encrypt-data", { key_id: keyId, plain_text: MARKER });
    expect(enc.status, enc.text).toBe(200);

    const needles = [
      ...deks.map((d, i) => needleFor(`DEK #${i}`, d)),
      needleFor("marker", Buffer.from(MARKER)),
    ];
    expect(deks.every((d) => d.length === 64)).toBe(true);
    // While the server runs (WAL not yet checkpointed) and after a clean stop.
    expect(await scanFiles(await filesUnder(server.dataDir), needles)).toEqual([]);
    await server.stop();
    expect(await scanFiles(await filesUnder(server.dataDir), needles)).toEqual([]);
  });

  it("when the data directory already exists and is world-readable, then every file is 0600 and the start warns", async () => {
    const dir = await tempDir("at-rest-modes");
    await chmod(dir.path, 0o755);
    const server = await startServe({ dataDir: dir.path });
    defer(async () => {
      await server.stop();
      await dir.remove();
    });
    const obs = server.credentials.services.obs!;
    for (let i = 0; i < 5; i++) {
      const res = await kmsCall(server, obs, "encrypt-data", { key_id: "obs/default", plain_text: "x" });
      expect(res.status, res.text).toBe(200);
    }
    expect(server.output()).toMatch(/WARNING: the data directory .* is open to other users \(mode 755\)/);
    const file = sqliteFile(dir.path);
    const modes = async () => {
      const files = await filesUnder(dir.path);
      expect(files).toEqual(expect.arrayContaining([file, `${file}-wal`, `${file}-shm`]));
      expect(files.some((f) => f.endsWith(".log"))).toBe(true); // a metering journal
      return Object.fromEntries(
        await Promise.all(files.map(async (f) => [f, ((await stat(f)).mode & 0o777).toString(8)])),
      );
    };
    const running = await modes();
    expect(
      Object.values(running).every((m) => m === "600"),
      JSON.stringify(running),
    ).toBe(true);
    expect(((await stat(`${file}-metering`)).mode & 0o777).toString(8)).toBe("700");
  });
});
