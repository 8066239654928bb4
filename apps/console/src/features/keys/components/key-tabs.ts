/** The key detail's tabs; the route validates ?tab= against these without loading the detail's code. */
export const KEY_TABS = ["overview", "usage", "dependents", "rotation", "tags", "tool", "audit"] as const;
export type KeyTab = (typeof KEY_TABS)[number];
