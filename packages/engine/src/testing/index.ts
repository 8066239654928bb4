export { createTestEngine, errorCode, type TestEngine } from "./fixture.js";
export { createInMemoryStore } from "./in-memory-store.js";
export { createManualClock, type ManualClock } from "./manual-clock.js";
