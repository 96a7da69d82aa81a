import { readFileSync, writeFileSync } from "node:fs";

/** Every line the benchmark appends carries this, so an edit an aborted run left behind is found. */
export const sourceEditMarker = "one-line edit of `pnpm images bench`";

/**
 * Refuses to go on when a file still carries a benchmark edit: the file's original bytes would be
 * lost, and the edit would end up in the next commit.
 */
export function assertNoLeftoverEdit(file: string): void {
  if (readFileSync(file, "utf8").includes(sourceEditMarker)) {
    throw new Error(
      `${file} still holds a line with "${sourceEditMarker}" from an interrupted benchmark. ` +
        "Delete that line (or `git checkout` the file), then run the benchmark again.",
    );
  }
}

/**
 * Appends a comment line (unique per call, so every build sees a new source) to a working-tree
 * file and puts the original bytes back when disposed — and when the process is interrupted
 * (SIGINT, SIGTERM) before that, as a host build needs the edit in the working tree itself.
 *
 * @example
 *   using edit = appendSourceEdit("apps/api/src/app.ts", "run 2");
 *   await buildCatalogueImage(docker, spec);
 */
export function appendSourceEdit(file: string, label: string): Disposable {
  assertNoLeftoverEdit(file);
  const original = readFileSync(file);
  const separator = original.length === 0 || original.at(-1) === 0x0a ? "" : "\n";
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    writeFileSync(file, original);
  };
  // The default action of the signal, taken again once the file is back: the process still ends
  // the way its caller expects (exit status 128 + signal number).
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const line = `${separator}// ${sourceEditMarker} (${label}); reverted when it ends\n`;
    writeFileSync(file, Buffer.concat([original, Buffer.from(line)]));
  } catch (error) {
    restore();
    throw error;
  }
  return { [Symbol.dispose]: restore };
}
