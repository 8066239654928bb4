import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SimContext } from "../context.js";
import { SimError } from "../context.js";
import { checkName, createDataKey, decryptDataKey, type KeyChoice, open, seal } from "../envelope.js";

/** The JSON sidecar next to each object: everything needed to decrypt it except the KMS. */
export interface ObjectMetadata {
  name: string;
  size: number;
  encryption: {
    algorithm: "AES-256-GCM";
    keyType: "default" | "custom";
    keyId: string;
    /** The data key wrapped by the KMS (hex, as create-datakey returns it). */
    encryptedDataKey: string;
    iv: string;
    tag: string;
  };
  uploadedAt: string;
}

export interface ObsOptions {
  /** The bucket folder; `<dataDir>/obs-bucket` by default. */
  bucketDir?: string;
}

export interface UploadResult {
  name: string;
  size: number;
  keyId: string;
  keyType: "default" | "custom";
  objectFile: string;
}

/** Object Storage Service with server-side encryption (SSE-KMS): envelope encryption per object. */
export function createObs(ctx: SimContext, opts: ObsOptions = {}) {
  const bucket = opts.bucketDir ?? path.join(ctx.dataDir, "obs-bucket");
  const objectFile = (name: string) => path.join(bucket, checkName(name, "object"));
  const metaFile = (name: string) => `${objectFile(name)}.meta.json`;

  async function upload(
    source: string | Uint8Array,
    name?: string,
    options: { key?: KeyChoice } = {},
  ): Promise<UploadResult> {
    const bytes = typeof source === "string" ? await readFile(source) : source;
    const objectName = name ?? (typeof source === "string" ? path.basename(source) : undefined);
    if (!objectName) throw new SimError("an object name is needed when uploading bytes");
    checkName(objectName, "object");
    const key = options.key ?? "default";
    const { plaintext, wrapped } = await createDataKey(ctx, "obs", key);
    let sealed: ReturnType<typeof seal>;
    try {
      sealed = seal(plaintext, bytes, objectName);
    } finally {
      plaintext.fill(0);
    }
    const keyType = key === "default" ? "default" : "custom";
    const meta: ObjectMetadata = {
      name: objectName,
      size: bytes.length,
      encryption: {
        algorithm: "AES-256-GCM",
        keyType,
        keyId: wrapped.keyId,
        encryptedDataKey: wrapped.cipherText,
        iv: sealed.iv.toString("hex"),
        tag: sealed.tag.toString("hex"),
      },
      uploadedAt: new Date().toISOString(),
    };
    await mkdir(bucket, { recursive: true, mode: 0o700 });
    await writeFile(objectFile(objectName), sealed.ciphertext);
    await writeFile(metaFile(objectName), `${JSON.stringify(meta, null, 2)}\n`);
    return {
      name: objectName,
      size: bytes.length,
      keyId: wrapped.keyId,
      keyType,
      objectFile: objectFile(objectName),
    };
  }

  async function readMeta(name: string): Promise<ObjectMetadata> {
    try {
      return JSON.parse(await readFile(metaFile(name), "utf8")) as ObjectMetadata;
    } catch {
      throw new SimError(`no object "${name}" in ${bucket}`);
    }
  }

  /** decrypt-datakey, then AES-GCM decryption; the tag check fails on any modified byte. */
  async function download(name: string): Promise<{ bytes: Buffer; metadata: ObjectMetadata }> {
    const metadata = await readMeta(name);
    const ciphertext = await readFile(objectFile(name));
    const e = metadata.encryption;
    const dek = await decryptDataKey(ctx, "obs", { keyId: e.keyId, cipherText: e.encryptedDataKey });
    try {
      const bytes = open(
        dek,
        { iv: Buffer.from(e.iv, "hex"), tag: Buffer.from(e.tag, "hex"), ciphertext },
        metadata.name,
      );
      return { bytes, metadata };
    } finally {
      dek.fill(0);
    }
  }

  return { bucket, upload, download, readMeta };
}

export type Obs = ReturnType<typeof createObs>;
