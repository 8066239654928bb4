export { createTestEngine, errorCode, type TestEngine } from "./fixture.js";
export { createInMemoryStore, type InMemoryStore } from "./in-memory-store.js";
export { createManualClock, type ManualClock } from "./manual-clock.js";
