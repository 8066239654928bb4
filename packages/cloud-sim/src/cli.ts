#!/usr/bin/env node
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { type TServiceCode, ZServiceCode } from "@kms/domain";
import { defaultDataDir, KmsCallError, loadContext, SimError } from "./context.js";
import { seedDemo } from "./demo-seed.js";
import { grantService } from "./grant.js";
import { createEvs } from "./services/evs.js";
import { createIms } from "./services/ims.js";
import { createObs } from "./services/obs.js";
import { createSfs } from "./services/sfs.js";
import { runTraffic } from "./traffic.js";

const USAGE = `Cloud-service simulators: real clients of the KMS API, each signing as its own service.

Usage: sim <command> [options]

  obs upload <file> [--key default|<key-id>] [--name <object>]   encrypt and store an object
  obs download <name> [--out <file>]                             fetch, decrypt and verify an object
  evs create <name>          create an encrypted volume (data key under evs/default)
  evs attach <name>          attach it (decrypt-datakey)
  ims encrypt <name>         create an encrypted image (ims/default)
  sfs create <name>          create an encrypted file system (sfs/default, hidden on the console)
  grant <service> <key-id>   as admin, grant a service the use of a custom key
  traffic --minutes N --rate R   a mixed load across services and custom keys (R requests/s)
  demo-seed                  seed demo keys and a month of usage into an unused data directory

Options:
  --data-dir <dir>   KMS_DATA_DIR, else ./.data (where credentials.json is)
  --endpoint <url>   overrides kms.endpoint from credentials.json
`;

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      endpoint: { type: "string" },
      key: { type: "string" },
      name: { type: "string" },
      out: { type: "string" },
      minutes: { type: "string" },
      rate: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return;
  }
  const base = process.env.INIT_CWD || process.cwd();
  const dataDir = values["data-dir"] ? path.resolve(base, values["data-dir"]) : defaultDataDir();
  const ctx = () => loadContext({ dataDir, endpoint: values.endpoint });
  const need = (v: string | undefined, what: string): string => v ?? fail(`missing ${what}\n\n${USAGE}`);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  switch (
    `${command} ${command === "grant" || command === "traffic" || command === "demo-seed" ? "" : sub}`
  ) {
    case "obs upload": {
      const file = path.resolve(base, need(arg, "<file>"));
      const r = await createObs(ctx()).upload(file, values.name, { key: values.key ?? "default" });
      say(
        `OBS: uploaded ${r.name} (${r.size} bytes), AES-256-GCM under a data key from ${r.keyType} key ${r.keyId}`,
      );
      say(`     stored in ${r.objectFile} (+ .meta.json with the wrapped data key)`);
      return;
    }
    case "obs download": {
      const name = need(sub === "download" ? arg : undefined, "<name>");
      const { bytes, metadata } = await createObs(ctx()).download(name);
      if (values.out) {
        const out = path.resolve(base, values.out);
        await writeFile(out, bytes);
        say(
          `OBS: downloaded ${name} (${bytes.length} bytes, verified, key ${metadata.encryption.keyId}) to ${out}`,
        );
      } else {
        process.stderr.write(`OBS: ${name} decrypted and verified (key ${metadata.encryption.keyId})\n`);
        process.stdout.write(bytes);
      }
      return;
    }
    case "evs create": {
      const r = await createEvs(ctx()).createVolume(need(arg, "<name>"));
      say(`EVS: created encrypted volume ${r.name}, data key wrapped by ${r.keyId}`);
      return;
    }
    case "evs attach": {
      const r = await createEvs(ctx()).attach(need(arg, "<name>"));
      say(`EVS: attached volume ${r.name} (data key unwrapped by ${r.keyId} and checked)`);
      return;
    }
    case "ims encrypt": {
      const r = await createIms(ctx()).encryptImage(need(arg, "<name>"));
      say(`IMS: created encrypted image ${r.name}, data key wrapped by ${r.keyId}`);
      return;
    }
    case "sfs create": {
      const r = await createSfs(ctx()).createFileSystem(need(arg, "<name>"));
      say(`SFS: created encrypted file system ${r.name}, data key wrapped by ${r.keyId}`);
      return;
    }
    case "grant ": {
      const service = ZServiceCode.safeParse(need(sub, "<service>"));
      if (!service.success) fail(`unknown service "${sub}" (one of ${ZServiceCode.options.join(", ")})`);
      const keyId = need(arg, "<key-id>");
      const r = await grantService(ctx(), service.data as TServiceCode, keyId);
      say(
        `granted ${service.data.toUpperCase()} (principal ${r.granteePrincipal}) ${r.operations.join(", ")} on ${keyId}`,
      );
      say(`grant id ${r.grantId}`);
      return;
    }
    case "traffic ": {
      const minutes = Number(need(values.minutes, "--minutes"));
      const rate = Number(need(values.rate, "--rate"));
      if (!(minutes > 0) || !(rate > 0)) fail("--minutes and --rate must be positive numbers");
      const s = await runTraffic(ctx(), { minutes, rate });
      say(
        `traffic: ${s.requests} requests in ${s.seconds} s (${s.ok} ok), ${s.customKeys} custom keys in the mix`,
      );
      for (const [who, ops] of Object.entries(s.byService)) {
        say(
          `  ${who.padEnd(4)} ${Object.entries(ops)
            .map(([op, n]) => `${op} ${n}`)
            .join(", ")}`,
        );
      }
      const errs = Object.entries(s.errors);
      say(errs.length ? `  errors: ${errs.map(([c, n]) => `${c} ×${n}`).join(", ")}` : "  errors: none");
      return;
    }
    case "demo-seed ": {
      const s = await seedDemo({ dataDir, log: (l) => process.stderr.write(`${l}\n`) });
      say(`demo data seeded into project ${s.projectId} (${s.from} → ${s.to}, ${s.hours} hours)`);
      for (const k of s.keys) say(`  ${k.alias.padEnd(24)} ${k.keyId}  state ${k.state}  ${k.note}`);
      say(`  default keys: ${s.defaultKeys.join(", ")}`);
      say(`  ${s.requests} requests metered; ${s.requestsThisMonth} this month`);
      return;
    }
    default:
      fail(`unknown command "${positionals.join(" ")}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof KmsCallError || e instanceof SimError) fail(e.message);
  if (e instanceof Error && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS")) fail(e.message);
  if (e instanceof Error && "code" in e && e.code === "ENOENT") fail(e.message);
  fail(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
});
