export * from "./api.js";
export * from "./errors.js";
export { createKms } from "./kms.js";
export * from "./ports.js";
export { createRootKey, systemClock, systemRandom } from "./root-key.js";
