import { randomBytes } from "node:crypto";
import type { TServiceCode } from "@kms/domain";
import { call, KmsCallError, type SimContext } from "./context.js";

export interface TrafficOptions {
  /** Fractions allowed (0.1 = 6 s). */
  minutes: number;
  /** Requests per second. */
  rate: number;
  /** Requests allowed in flight at once (beyond it, the schedule slips rather than piling up). */
  concurrency?: number;
  /** Progress output; stderr by default. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Silence the progress output. */
  quiet?: boolean;
}

export interface TrafficSummary {
  seconds: number;
  requests: number;
  ok: number;
  /** Requests per principal ("obs", "evs", …, "app" for the admin's application) and operation. */
  byService: Record<string, Record<string, number>>;
  /** Failed requests by error code. */
  errors: Record<string, number>;
  customKeys: number;
}

type Principal = TServiceCode | "app";
/** `run` answers the operation it actually sent when it differs (a decrypt with nothing to decrypt creates). */
type Action = { who: Principal; operation: string; weight: number; run: () => Promise<string | undefined> };

const DEFAULT_SERVICES: TServiceCode[] = ["obs", "evs", "ims", "sfs"];
const POOL_LIMIT = 32;

/** Remembers a few wrapped data keys / ciphertexts so that decrypts have something real to decrypt. */
function pool<T>() {
  const items: T[] = [];
  return {
    add(item: T) {
      if (items.length >= POOL_LIMIT) items.splice(Math.floor(Math.random() * items.length), 1);
      items.push(item);
    },
    pick: (): T | undefined => items[Math.floor(Math.random() * items.length)],
  };
}

/** Enabled symmetric custom keys, for the "application" part of the load. */
async function customKeys(ctx: SimContext): Promise<string[]> {
  const r = await call<{ key_details: Array<{ key_id: string; default_key_flag: string }> }>(
    ctx.admin,
    "list-keys",
    { key_state: "2", key_spec: "AES_256" },
  );
  return r.key_details.filter((k) => k.default_key_flag === "0").map((k) => k.key_id);
}

/**
 * A mixed, realistic load: the cloud services wrap and unwrap data keys under their default keys
 * (as uploads, attaches and mounts do), and an application (the admin's credential) encrypts,
 * decrypts and describes with the project's custom keys. Paced at `rate` requests per second.
 */
export async function runTraffic(ctx: SimContext, opts: TrafficOptions): Promise<TrafficSummary> {
  if (!(opts.minutes > 0) || !(opts.rate > 0)) throw new Error("--minutes and --rate must be positive");
  const byService: TrafficSummary["byService"] = {};
  const errors: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  const count = (who: Principal, operation: string) => {
    byService[who] ??= {};
    byService[who][operation] = (byService[who][operation] ?? 0) + 1;
    requests++;
  };

  const actions: Action[] = [];
  for (const service of DEFAULT_SERVICES) {
    const wrapped = pool<{ keyId: string; cipherText: string }>();
    const weight = service === "obs" ? 3 : 1;
    const create = async () => {
      const r = await call<{ key_id: string; plain_text: string; cipher_text: string }>(
        ctx.service(service),
        "create-datakey",
        { key_id: `${service}/default`, datakey_length: "256" },
      );
      Buffer.from(r.plain_text, "hex").fill(0);
      wrapped.add({ keyId: r.key_id, cipherText: r.cipher_text });
      return undefined;
    };
    actions.push({ who: service, operation: "create-datakey", weight, run: create });
    actions.push({
      who: service,
      operation: "decrypt-datakey",
      weight: weight * 2,
      async run() {
        const w = wrapped.pick();
        if (!w) return create().then(() => "create-datakey");
        const r = await call<{ data_key: string }>(ctx.service(service), "decrypt-datakey", {
          key_id: w.keyId,
          cipher_text: w.cipherText,
          datakey_cipher_length: "32",
        });
        Buffer.from(r.data_key, "hex").fill(0);
        return undefined;
      },
    });
  }

  const keys = await customKeys(ctx);
  if (keys.length > 0) {
    const pick = () => keys[Math.floor(Math.random() * keys.length)]!;
    const ciphertexts = pool<string>();
    const encrypt = async () => {
      const r = await call<{ cipher_text: string }>(ctx.admin, "encrypt-data", {
        key_id: pick(),
        plain_text: `order-${randomBytes(6).toString("hex")}`,
      });
      ciphertexts.add(r.cipher_text);
      return undefined;
    };
    actions.push({ who: "app", operation: "encrypt-data", weight: 3, run: encrypt });
    actions.push({
      who: "app",
      operation: "decrypt-data",
      weight: 3,
      async run() {
        const c = ciphertexts.pick();
        if (!c) return encrypt().then(() => "encrypt-data");
        await call(ctx.admin, "decrypt-data", { cipher_text: c });
        return undefined;
      },
    });
    actions.push({
      who: "app",
      operation: "describe-key",
      weight: 1,
      run: () => call(ctx.admin, "describe-key", { key_id: pick() }).then(() => undefined),
    });
  }
  const totalWeight = actions.reduce((s, a) => s + a.weight, 0);
  const choose = (): Action => {
    let r = Math.random() * totalWeight;
    for (const a of actions) {
      r -= a.weight;
      if (r < 0) return a;
    }
    return actions[actions.length - 1]!;
  };

  const durationMs = opts.minutes * 60_000;
  const planned = Math.max(1, Math.round((durationMs / 1000) * opts.rate));
  const limit = opts.concurrency ?? 32;
  const progress = opts.quiet ? undefined : createProgress(opts.progress ?? process.stderr, planned);
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();

  for (let i = 0; i < planned; i++) {
    const due = started + (i * 1000) / opts.rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= limit) await Promise.race(inFlight);
    const action = choose();
    let operation = action.operation;
    const p = action
      .run()
      .then(
        (sent) => {
          operation = sent ?? operation;
          ok++;
        },
        (e: unknown) => {
          const code = e instanceof KmsCallError ? e.code : "CLIENT";
          errors[code] = (errors[code] ?? 0) + 1;
        },
      )
      .finally(() => {
        count(action.who, operation);
        inFlight.delete(p);
        progress?.update(
          requests,
          Object.values(errors).reduce((s, n) => s + n, 0),
        );
      });
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  progress?.done(
    requests,
    Object.values(errors).reduce((s, n) => s + n, 0),
  );
  // The list-keys that found the custom keys was a request too.
  count("app", "list-keys");
  ok++;
  return {
    seconds: Math.round((Date.now() - started) / 100) / 10,
    requests,
    ok,
    byService,
    errors,
    customKeys: keys.length,
  };
}

/** One redrawn line on a TTY; on a pipe, a plain line every 10 %. */
export function createProgress(out: NodeJS.WritableStream & { isTTY?: boolean }, total: number) {
  const width = 30;
  let lastDraw = 0;
  let lastTenth = -1;
  const line = (n: number, errs: number) => {
    const ratio = Math.min(1, n / total);
    const filled = Math.round(ratio * width);
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${n}/${total} requests, ${errs} errors`;
  };
  return {
    update(n: number, errs: number) {
      if (out.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        out.write(`\r${line(n, errs)}`);
      } else {
        const tenth = Math.floor((n / total) * 10);
        if (tenth > lastTenth && tenth < 10) {
          lastTenth = tenth;
          out.write(`${line(n, errs)}\n`);
        }
      }
    },
    done(n: number, errs: number) {
      out.write(out.isTTY ? `\r${line(n, errs)}\n` : `${line(n, errs)}\n`);
    },
  };
}
