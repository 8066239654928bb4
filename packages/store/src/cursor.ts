import { KmsError } from "@kms/engine";

/** A position in a keyset-paged listing: the last row's sort value and ID. Opaque to callers. */
export interface CursorPosition {
  /** The sort it was made for, so a cursor is not applied to a different ordering. */
  sort: string;
  value: string | number;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.value, position.id])).toString("base64url");
}

export function decodeCursor(cursor: string, sort: string, valueType: "string" | "number"): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== sort ||
    typeof parsed[1] !== valueType ||
    typeof parsed[2] !== "string"
  ) {
    throw new KmsError("KMS.1602", "(the cursor is not valid for this listing)");
  }
  return { sort, value: parsed[1] as string | number, id: parsed[2] as string };
}

/** The exclusive upper bound of the strings starting with `prefix` (all our text is ASCII). */
export const prefixEnd = (prefix: string): string => `${prefix}\uffff`;
