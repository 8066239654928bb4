import { createHmac, timingSafeEqual } from "node:crypto";
import type { TKeySpec } from "@kms/domain";
import type { MacAlgorithm } from "../api.js";
import { KmsError } from "../errors.js";

const ALGORITHM_FOR_SPEC: Partial<Record<TKeySpec, MacAlgorithm>> = {
  HMAC_256: "HMAC_SHA_256",
  HMAC_384: "HMAC_SHA_384",
  HMAC_512: "HMAC_SHA_512",
};

const HASH: Record<MacAlgorithm, string> = {
  HMAC_SHA_256: "sha256",
  HMAC_SHA_384: "sha384",
  HMAC_SHA_512: "sha512",
};

function hashFor(spec: TKeySpec, algorithm: MacAlgorithm): string {
  if (ALGORITHM_FOR_SPEC[spec] !== algorithm) {
    throw new KmsError(
      "KMS.0308",
      `mac_algorithm must be ${ALGORITHM_FOR_SPEC[spec] ?? "an HMAC algorithm"}`,
    );
  }
  return HASH[algorithm];
}

export function computeMac(spec: TKeySpec, secret: Buffer, algorithm: MacAlgorithm, message: Buffer): Buffer {
  return createHmac(hashFor(spec, algorithm), secret).update(message).digest();
}

export function checkMac(
  spec: TKeySpec,
  secret: Buffer,
  algorithm: MacAlgorithm,
  message: Buffer,
  mac: Buffer,
): boolean {
  const expected = computeMac(spec, secret, algorithm, message);
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}
