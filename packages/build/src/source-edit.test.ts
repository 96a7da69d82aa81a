import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendSourceEdit, assertNoLeftoverEdit, sourceEditMarker } from "./source-edit.ts";

describe("appendSourceEdit", () => {
  let dir: string;
  let file: string;
  // No trailing newline and a non-ASCII character: the restore must give back these exact bytes.
  const original = Buffer.from('export const greeting = "grüß dich";', "utf8");

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "source-edit-"));
    file = path.join(dir, "app.ts");
    writeFileSync(file, original);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("appends one marked comment line and restores the original bytes when disposed", () => {
    {
      using _edit = appendSourceEdit(file, "warm 1");
      const edited = readFileSync(file, "utf8");
      expect(edited.startsWith(`${original}\n// ${sourceEditMarker} (warm 1)`)).toBe(true);
      expect(edited.endsWith("\n")).toBe(true);
      expect(edited.split("\n").filter(Boolean)).toHaveLength(2);
    }
    expect(readFileSync(file).equals(original)).toBe(true);
  });

  it("gives every run a different line, so every build sees a new source", () => {
    const lines = ["warm 1", "warm 2"].map((label) => {
      using _edit = appendSourceEdit(file, label);
      return readFileSync(file, "utf8");
    });
    expect(lines[0]).not.toBe(lines[1]);
  });

  it("refuses a file an interrupted run left edited, saying how to fix it", () => {
    writeFileSync(file, `${original}\n// ${sourceEditMarker} (warm 1); reverted when it ends\n`);
    expect(() => assertNoLeftoverEdit(file)).toThrow(/interrupted benchmark.*git checkout/s);
    expect(() => appendSourceEdit(file, "warm 2")).toThrow(sourceEditMarker);
  });

  it("restores the file when the process is stopped with SIGTERM, then ends by that signal", () => {
    const script = `
      import { appendSourceEdit } from ${JSON.stringify(path.join(import.meta.dirname, "source-edit.ts"))};
      appendSourceEdit(${JSON.stringify(file)}, "interrupted");
      process.kill(process.pid, "SIGTERM");
      setTimeout(() => process.exit(3), 5000);
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script]);
    expect(child.stderr.toString()).toBe("");
    expect(child.signal).toBe("SIGTERM");
    expect(readFileSync(file).equals(original)).toBe(true);
  });
});
