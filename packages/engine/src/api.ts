import type {
  TAuditEvent,
  TCaller,
  TKey,
  TKeyListQuery,
  TKeyPage,
  TKeySpec,
  TKeyUsage,
  TKeyVersion,
  TOperation,
  TPricing,
  TPrincipalIdentity,
  TProject,
  TProjectRole,
  TRole,
  TServiceCode,
  TTag,
} from "@kms/domain";
import type { AuditFilter, Clock, GrantRecord, KmsStore, Random, RootKey, TagFilter } from "./ports.js";

export interface CreateKeyInput {
  alias: string;
  spec?: TKeySpec;
  usage?: TKeyUsage;
  description?: string;
  origin?: "kms" | "external";
  /** Written with the key, in the same transaction (at most 20). */
  tags?: TTag[];
}

export interface KmsEngineOptions {
  store: KmsStore;
  clock: Clock;
  random: Random;
  rootKey: RootKey;
  pricing?: Partial<TPricing>;
  /** Metering on by default; off only for the benchmark's comparison run. */
  metering?: { enabled: boolean };
}

/**
 * A reference to a key as callers pass it: a key ID, or a default-key alias ("obs/default").
 * Passing the default alias of a service that has none yet creates it, if the caller is that service.
 */
export type KeyRef = string;

export type SigningAlgorithm =
  | "RSASSA_PSS_SHA_256"
  | "RSASSA_PSS_SHA_384"
  | "RSASSA_PSS_SHA_512"
  | "RSASSA_PKCS1_V1_5_SHA_256"
  | "RSASSA_PKCS1_V1_5_SHA_384"
  | "RSASSA_PKCS1_V1_5_SHA_512"
  | "ECDSA_SHA_256"
  | "ECDSA_SHA_384"
  | "ECDSA_SHA_512";
export type MessageType = "DIGEST" | "RAW";
export type MacAlgorithm = "HMAC_SHA_256" | "HMAC_SHA_384" | "HMAC_SHA_512";
export type EncryptionAlgorithm = "SYMMETRIC_DEFAULT" | "RSAES_OAEP_SHA_256";

export interface RotationStatus {
  enabled: boolean;
  intervalDays: number;
  lastRotatedAt: Date | null;
  rotationCount: number;
  versions: TKeyVersion[];
}

/** Credentials handed out once when a project is provisioned (written to credentials.json). */
export interface ProvisionedProject {
  project: TProject;
  /** `username` is what the user signs in to the console with (suffixed in a domain's later projects). */
  users: Record<
    "admin" | "viewer",
    { principalId: string; username: string; ak: string; sk: string; password: string }
  >;
  services: Record<TServiceCode, { principalId: string; ak: string; sk: string }>;
}

export interface AuthenticatedCredential {
  caller: TCaller;
  /** The secret key, unwrapped, to check the request signature with. */
  secretKey: Buffer;
}

/**
 * The KMS. Every operation takes the caller, checks its permission (admin: everything; viewer:
 * read-only; a service: its own default key; anyone else: what a grant allows), meters the request
 * and audits it (management calls always, refused calls always), and acknowledges only what is durable.
 * Failures are KmsError with a code of the domain's closed set.
 */
export interface KmsEngine {
  readonly pricing: TPricing;

  // provisioning and authentication
  /** Creates a domain (or reuses `domainId`), a project in it, its users and one principal per catalog service. */
  provisionProject(input: { name: string; region: string; domainId?: string }): Promise<ProvisionedProject>;
  authenticate(accessKey: string): Promise<AuthenticatedCredential | undefined>;
  /** Checks a console user's password; undefined when the user or password is wrong. */
  verifyPassword(
    domainId: string,
    username: string,
    password: string,
  ): Promise<TPrincipalIdentity | undefined>;
  listProjects(): Promise<TProject[]>;
  /** Gives a user a role in a project of its domain, or (null) takes it away. */
  setUserRole(input: {
    domainId: string;
    username: string;
    projectId: string;
    role: TRole | null;
  }): Promise<void>;
  /** The projects of the domain the user has a role in, oldest first. */
  projectRoles(domainId: string, principalId: string): Promise<TProjectRole[]>;
  /** The caller for a console user in a project; KMS.0306 unless the user has a role there. */
  userCaller(user: { id: string; name: string; domainId: string }, projectId: string): Promise<TCaller>;

  // key management
  createKey(caller: TCaller, input: CreateKeyInput): Promise<TKey>;
  describeKey(caller: TCaller, ref: KeyRef): Promise<TKey>;
  listKeys(caller: TCaller, query: TKeyListQuery): Promise<TKeyPage>;
  enableKey(caller: TCaller, ref: KeyRef): Promise<TKey>;
  disableKey(caller: TCaller, ref: KeyRef): Promise<TKey>;
  scheduleKeyDeletion(caller: TCaller, ref: KeyRef, pendingDays: number): Promise<TKey>;
  cancelKeyDeletion(caller: TCaller, ref: KeyRef): Promise<TKey>;
  updateKeyAlias(caller: TCaller, ref: KeyRef, alias: string): Promise<TKey>;
  updateKeyDescription(caller: TCaller, ref: KeyRef, description: string): Promise<TKey>;

  // rotation
  getRotationStatus(caller: TCaller, ref: KeyRef): Promise<RotationStatus>;
  enableRotation(caller: TCaller, ref: KeyRef, intervalDays?: number): Promise<TKey>;
  disableRotation(caller: TCaller, ref: KeyRef): Promise<TKey>;
  updateRotationInterval(caller: TCaller, ref: KeyRef, intervalDays: number): Promise<TKey>;
  rotateKey(caller: TCaller, ref: KeyRef): Promise<TKey>;
  /** Rotates every key whose rotation is enabled and due (driven by the clock). Returns how many. */
  rotateDueKeys(): Promise<number>;

