import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addProject,
  ConfigError,
  type CredentialsFile,
  openEmbedded,
  readConfig,
  serve,
} from "./bootstrap.js";
import { createSignedClient } from "./testing/signed-client.js";

/** The embedded default on a real SQLite file, through the same code `kms serve` runs. */
let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "kms-bootstrap-"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config = () => readConfig({ KMS_DATA_DIR: dataDir, KMS_PORT: "0" });
const mode = (file: string) => statSync(file).mode & 0o777;
const readCreds = (): CredentialsFile =>
  JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8"));

describe("embedded default", () => {
  let firstCipher: string;
  let firstKey: string;
  let dataKeyPlain: string;

  it("on first start creates root.key and credentials.json (0600), provisions a project and serves it", async () => {
    const logs: string[] = [];
    const server = await serve(config(), { log: (l) => logs.push(l) });
    try {
      expect(mode(path.join(dataDir, "root.key"))).toBe(0o600);
      expect(mode(path.join(dataDir, "credentials.json"))).toBe(0o600);
      expect(existsSync(path.join(dataDir, "kms.sqlite"))).toBe(true);
      const creds = readCreds();
      expect(creds).toMatchObject({
        domainId: expect.any(String),
        projectId: expect.any(String),
        region: "local-1",
        kms: { endpoint: server.endpoint },
        users: {
          admin: { ak: expect.any(String), sk: expect.any(String), password: expect.any(String) },
          viewer: { ak: expect.any(String), sk: expect.any(String), password: expect.any(String) },
        },
      });
      expect(Object.keys(creds.services)).toHaveLength(13);
      expect(creds.services.obs).toEqual({
        ak: expect.any(String),
        sk: expect.any(String),
        principalId: expect.any(String),
      });

      const output = logs.join("\n");
      expect(output).toMatch(/FOR DEVELOPMENT ONLY/);
      expect(output).toContain(server.endpoint);
      expect(output).toContain(path.join(dataDir, "credentials.json"));
      for (const secret of [creds.users.admin.sk, creds.users.admin.password, creds.services.obs.sk]) {
        expect(output).not.toContain(secret);
      }

      const admin = createSignedClient({
        endpoint: server.endpoint,
        projectId: creds.projectId,
        ...creds.users.admin,
      });
      const created = await admin.call<{ key_info: { key_id: string } }>("create-key", {
        key_alias: "persisted",
      });
      expect(created.status).toBe(200);
      firstKey = created.body.key_info.key_id;
      const enc = await admin.call<{ cipher_text: string }>("encrypt-data", {
        key_id: firstKey,
        plain_text: "survives a restart",
      });
      firstCipher = enc.body.cipher_text;
      const dk = await admin.call<{ plain_text: string }>("create-datakey", { key_id: firstKey });
      dataKeyPlain = dk.body.plain_text;
    } finally {
      await server.close();
    }
  });

  it("keeps no key material in the clear in the database file", () => {
    const dir = readFileSync(path.join(dataDir, "kms.sqlite"));
    const wal = path.join(dataDir, "kms.sqlite-wal");
    const files = existsSync(wal) ? [dir, readFileSync(wal)] : [dir];
    const rootKey = Buffer.from(readFileSync(path.join(dataDir, "root.key"), "utf8").trim(), "base64");
    for (const bytes of files) {
      expect(bytes.includes(Buffer.from(dataKeyPlain, "hex"))).toBe(false);
      expect(bytes.includes(Buffer.from(dataKeyPlain))).toBe(false);
      expect(bytes.includes(rootKey)).toBe(false);
      expect(bytes.includes(Buffer.from(readCreds().users.admin.sk))).toBe(false);
    }
  });

  it("on restart reuses the data directory and the credentials", async () => {
    const before = readCreds();
    const server = await serve(config(), { log: () => {} });
    try {
      const after = readCreds();
      expect(after.projectId).toBe(before.projectId);
      expect(after.users.admin).toEqual(before.users.admin);
      const admin = createSignedClient({
        endpoint: server.endpoint,
        projectId: after.projectId,
        ...after.users.admin,
      });
      const dec = await admin.call<{ plain_text: string; key_id: string }>("decrypt-data", {
        cipher_text: firstCipher,
      });
      expect(dec.body).toMatchObject({ key_id: firstKey, plain_text: "survives a restart" });
    } finally {
      await server.close();
    }
  });

  it("add-project appends a second project whose credentials work on its own path only", async () => {
    const { projectId } = await addProject(config(), "second", () => {});
    const creds = readCreds();
    expect(creds.projects).toHaveLength(1);
    const second = creds.projects![0]!;
    expect(second).toMatchObject({ projectId, name: "second", region: "local-1" });
    const server = await serve(config(), { log: () => {} });
    try {
      const own = createSignedClient({ endpoint: server.endpoint, projectId, ...second.users.admin });
      expect((await own.call("list-keys", {})).body).toMatchObject({ total: 0 });
      const crossing = createSignedClient({
        endpoint: server.endpoint,
        projectId: creds.projectId,
        ...second.users.admin,
      });
      expect((await crossing.call("list-keys", {})).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it("fails fast on a root key that is not 32 bytes of base64", async () => {
    const bad = readConfig({ KMS_DATA_DIR: dataDir, KMS_ROOT_KEY: Buffer.alloc(16).toString("base64") });
    await expect(openEmbedded(bad, () => {})).rejects.toThrow(ConfigError);
    await expect(openEmbedded({ ...bad, rootKey: "not base64!" }, () => {})).rejects.toThrow(
      /exactly 32 bytes/,
    );
  });

  it("resolves the data directory against INIT_CWD, where pnpm was run", () => {
    expect(readConfig({ INIT_CWD: "/srv/repo" }).dataDir).toBe("/srv/repo/.data");
    expect(readConfig({ INIT_CWD: "/srv/repo", KMS_DATA_DIR: "/var/kms" }).dataDir).toBe("/var/kms");
    expect(readConfig({}).port).toBe(8081);
    expect(readConfig({}).pricing.freeRequestsPerMonth).toBe(20_000);
    expect(readConfig({ KMS_FREE_REQUESTS: "5000" }).pricing.freeRequestsPerMonth).toBe(5000);
    expect(() => readConfig({ KMS_PRICE_PER_10K_REQUESTS: "cheap" })).toThrow(ConfigError);
    expect(readConfig({}).host).toBe("127.0.0.1");
    expect(() => readConfig({ KMS_PORT: "eighty" })).toThrow(ConfigError);
    expect(readConfig({}).workers).toBe(1);
    expect(readConfig({ KMS_WORKERS: "4" }).workers).toBe(4);
    expect(readConfig({ KMS_WORKERS: "auto" }).workers).toBeGreaterThanOrEqual(1);
    for (const bad of ["0", "65", "two", "-1"]) {
      expect(() => readConfig({ KMS_WORKERS: bad })).toThrow(ConfigError);
    }
  });
});
