import { auditEvent, type EngineContext, systemActor } from "../context.js";

const BATCH = 100;

/** Destroys keys whose deletion date has passed, a batch at a time, each audited as delete-key. */
export async function sweepDueDeletions(ctx: EngineContext): Promise<number> {
  let destroyed = 0;
  for (;;) {
    const now = ctx.clock.now();
    const due = await ctx.store.listDueDeletions(now, BATCH);
    let progressed = false;
    for (const { projectId, keyId } of due) {
      if (!(await ctx.store.destroyKey(projectId, keyId, now))) continue;
      progressed = true;
      destroyed++;
      const audit = auditEvent(ctx, systemActor(projectId), "delete-key", keyId, {
        errorCode: null,
        details: {},
      });
      await ctx.meter.record(null, [audit]);
    }
    // A short batch is the last; a batch where nothing qualified any more would only repeat.
    if (due.length < BATCH || !progressed) return destroyed;
  }
}
