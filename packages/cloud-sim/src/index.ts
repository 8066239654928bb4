export {
  call,
  defaultDataDir,
  KmsCallError,
  loadContext,
  type SimContext,
  type SimContextOptions,
  SimError,
} from "./context.js";
export { DEMO_FILE, DEMO_MARK, type SeedDemoOptions, type SeedDemoSummary, seedDemo } from "./demo-seed.js";
export { type KeyChoice, keyRef } from "./envelope.js";
export { grantService, SERVICE_GRANT_OPERATIONS, servicePrincipalId } from "./grant.js";
export { createEvs } from "./services/evs.js";
export { createIms } from "./services/ims.js";
export { createObs, type ObjectMetadata, type Obs, type UploadResult } from "./services/obs.js";
export { createResourceService, type ResourceRecord } from "./services/resource.js";
export { createSfs } from "./services/sfs.js";
export { createProgress, runTraffic, type TrafficOptions, type TrafficSummary } from "./traffic.js";
