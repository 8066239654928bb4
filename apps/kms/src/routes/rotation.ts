import { EnableRotationBody, OperateKeyBody, UpdateRotationIntervalBody } from "../wire/requests.js";
import { rotationStatus } from "../wire/responses.js";
import { route } from "./define.js";

// The SDK response models of enable/disable/update-interval have no fields: they answer 200, empty body.
export const rotationRoutes = [
  route({
    method: "POST",
    path: "get-key-rotation-status",
    operation: "get-key-rotation-status",
    body: OperateKeyBody,
    handle: async ({ engine, caller, body }) =>
      rotationStatus(await engine.getRotationStatus(caller, body.key_id)),
  }),
  route({
    method: "POST",
    path: "enable-key-rotation",
    operation: "enable-key-rotation",
    body: EnableRotationBody,
    async handle({ engine, caller, body }) {
      await engine.enableRotation(caller, body.key_id, body.rotation_interval);
    },
  }),
  route({
    method: "POST",
    path: "disable-key-rotation",
    operation: "disable-key-rotation",
    body: OperateKeyBody,
    async handle({ engine, caller, body }) {
      await engine.disableRotation(caller, body.key_id);
    },
  }),
  route({
    method: "POST",
    path: "update-key-rotation-interval",
    operation: "update-key-rotation-interval",
    body: UpdateRotationIntervalBody,
    async handle({ engine, caller, body }) {
      await engine.updateRotationInterval(caller, body.key_id, body.rotation_interval);
    },
  }),
  route({
    method: "POST",
    path: "rotate-on-demand",
    operation: "rotate-on-demand",
    body: OperateKeyBody,
    async handle({ engine, caller, body }) {
      const key = await engine.rotateKey(caller, body.key_id);
      return { key_id: key.id };
    },
  }),
];
