import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { kmsCall } from "./support/client.js";
import { type ServeHandle, startServe } from "./support/server.js";
import { openTargetStore, sqliteFile } from "./support/store.js";
import { cleanupAfterAll, tempDir } from "./support/temp.js";

/**
 * Must show 5: `kill -9` of the server during a burst of key creations and crypto calls. Afterwards
 * every acknowledged request is in the metered counts and none is counted twice (acknowledged ≤ count
 * ≤ sent, per key and operation), and after a restart every key whose creation was acknowledged is
 * there and works, and every ciphertext acknowledged before the crash still decrypts.
 */

type Op = "create-key" | "encrypt-data" | "create-datakey";

/** Bookkeeping of the burst, per key ID and operation. */
class Ledger {
  readonly sent = new Map<string, number>();
  readonly acked = new Map<string, number>();
  createsSent = 0;
  createsAcked = 0;
  cryptoSent = 0;
  cryptoAcked = 0;
  readonly createdKeys: string[] = [];
  readonly ciphertexts: Array<{ keyId: string; cipherText: string; plainText: string }> = [];
  readonly dataKeys: Array<{ keyId: string; cipherText: string; plainText: string }> = [];

  send(keyId: string, op: Op): void {
    const k = `${keyId} ${op}`;
    this.sent.set(k, (this.sent.get(k) ?? 0) + 1);
  }
  ack(keyId: string, op: Op): void {
    const k = `${keyId} ${op}`;
    this.acked.set(k, (this.acked.get(k) ?? 0) + 1);
  }
}

const CREATE_LOOPS = 3;
const CREATES_PER_LOOP = 28; // 84 custom keys: under the quota of 100, so no creation is refused
const CRYPTO_LOOPS = 10;

const defer = cleanupAfterAll();

