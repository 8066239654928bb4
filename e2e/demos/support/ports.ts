import os from "node:os";
import path from "node:path";

/** The BFF listens on E2E_PORT (default 18080) and the KMS API on the next port. */
export const BFF_PORT = Number(process.env.E2E_PORT ?? 18080);
export const KMS_PORT = BFF_PORT + 1;

/** serve.mjs writes the path of its temporary data directory here, for the tests to read. */
export const DATA_DIR_POINTER = path.join(os.tmpdir(), `kms-e2e-${BFF_PORT}.datadir`);
