import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { repoRoot } from "./repo.ts";

/**
 * Runs a command from the repository root, handing each output line to `onLine`, and rejects with
 * the command line and its last lines when it exits non-zero.
 */
export async function runCommand(
  command: string,
  args: string[],
  onLine: (line: string) => void,
): Promise<void> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  const take = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    onLine(line);
  };
  createInterface({ input: child.stdout }).on("line", take);
  createInterface({ input: child.stderr }).on("line", take);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) {
    throw new Error(`\`${[command, ...args].join(" ")}\` exited with ${code}:\n${tail.join("\n")}`);
  }
}
