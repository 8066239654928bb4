export { type CreateAppOptions, createApp } from "./app.js";
export type { Log } from "./context.js";
export { AppError } from "./errors.js";
export { csvCell, csvRow } from "./exports/csv.js";
export { allowedActions, defaultKeyReason } from "./keys/allowed-actions.js";
export { type BffConfig, type RunningBff, readBffConfig, serve } from "./server.js";
