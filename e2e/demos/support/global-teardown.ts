import { readdirSync } from "node:fs";
import path from "node:path";
import type { FullConfig } from "@playwright/test";

/** In demo mode, says where the videos and step screenshots are. */
export default function globalTeardown(config: FullConfig): void {
  if (process.env.DEMO !== "1") return;
  const dir = config.projects[0]?.outputDir;
  if (!dir) return;
  const files = listFiles(dir).filter((f) => f.endsWith(".webm") || f.endsWith(".png"));
  console.log(`\nDemo output (${files.length} files) in ${dir}:`);
  for (const f of files.sort()) console.log(`  ${path.relative(dir, f)}`);
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  } catch {
    return [];
  }
}
