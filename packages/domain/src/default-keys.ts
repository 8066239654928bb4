import { z } from "zod";

export const ZServiceCode = z.enum([
  "obs",
  "evs",
  "ims",
  "vbs",
  "sfs",
  "kps",
  "csms",
  "dlf",
  "dds",
  "elb",
  "mkp",
  "coc",
  "cce",
]);
export type TServiceCode = z.infer<typeof ZServiceCode>;

export const ZConsoleVisibility = z.enum(["selectable", "service_managed"]);
export type TConsoleVisibility = z.infer<typeof ZConsoleVisibility>;

export const ZDefaultKeyCatalogEntry = z.object({
  service: ZServiceCode,
  alias: z.string(),
  name: z.string(),
  visibility: ZConsoleVisibility,
  remark: z.string(),
});
export type TDefaultKeyCatalogEntry = z.infer<typeof ZDefaultKeyCatalogEntry>;

const SELECTABLE = "Select this key on the service console for encryption configuration.";
const SERVICE_MANAGED =
  "Created and used by the service automatically; it may not be visible on the KMS console.";

const entry = (
  service: TServiceCode,
  name: string,
  visibility: TConsoleVisibility,
): TDefaultKeyCatalogEntry => ({
  service,
  alias: `${service}/default`,
  name,
  visibility,
  remark: visibility === "selectable" ? SELECTABLE : SERVICE_MANAGED,
});

/** The 13 services that own a default key (Huawei Cloud DEW, international site). */
export const DEFAULT_KEY_CATALOG: readonly TDefaultKeyCatalogEntry[] = [
  entry("obs", "Object Storage Service", "selectable"),
  entry("evs", "Elastic Volume Service", "selectable"),
  entry("ims", "Image Management Service", "selectable"),
  entry("vbs", "Volume Backup Service", "service_managed"),
  entry("sfs", "Scalable File Service", "service_managed"),
  entry("kps", "Key Pair Service", "selectable"),
  entry("csms", "Cloud Secret Management Service", "selectable"),
  entry("dlf", "DataArts Studio", "service_managed"),
  entry("dds", "Document Database Service", "service_managed"),
  entry("elb", "Elastic Load Balance", "service_managed"),
  entry("mkp", "KooGallery", "service_managed"),
  entry("coc", "Cloud Operations Center", "selectable"),
  entry("cce", "Cloud Container Engine", "service_managed"),
];

export const DEFAULT_ALIAS_SUFFIX = "/default";

/** An alias as a reader sees it: case folded, trailing `/` and `:` dropped (`OBS/Default:` reads `obs/default`). */
export const foldAlias = (alias: string): string => alias.toLowerCase().replace(/[/:]+$/, "");

/** Whether a custom key may not take this alias: folded, it ends in the default keys' suffix. */
export const isReservedAlias = (alias: string): boolean => foldAlias(alias).endsWith(DEFAULT_ALIAS_SUFFIX);

/** The catalog entry whose default alias this is, if any. */
export function catalogEntryForAlias(alias: string): TDefaultKeyCatalogEntry | undefined {
  return DEFAULT_KEY_CATALOG.find((e) => e.alias === alias);
}

export function catalogEntry(service: TServiceCode): TDefaultKeyCatalogEntry {
  const found = DEFAULT_KEY_CATALOG.find((e) => e.service === service);
  if (!found) throw new Error(`unknown service ${service}`);
  return found;
}

/** Services whose default key the KMS console hides unless asked. */
export const HIDDEN_SERVICES: readonly TServiceCode[] = DEFAULT_KEY_CATALOG.filter(
  (e) => e.visibility === "service_managed",
).map((e) => e.service);
