import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TServiceCode } from "@kms/domain";
import { type SimContext, SimError } from "../context.js";
import { checkName, createDataKey, decryptDataKey, type KeyChoice, open, seal } from "../envelope.js";

/**
 * EVS, IMS and SFS all follow one pattern: a resource record holding a data key wrapped by the
 * KMS; using the resource (attach, launch, mount) unwraps it with decrypt-datakey.
 */
export interface ResourceRecord {
  kind: string;
  name: string;
  service: TServiceCode;
  keyId: string;
  /** The wrapped data key (hex). The plaintext key never touches the disk. */
  encryptedDataKey: string;
  /** A small header sealed under the data key, so that using the resource proves the key is right. */
  header: { iv: string; tag: string; ciphertext: string };
  createdAt: string;
}

export interface ResourceServiceOptions {
  service: TServiceCode;
  kind: string;
  /** `<dataDir>/<service>-<kind>s` by default. */
  dir?: string;
}

export function createResourceService(ctx: SimContext, opts: ResourceServiceOptions) {
  const dir = opts.dir ?? path.join(ctx.dataDir, `${opts.service}-${opts.kind}s`);
  const file = (name: string) => path.join(dir, `${checkName(name, opts.kind)}.json`);
  const headerText = (name: string) => `${opts.kind}:${name}`;

  async function create(name: string, options: { key?: KeyChoice } = {}): Promise<ResourceRecord> {
    checkName(name, opts.kind);
    const { plaintext, wrapped } = await createDataKey(ctx, opts.service, options.key ?? "default");
    let sealed: ReturnType<typeof seal>;
    try {
      sealed = seal(plaintext, Buffer.from(headerText(name)), name);
    } finally {
      plaintext.fill(0);
    }
    const record: ResourceRecord = {
      kind: opts.kind,
      name,
      service: opts.service,
      keyId: wrapped.keyId,
      encryptedDataKey: wrapped.cipherText,
      header: {
        iv: sealed.iv.toString("hex"),
        tag: sealed.tag.toString("hex"),
        ciphertext: sealed.ciphertext.toString("hex"),
      },
      createdAt: new Date().toISOString(),
    };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(file(name), `${JSON.stringify(record, null, 2)}\n`);
    return record;
  }

  /** Unwraps the data key and checks it opens the resource's header; the key is zeroed after. */
  async function use(name: string): Promise<ResourceRecord> {
    let record: ResourceRecord;
    try {
      record = JSON.parse(await readFile(file(name), "utf8")) as ResourceRecord;
    } catch {
      throw new SimError(`no ${opts.kind} "${name}" in ${dir}`);
    }
    const dek = await decryptDataKey(ctx, opts.service, {
      keyId: record.keyId,
      cipherText: record.encryptedDataKey,
    });
    try {
      const h = record.header;
      const header = open(
        dek,
        {
          iv: Buffer.from(h.iv, "hex"),
          tag: Buffer.from(h.tag, "hex"),
          ciphertext: Buffer.from(h.ciphertext, "hex"),
        },
        name,
      );
      if (header.toString("utf8") !== headerText(name)) throw new SimError(`${opts.kind} header mismatch`);
    } finally {
      dek.fill(0);
    }
    return record;
  }

  return { dir, create, use };
}
