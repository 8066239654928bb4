import { describe, expect, it } from "vitest";
import { catalogEntryForAlias, DEFAULT_KEY_CATALOG, HIDDEN_SERVICES } from "./default-keys.js";
import { ERROR_CODES } from "./errors.js";
import { ALIAS_PATTERN, allowedUsages, keyFamily } from "./keys.js";

describe("default-key catalog", () => {
  it("has the 13 services of the seed, each with <service>/default", () => {
    expect(DEFAULT_KEY_CATALOG.map((e) => e.service)).toEqual([
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
    for (const e of DEFAULT_KEY_CATALOG) expect(e.alias).toBe(`${e.service}/default`);
  });

  it("hides exactly vbs, sfs, dlf, dds, elb, mkp and cce from the KMS console", () => {
    expect([...HIDDEN_SERVICES].sort()).toEqual(["cce", "dds", "dlf", "elb", "mkp", "sfs", "vbs"]);
  });

  it("finds an entry by alias and nothing for a custom alias", () => {
    expect(catalogEntryForAlias("obs/default")?.name).toBe("Object Storage Service");
    expect(catalogEntryForAlias("my/default")).toBeUndefined();
  });
});

describe("keys", () => {
  it("accepts aliases of [a-zA-Z0-9:/_-] up to 255 characters only", () => {
    expect(ALIAS_PATTERN.test("KMS-ca45")).toBe(true);
    expect(ALIAS_PATTERN.test("a".repeat(255))).toBe(true);
    expect(ALIAS_PATTERN.test("a".repeat(256))).toBe(false);
    expect(ALIAS_PATTERN.test("has space")).toBe(false);
    expect(ALIAS_PATTERN.test("")).toBe(false);
  });

  it("derives usages from the key family", () => {
    expect(keyFamily("RSA_3072")).toBe("rsa");
    expect(allowedUsages("AES_256")).toEqual(["ENCRYPT_DECRYPT"]);
    expect(allowedUsages("EC_P256")).toEqual(["SIGN_VERIFY"]);
    expect(allowedUsages("HMAC_512")).toEqual(["GENERATE_VERIFY_MAC"]);
  });

  it("maps the not-found key to 404 and default-key mutations to 400", () => {
    expect(ERROR_CODES["KMS.0207"].status).toBe(404);
    expect(ERROR_CODES["KMS.0211"].status).toBe(400);
  });
});
