export * from "./console-api.js";
export * from "./default-keys.js";
export * from "./errors.js";
export * from "./keys.js";
export * from "./principals.js";
export * from "./usage.js";
