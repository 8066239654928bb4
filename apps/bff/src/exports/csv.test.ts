import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "./csv.js";

describe("CSV cells", () => {
  it("quotes commas, quotes and line breaks, doubling inner quotes", () => {
    expect(csvCell('a,"b"\nc')).toBe('"a,""b""\nc"');
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(null)).toBe("");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(false)).toBe("false");
  });

  it("neutralises cells a spreadsheet would run as a formula", () => {
    for (const bad of ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx"])
      expect(csvCell(bad).startsWith("'") || csvCell(bad).startsWith("\"'")).toBe(true);
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
  });

  it("ends each row with CRLF", () => {
    expect(csvRow(["a", 1, null])).toBe("a,1,\r\n");
  });
});
