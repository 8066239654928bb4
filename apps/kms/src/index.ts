export { ALL_ROUTES, createKmsApi, DEFAULT_BODY_LIMIT, type KmsApiOptions } from "./app.js";
export * from "./auth/sdk-hmac.js";
export {
  addProject,
  ConfigError,
  type CredentialsFile,
  type Embedded,
  type EmbeddedConfig,
  endpointOf,
  loadRootKey,
  openEmbedded,
  readConfig,
  readCredentials,
  type ServeOptions,
  type Server,
  serve,
} from "./bootstrap.js";
export { errorBody } from "./errors.js";
export {
  createSignedClient,
  type KmsResponse,
  type SignedClient,
  type SignedClientOptions,
  type SignInput,
  signRequest,
} from "./testing/signed-client.js";