  // tags
  listTags(caller: TCaller, ref: KeyRef): Promise<TTag[]>;
  addTags(caller: TCaller, ref: KeyRef, tags: TTag[]): Promise<void>;
  removeTags(caller: TCaller, ref: KeyRef, tagKeys: string[]): Promise<void>;
  /** Makes the key's tags exactly `tags`, atomically. */
  replaceTags(caller: TCaller, ref: KeyRef, tags: TTag[]): Promise<void>;
  listProjectTags(caller: TCaller): Promise<TagFilter[]>;
  listKeysByTags(
    caller: TCaller,
    input: { tags: TagFilter[]; aliasContains?: string; offset: number; limit: number },
  ): Promise<{ items: Array<{ key: TKey; tags: TTag[] }>; total: number }>;

  // grants
  createGrant(
    caller: TCaller,
    ref: KeyRef,
    input: {
      name: string;
      granteePrincipal: string;
      granteePrincipalType?: "user" | "domain";
      operations: TOperation[];
      retiringPrincipal?: string;
    },
  ): Promise<GrantRecord>;
  listGrants(
    caller: TCaller,
    ref: KeyRef,
    offset: number,
    limit: number,
  ): Promise<{ items: GrantRecord[]; total: number }>;
  listRetirableGrants(
    caller: TCaller,
    offset: number,
    limit: number,
  ): Promise<{ items: GrantRecord[]; total: number }>;
  revokeGrant(caller: TCaller, ref: KeyRef, grantId: string): Promise<void>;
  retireGrant(caller: TCaller, ref: KeyRef, grantId: string): Promise<void>;

  // cryptography
  encryptData(
    caller: TCaller,
    input: { ref: KeyRef; plaintext: Buffer; aad?: Buffer; algorithm?: EncryptionAlgorithm },
  ): Promise<{ keyId: string; ciphertext: Buffer }>;
  /** The ciphertext names its key and version; `ref` is only needed for asymmetric ciphertext. */
  decryptData(
    caller: TCaller,
    input: { ciphertext: Buffer; aad?: Buffer; ref?: KeyRef; algorithm?: EncryptionAlgorithm },
  ): Promise<{ keyId: string; plaintext: Buffer }>;
  createDataKey(
    caller: TCaller,
    input: { ref: KeyRef; lengthBits: number; aad?: Buffer; withPlaintext: boolean },
  ): Promise<{ keyId: string; plaintext: Buffer | null; ciphertext: Buffer }>;
  /** `plaintext` is DEK ‖ SHA-256(DEK) as Huawei's encrypt-datakey takes it; `dataKeyLength` the DEK bytes. */
  encryptDataKey(
    caller: TCaller,
    input: { ref: KeyRef; plaintext: Buffer; dataKeyLength: number; aad?: Buffer },
  ): Promise<{ keyId: string; ciphertext: Buffer; dataKeyLength: number }>;
  decryptDataKey(
    caller: TCaller,
    input: { ref: KeyRef; ciphertext: Buffer; dataKeyLength: number; aad?: Buffer },
  ): Promise<{ keyId: string; dataKey: Buffer; digest: Buffer }>;
  generateRandom(caller: TCaller, lengthBits: number): Promise<Buffer>;
  sign(
    caller: TCaller,
    input: { ref: KeyRef; message: Buffer; algorithm: SigningAlgorithm; messageType: MessageType },
  ): Promise<{ keyId: string; signature: Buffer }>;
  verify(
    caller: TCaller,
    input: {
      ref: KeyRef;
      message: Buffer;
      signature: Buffer;
      algorithm: SigningAlgorithm;
      messageType: MessageType;
    },
  ): Promise<{ keyId: string; valid: boolean }>;
  /** SPKI DER of the public key. */
  getPublicKey(caller: TCaller, ref: KeyRef): Promise<{ keyId: string; publicKey: Buffer }>;
  generateMac(
    caller: TCaller,
    input: { ref: KeyRef; message: Buffer; algorithm: MacAlgorithm },
  ): Promise<{ keyId: string; mac: Buffer }>;
  verifyMac(
    caller: TCaller,
    input: { ref: KeyRef; message: Buffer; mac: Buffer; algorithm: MacAlgorithm },
  ): Promise<{ keyId: string; valid: boolean }>;

  // project-level
  /** Number of live custom keys (Huawei user-instances). */
  countInstances(caller: TCaller): Promise<number>;
  quotas(
    caller: TCaller,
  ): Promise<{ customKeys: { used: number; quota: number }; grantsPerKey: { quota: number } }>;

  // housekeeping and records
  /** Destroys keys whose deletion date has passed (driven by the clock). Returns how many. */
  sweepDueDeletions(): Promise<number>;
  /**
   * Records a call that was refused before it reached an operation (bad signature for a known
   * access key, wrong project, malformed input from an authenticated caller): audited and metered.
   */
  recordRefusal(
    caller: TCaller,
    operation: TOperation,
    keyId: string | null,
    errorCode: string,
  ): Promise<void>;
  listAudit(
    caller: TCaller,
    filter: Omit<AuditFilter, "projectId">,
  ): Promise<{ items: TAuditEvent[]; nextCursor: string | null }>;
  /** Flushes pending metering and stops timers. */
  close(): Promise<void>;
}
