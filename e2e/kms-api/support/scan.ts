import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** A secret to look for, and the encodings under which it could sit in a file. */
export interface Needle {
  label: string;
  forms: Buffer[];
}

/** The raw bytes, lower/upper hex, base64 and base64url (unpadded) of a secret. */
export function needleFor(label: string, secret: Buffer): Needle {
  const b64 = secret.toString("base64");
  const forms = [
    secret,
    Buffer.from(secret.toString("hex")),
    Buffer.from(secret.toString("hex").toUpperCase()),
    Buffer.from(b64),
    Buffer.from(b64.replace(/=+$/, "")),
    Buffer.from(secret.toString("base64url")),
  ];
  // Drop duplicate forms (a secret that is already text can coincide with one of its encodings).
  const unique = forms.filter((f, i) => forms.findIndex((g) => g.equals(f)) === i);
  return { label, forms: unique };
}

/** Files directly in `dir` and below (the data dir is flat, but a store may add a subfolder). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Every (file, needle, form) hit. An empty list is what the tests want. */
export async function scanFiles(files: string[], needles: Needle[]): Promise<string[]> {
  const hits: string[] = [];
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) continue;
    const content = await readFile(file);
    for (const needle of needles) {
      needle.forms.forEach((form, i) => {
        if (content.includes(form)) hits.push(`${file}: ${needle.label} (form ${i})`);
      });
    }
  }
  return hits;
}