// With KMS_WORKERS=2 the SIGKILL hits the primary; its workers exit with it, leaving their metering
// journals unfolded, as the one process does with KMS_WORKERS=1 (opening a store folds them).
describe.each([1, 2])("kill -9 during a burst (SQLite, %i worker process(es))", (workers) => {
  it("when the server is SIGKILLed mid-burst, then counts lie between acknowledged and sent, and acknowledged keys and ciphertexts survive", async () => {
    const env = { KMS_WORKERS: String(workers) };
    const dir = await tempDir("crash");
    let server: ServeHandle | undefined;
    defer(async () => {
      await server?.stop();
      await dir.remove();
    });
    server = await startServe({ dataDir: dir.path, env });
    const first = server;
    const { admin } = first.credentials.users;
    const obs = first.credentials.services.obs!;
    const projectId = first.credentials.projectId;
    const ledger = new Ledger();

    // The OBS default key exists before the burst, so its ID is known for the bookkeeping.
    const warm = await kmsCall(first, obs, "create-datakey", {
      key_id: "obs/default",
      datakey_length: "256",
    });
    expect(warm.status, warm.text).toBe(200);
    const obsKeyId = warm.json.key_id as string;
    ledger.send(obsKeyId, "create-datakey");
    ledger.ack(obsKeyId, "create-datakey");

    let stopping = false;
    const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];

    const createLoop = async (loop: number) => {
      for (let i = 0; i < CREATES_PER_LOOP && !stopping; i++) {
        ledger.createsSent++;
        let res: Awaited<ReturnType<typeof kmsCall>>;
        try {
          res = await kmsCall(first, admin, "create-key", {
            key_alias: `crash-${loop}-${i}`,
            key_spec: "AES_256",
          });
        } catch {
          return; // the server is gone: this creation is not acknowledged
        }
        if (res.status !== 200) throw new Error(`create-key answered ${res.status}: ${res.text}`);
        const keyId = res.json.key_info.key_id as string;
        ledger.createsAcked++;
        ledger.send(keyId, "create-key");
        ledger.ack(keyId, "create-key");
        ledger.createdKeys.push(keyId);
      }
    };

    const cryptoLoop = async () => {
      while (!stopping) {
        const useDefault = Math.random() < 0.3 || ledger.createdKeys.length === 0;
        const keyId = useDefault ? obsKeyId : pick(ledger.createdKeys)!;
        const who = useDefault ? obs : admin;
        const keyRef = useDefault ? "obs/default" : keyId;
        const op: Op = Math.random() < 0.5 ? "encrypt-data" : "create-datakey";
        const plainText = randomBytes(12).toString("hex");
        const body =
          op === "encrypt-data"
            ? { key_id: keyRef, plain_text: plainText }
            : { key_id: keyRef, datakey_length: "256" };
        ledger.send(keyId, op);
        ledger.cryptoSent++;
        let res: Awaited<ReturnType<typeof kmsCall>>;
        try {
          res = await kmsCall(first, who, op, body);
        } catch {
          return;
        }
        if (res.status !== 200) throw new Error(`${op} answered ${res.status}: ${res.text}`);
        ledger.ack(keyId, op);
        ledger.cryptoAcked++;
        if (op === "encrypt-data")
          ledger.ciphertexts.push({ keyId, cipherText: res.json.cipher_text, plainText });
        else
          ledger.dataKeys.push({ keyId, cipherText: res.json.cipher_text, plainText: res.json.plain_text });
      }
    };

    const loops = [
      ...Array.from({ length: CREATE_LOOPS }, (_, i) => createLoop(i)),
      ...Array.from({ length: CRYPTO_LOOPS }, () => cryptoLoop()),
    ];
    // Kill at a random point well into the burst: many keys acknowledged, crypto calls flowing.
    const killAfterCreates = 40 + Math.floor(Math.random() * 30);
    const started = Date.now();
    while (ledger.createsAcked < killAfterCreates || ledger.cryptoAcked < 60) {
      if (Date.now() - started > 30_000) throw new Error("the burst did not get going within 30 s");
      await new Promise((r) => setTimeout(r, 2));
    }
    stopping = true; // no new requests after this point; the ones in flight stay in flight
    const inFlight = ledger.createsSent + ledger.cryptoSent - ledger.createsAcked - ledger.cryptoAcked;
    await first.kill9();
    await Promise.all(loops);
    expect(first.alive()).toBe(false);
    console.info(
      `[e2e] SIGKILL with ${inFlight} requests in flight; acknowledged ${ledger.createsAcked}/${ledger.createsSent} ` +
        `creations and ${ledger.cryptoAcked}/${ledger.cryptoSent} crypto calls`,
    );
    // The kill really came mid-burst: requests were on the wire when the process died.
    expect(inFlight).toBeGreaterThan(0);

    // Before any new request: read the metered counts from the file the dead server left behind.
    const store = await openTargetStore({ kind: "sqlite", dataDir: dir.path });
    const perKeyOp = new Map<string, number>();
    try {
      const db = new Database(sqliteFile(dir.path), { fileMustExist: true });
      try {
        const rows = db
          .prepare(
            "select key_id as keyId, operation, sum(count) as n from usage_counts where project_id = ? group by key_id, operation",
          )
          .all(projectId) as Array<{ keyId: string; operation: string; n: number }>;
        for (const r of rows) perKeyOp.set(`${r.keyId} ${r.operation}`, Number(r.n));
      } finally {
        db.close();
      }

      const known = new Set([obsKeyId, ...ledger.createdKeys]);
      const problems: string[] = [];
      for (const [k, acked] of ledger.acked) {
        const counted = perKeyOp.get(k) ?? 0;
        const sent = ledger.sent.get(k) ?? 0;
        if (counted < acked || counted > sent)
          problems.push(`${k}: acked ${acked}, counted ${counted}, sent ${sent}`);
      }
      // Keys whose creation was sent but not acknowledged may exist; each counts at most one creation.
      let unknownCreates = 0;
      for (const [k, counted] of perKeyOp) {
        const [keyId, op] = k.split(" ") as [string, string];
        if (known.has(keyId)) {
          if (!ledger.sent.has(k)) problems.push(`${k}: counted ${counted} but never sent`);
        } else if (op === "create-key" && counted === 1) unknownCreates++;
        else problems.push(`${k}: counted ${counted} for a key this test never heard of`);
      }
      expect(problems).toEqual([]);
      expect(unknownCreates).toBeLessThanOrEqual(ledger.createsSent - ledger.createsAcked);

      // The store's own query agrees with the rows, key by key.
      for (const keyId of known) {
        let rowsTotal = 0;
        for (const [k, n] of perKeyOp) if (k.startsWith(`${keyId} `)) rowsTotal += n;
        expect(await store.sumUsage({ projectId, keyId })).toBe(rowsTotal);
      }
    } finally {
      await store.close();
    }

    // Restart on the same data dir: every acknowledged key is there and works.
    server = await startServe({ dataDir: dir.path, env });
    const second = server;
    for (const keyId of ledger.createdKeys) {
      const d = await kmsCall(second, admin, "describe-key", { key_id: keyId });
      expect(d.status, d.text).toBe(200);
      expect(d.json.key_info.key_state).toBe("2");
      const plain = `after-crash ${keyId}`;
      const enc = await kmsCall(second, admin, "encrypt-data", { key_id: keyId, plain_text: plain });
      expect(enc.status, enc.text).toBe(200);
      const dec = await kmsCall(second, admin, "decrypt-data", { cipher_text: enc.json.cipher_text });
      expect(dec.status, dec.text).toBe(200);
      expect(dec.json.plain_text).toBe(plain);
    }
    // Ciphertexts acknowledged before the crash still decrypt, to what was encrypted.
    for (const c of ledger.ciphertexts) {
      const who = c.keyId === obsKeyId ? obs : admin;
      const dec = await kmsCall(second, who, "decrypt-data", { cipher_text: c.cipherText });
      expect(dec.status, dec.text).toBe(200);
      expect(dec.json.key_id).toBe(c.keyId);
      expect(dec.json.plain_text).toBe(c.plainText);
    }
    // Data keys acknowledged before the crash still unwrap to the plaintext that was returned.
    for (const dk of ledger.dataKeys.slice(0, 50)) {
      const who = dk.keyId === obsKeyId ? obs : admin;
      const dec = await kmsCall(second, who, "decrypt-datakey", {
        key_id: dk.keyId === obsKeyId ? "obs/default" : dk.keyId,
        cipher_text: dk.cipherText,
        datakey_cipher_length: "32",
      });
      expect(dec.status, dec.text).toBe(200);
      expect((dec.json.data_key as string).toLowerCase()).toBe(dk.plainText.toLowerCase());
    }
  });
});
