import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "./repo.ts";

/**
 * What native code is linked for: the libc family on Linux, else the operating system (an addon
 * built on macOS or Windows is not even an ELF file).
 */
export type NativeSystem = "glibc" | "musl" | "darwin" | "win32";

/** What a compiled binary says about the machine it was built for. */
export interface NativeBinary {
  /** Node's name for the CPU (`process.arch`); undefined when the format is not read this deep. */
  arch?: string;
  /** Undefined when the binary does not say (statically linked, or not a binary at all). */
  system?: NativeSystem;
  /**
   * "napi" for a Node-API addon, which loads on every Node version that has its API level; else
   * the NODE_MODULE_VERSION the binary records, undefined when it records none (classic
   * `NODE_MODULE` addons keep it in data only the loader reads).
   */
  abi?: number | "napi";
}

/** A compiled Node addon (`*.node`) in a staged folder. */
export interface NativeAddon extends NativeBinary {
  /** The staged folder as the caller named it, joined with the addon's path inside it. */
  file: string;
  /** The folder of the npm package that ships it, where its alternative builds live too. */
  packageDir: string;
}

/** ELF e_machine → Node's arch names. */
const elfMachines: Record<number, string> = {
  3: "ia32",
  21: "ppc64",
  22: "s390x",
  40: "arm",
  62: "x64",
  183: "arm64",
  243: "riscv64",
};

const SHT_DYNSYM = 11;
const SHT_DYNAMIC = 6;
const DT_NEEDED = 1;
const SHN_UNDEF = 0;

/**
 * Reads the parts of an ELF shared object that decide where it loads: the machine, the libraries
 * it needs (the libc among them) and the symbols Node looks up to register it.
 */
function readElf(bytes: Buffer): NativeBinary {
  const wide = bytes[4] === 2;
  const little = bytes[5] === 1;
  // Addresses and offsets are 8 bytes wide in ELF64 and 4 in ELF32; every field after the first
  // one of that size moves accordingly.
  const word = wide ? 8 : 4;
  const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const uword = (at: number) =>
    wide ? Number(little ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at)) : u32(at);

  const machine = u16(18);
  const sectionTable = uword(24 + 2 * word);
  const sectionEntrySize = u16(34 + 3 * word);
  const sections = Array.from({ length: u16(36 + 3 * word) }, (_, index) => {
    const at = sectionTable + index * sectionEntrySize;
    return {
      type: u32(at + 4),
      offset: uword(at + 8 + 2 * word),
      size: uword(at + 8 + 3 * word),
      link: u32(at + 8 + 4 * word),
      entrySize: uword(at + 16 + 5 * word),
    };
  });
  const stringIn = (tableIndex: number, offset: number) => {
    const start = (sections[tableIndex]?.offset ?? 0) + offset;
    return bytes.toString("latin1", start, bytes.indexOf(0, start));
  };
  const entriesOf = (section: (typeof sections)[number]) =>
    Array.from(
      { length: section.size / section.entrySize },
      (_, index) => section.offset + index * section.entrySize,
    );

  const needed: string[] = [];
  const dynamic = sections.find((section) => section.type === SHT_DYNAMIC);
  if (dynamic) {
    for (const at of entriesOf(dynamic)) {
      if (uword(at) === DT_NEEDED) needed.push(stringIn(dynamic.link, uword(at + word)));
    }
  }
  const defined = new Set<string>();
  const imported = new Set<string>();
  const symbols = sections.find((section) => section.type === SHT_DYNSYM);
  if (symbols) {
    for (const at of entriesOf(symbols)) {
      const name = stringIn(symbols.link, u32(at));
      const sectionIndex = u16(at + (wide ? 6 : 14));
      (sectionIndex === SHN_UNDEF ? imported : defined).add(name);
    }
  }
  return {
    arch: elfMachines[machine] ?? `ELF machine ${machine}`,
    system: libcOf(needed),
    abi: nodeAbiOf(defined, imported),
  };
}

function libcOf(needed: string[]): NativeSystem | undefined {
  // Alpine names musl `libc.musl-<arch>.so.1`; musl's own build names it `libc.so`.
  if (needed.some((name) => name.startsWith("libc.musl-") || name === "libc.so")) return "musl";
  if (needed.includes("libc.so.6")) return "glibc";
  return undefined;
}

function nodeAbiOf(defined: Set<string>, imported: Set<string>): NativeBinary["abi"] {
  if (
    defined.has("napi_register_module_v1") ||
    defined.has("node_api_module_get_api_version_v1") ||
    // Node-API addons built before Node 12 register themselves from a static constructor.
    imported.has("napi_module_register")
  ) {
    return "napi";
  }
  for (const name of defined) {
    const abi = /^node_register_module_v(\d+)$/.exec(name)?.[1];
    if (abi) return Number(abi);
  }
  return undefined;
}

/** Reads what a compiled binary (ELF, Mach-O or PE) says about where it loads. */
export function readNativeBinary(bytes: Buffer): NativeBinary {
  if (bytes.length < 64) return {};
  const magic = bytes.readUInt32BE(0);
  if (magic === 0x7f454c46) {
    try {
      return readElf(bytes);
    } catch (error) {
      // A table pointing past the end of the file: a truncated or damaged binary.
      if (error instanceof RangeError) return {};
      throw error;
    }
  }
  // 64- and 32-bit Mach-O as little-endian machines write them, and universal ("fat") binaries.
  if ([0xcffaedfe, 0xcefaedfe, 0xcafebabe].includes(magic)) return { system: "darwin" };
  if (bytes.toString("latin1", 0, 2) === "MZ") return { system: "win32" };
  return {};
}

/**
 * Every compiled addon in a staged folder (absolute, or relative to the repository root), each
 * with the package that ships it, in path order. Symbolic links are not followed: pnpm links each package from
 * its one real copy under `node_modules/.pnpm`, which is where its files are found, once.
 */
export async function findNativeAddons(stagedDir: string): Promise<NativeAddon[]> {
  const root = path.resolve(repoRoot, stagedDir);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const packageDirs = entries
    .filter((entry) => entry.isFile() && entry.name === "package.json")
    .map((entry) => entry.parentPath);
  const packageDirOf = (dir: string) =>
    packageDirs
      .filter((candidate) => dir === candidate || dir.startsWith(candidate + path.sep))
      .reduce(
        (nearest, candidate) => (candidate.length > nearest.length ? candidate : nearest),
        root,
      );
  const shown = (absolute: string) => path.join(stagedDir, path.relative(root, absolute));

  const addons: NativeAddon[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(".node")) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    addons.push({
      file: shown(absolute),
      packageDir: shown(packageDirOf(entry.parentPath)),
      ...readNativeBinary(await readFile(absolute)),
    });
  }
  return addons.sort((a, b) => a.file.localeCompare(b.file));
}
