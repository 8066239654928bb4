import type { TCaller, TErrorCode, TOperation } from "@kms/domain";
import { type AuthenticatedCredential, type Clock, type KmsEngine, KmsError } from "@kms/engine";
import {
  EMPTY_BODY_SHA256,
  type HeaderBag,
  type ParsedAuthorization,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  verifySignature,
} from "./sdk-hmac.js";

/** How far X-Sdk-Date may be from the server clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** What the authenticator needs of a request; a Fastify request fits. */
export interface SignedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: HeaderBag;
  /** The exact raw body bytes, undefined when there was none. */
  body: Buffer | undefined;
}

export interface Authenticator {
  /**
   * Checks the SDK-HMAC-SHA256 signature and the project of the path, and returns the caller.
   * Refusals are KmsError (401 APIGW.0301, 403 KMS.0321); for a known access key they are audited.
   * A cached credential answers synchronously (no promise on the hot path); a refusal may still throw
   * synchronously or reject.
   */
  authenticate(
    req: SignedRequest,
    projectId: string,
    operation: TOperation,
    keyId: string | null,
  ): TCaller | Promise<TCaller>;
  /** Records a refusal of an authenticated caller's request (bad input) in the audit trail. */
  refuse(caller: TCaller, operation: TOperation, keyId: string | null, code: string): Promise<void>;
}

export interface AuthenticatorOptions {
  engine: KmsEngine;
  clock: Clock;
  /** How long a looked-up credential is reused, to keep the store off the hot path. 0 disables. */
  cacheTtlMs?: number;
  onRefusalError?: (e: unknown) => void;
}

const CACHE_MAX = 10_000;

export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const { engine, clock } = opts;
  const ttl = opts.cacheTtlMs ?? 30_000;
  const cache = new Map<string, { cred: AuthenticatedCredential; until: number }>();

  /** A cached credential without a promise, or the engine's lookup. */
  function lookup(accessKey: string): AuthenticatedCredential | Promise<AuthenticatedCredential | undefined> {
    const hit = cache.get(accessKey);
    if (hit && hit.until > Date.now()) return hit.cred;
    return engine.authenticate(accessKey).then((cred) => {
      if (cred && ttl > 0) {
        if (cache.size >= CACHE_MAX) cache.clear();
        cache.set(accessKey, { cred, until: Date.now() + ttl });
      }
      return cred;
    });
  }

  async function refuse(caller: TCaller, operation: TOperation, keyId: string | null, code: string) {
    try {
      await engine.recordRefusal(caller, operation, keyId, code);
    } catch (e) {
      // The refusal still reaches the client; a failed audit write must not turn it into a 5xx.
      opts.onRefusalError?.(e);
    }
  }

  async function refuseWith(
    caller: TCaller,
    operation: TOperation,
    keyId: string | null,
    code: TErrorCode,
    detail: string,
  ): Promise<never> {
    await refuse(caller, operation, keyId, code);
    throw new KmsError(code, detail);
  }

  /** Checks the signature, date and project against a known credential. */
  function verify(
    req: SignedRequest,
    auth: ParsedAuthorization,
    sdkDate: string,
    signedAt: number,
    cred: AuthenticatedCredential | undefined,
    projectId: string,
    operation: TOperation,
    keyId: string | null,
  ): TCaller | Promise<never> {
    if (!cred) throw new KmsError("APIGW.0301", "The access key is unknown.");
    const q = req.url.indexOf("?");
    const ok = verifySignature(
      {
        method: req.method,
        path: q < 0 ? req.url : req.url.slice(0, q),
        query: q < 0 ? "" : req.url.slice(q + 1),
        headers: req.headers,
        signedHeaders: auth.signedHeaders,
        bodyHash: req.body && req.body.length > 0 ? sha256Hex(req.body) : EMPTY_BODY_SHA256,
      },
      sdkDate,
      cred.secretKey,
      auth.signature,
    );
    if (!ok) return refuseWith(cred.caller, operation, keyId, "APIGW.0301", "The signature does not match.");
    if (Math.abs(clock.now().getTime() - signedAt) > MAX_CLOCK_SKEW_MS) {
      return refuseWith(
        cred.caller,
        operation,
        keyId,
        "APIGW.0301",
        "X-Sdk-Date is more than 15 minutes from the server time.",
      );
    }
    if (cred.caller.projectId !== projectId) {
      return refuseWith(
        cred.caller,
        operation,
        keyId,
        "KMS.0321",
        "The project in the path is not the credential's project.",
      );
    }
    return cred.caller;
  }

  return {
    refuse,
    authenticate(req, projectId, operation, keyId) {
      const header = req.headers.authorization;
      const auth = parseAuthorization(typeof header === "string" ? header : undefined);
      if (!auth) {
        throw new KmsError(
          "APIGW.0301",
          header ? "Authorization header is malformed." : "Authorization header is missing.",
        );
      }
      const rawDate = req.headers["x-sdk-date"];
      const sdkDate = typeof rawDate === "string" ? rawDate : undefined;
      const signedAt = parseSdkDate(sdkDate);
      if (sdkDate === undefined || signedAt === undefined || !auth.signedHeaders.includes("x-sdk-date")) {
        throw new KmsError("APIGW.0301", "X-Sdk-Date is missing, malformed or not signed.");
      }
      const found = lookup(auth.accessKey);
      return found instanceof Promise
        ? found.then((cred) => verify(req, auth, sdkDate, signedAt, cred, projectId, operation, keyId))
        : verify(req, auth, sdkDate, signedAt, found, projectId, operation, keyId);
    },
  };
}
