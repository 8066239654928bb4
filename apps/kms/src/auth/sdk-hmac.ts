import { createHmac, hash, timingSafeEqual } from "node:crypto";

/**
 * SDK-HMAC-SHA256, the AK/SK request signature of Huawei Cloud's official SDKs (core signer
 * `AKSKSigner`). Unlike AWS SigV4 there is no key derivation: the signature is
 * hex(HMAC-SHA256(SK, StringToSign)).
 */
export const SDK_ALGORITHM = "SDK-HMAC-SHA256";
export const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface ParsedAuthorization {
  accessKey: string;
  /** Lower-case header names, in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

const AUTH_PATTERN =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]{64})\s*$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header || header.length > 4096) return undefined;
  const m = AUTH_PATTERN.exec(header);
  if (!m) return undefined;
  return {
    accessKey: m[1]!,
    signedHeaders: m[2]!.toLowerCase().split(";"),
    signature: m[3]!.toLowerCase(),
  };
}

const DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** X-Sdk-Date "YYYYMMDDTHHmmssZ" (UTC) to epoch milliseconds; undefined when malformed. */
export function parseSdkDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = DATE_PATTERN.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Reject dates that Date.UTC silently normalises (month 13, 31 February, …).
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h) return undefined;
  return ms;
}

export function formatSdkDate(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`;
}

// RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes (as the SDK's urlEncode).
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

export function urlEncode(value: string): string {
  if (UNRESERVED.test(value)) return value;
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Each path segment percent-encoded, always ending in "/". The Node.js SDK encodes the path as it
 * sends it ("raw"); the Python and Go SDKs encode the unescaped path ("decoded"). The two differ only
 * for paths that contain "%".
 */
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

export function canonicalUri(path: string, mode: "raw" | "decoded" = "raw"): string {
  // The common case (no character that needs encoding) skips the per-segment work.
  if (PLAIN_PATH.test(path)) return path.endsWith("/") ? path : `${path}/`;
  const encoded = path
    .split("/")
    .map((s) => urlEncode(mode === "decoded" ? safeDecode(s) : s))
    .join("/");
  return encoded.endsWith("/") ? encoded : `${encoded}/`;
}

/** Parameters sorted by name (then value), each name and value percent-encoded. */
export function canonicalQuery(query: string): string {
  if (!query) return "";
  const pairs = query
    .split("&")
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf("=");
      return i < 0 ? [safeDecode(p), ""] : [safeDecode(p.slice(0, i)), safeDecode(p.slice(i + 1))];
    }) as Array<[string, string]>;
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${urlEncode(k)}=${urlEncode(v)}`).join("&");
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface CanonicalInput {
  method: string;
  /** The request path without the query, as received. */
  path: string;
  /** The raw query string without "?", "" when none. */
  query: string;
  /** Header names in lower case (as Node gives them). */
  headers: HeaderBag;
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the exact body bytes. */
  bodyHash: string;
}

export function canonicalRequest(input: CanonicalInput, uriMode: "raw" | "decoded" = "raw"): string {
  let headerBlock = "";
  for (const name of input.signedHeaders) {
    const raw = input.headers[name];
    const value = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
    headerBlock += `${name}:${value.trim()}\n`;
  }
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path, uriMode),
    canonicalQuery(input.query),
    headerBlock,
    input.signedHeaders.join(";"),
    input.bodyHash,
  ].join("\n");
}

/** One-shot hashing: no Hash object per call (this runs twice per request). */
export const sha256Hex = (data: string | Buffer): string => hash("sha256", data, "hex");

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SDK_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function hmacHex(secretKey: string | Buffer, data: string): string {
  return createHmac("sha256", secretKey).update(data).digest("hex");
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether `signature` signs this request with `secretKey`. Tries the Node.js SDK's path encoding
 * and, for paths containing "%", the Python/Go one.
 */
export function verifySignature(
  input: CanonicalInput,
  sdkDate: string,
  secretKey: string | Buffer,
  signature: string,
): boolean {
  const expected = hmacHex(secretKey, stringToSign(sdkDate, canonicalRequest(input, "raw")));
  if (signaturesEqual(expected, signature)) return true;
  if (!input.path.includes("%")) return false;
  const decoded = hmacHex(secretKey, stringToSign(sdkDate, canonicalRequest(input, "decoded")));
  return signaturesEqual(decoded, signature);
}
