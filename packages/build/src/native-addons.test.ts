import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ElfAddonSpec, elfAddon, elfMachine, machOAddon } from "./fixtures/native-addons.ts";
import { findNativeAddons, type NativeBinary, readNativeBinary } from "./native-addons.ts";
import { readHostToolchain } from "./toolchain-drift.ts";

describe("readNativeBinary", () => {
  it.each<[string, ElfAddonSpec, NativeBinary]>([
    [
      "a glibc x64 Node-API addon",
      {
        machine: elfMachine.x64,
        needed: ["libm.so.6", "libc.so.6"],
        defines: ["napi_register_module_v1"],
        imports: ["napi_create_function"],
      },
      { arch: "x64", system: "glibc", abi: "napi" },
    ],
    [
      "an Alpine (musl) arm64 addon for Node ABI 137",
      {
        machine: elfMachine.arm64,
        needed: ["libc.musl-aarch64.so.1"],
        defines: ["node_register_module_v137"],
      },
      { arch: "arm64", system: "musl", abi: 137 },
    ],
    [
      "a 32-bit arm addon linked against upstream musl",
      {
        machine: elfMachine.arm,
        needed: ["libc.so"],
        defines: ["node_register_module_v127"],
        narrow: true,
      },
      { arch: "arm", system: "musl", abi: 127 },
    ],
    [
      "a big-endian s390x addon registered the pre-Node-12 Node-API way",
      {
        machine: elfMachine.s390x,
        needed: ["libc.so.6"],
        imports: ["napi_module_register"],
        bigEndian: true,
      },
      { arch: "s390x", system: "glibc", abi: "napi" },
    ],
    [
      "a classic addon, which records no ABI, linked against no libc",
      { machine: elfMachine.x64, imports: ["node_module_register"] },
      { arch: "x64" },
    ],
  ])("reads %s", (_, spec, expected) => {
    const binary = readNativeBinary(elfAddon(spec));
    expect(binary).toEqual({ system: undefined, abi: undefined, ...expected });
  });

  it("reads the Node binary running this test as built for this host", async () => {
    const { arch, system } = readHostToolchain();
    expect(readNativeBinary(await readFile(process.execPath))).toMatchObject({ arch, system });
  });

  it("tells macOS and Windows builds by their format", () => {
    expect(readNativeBinary(machOAddon())).toEqual({ system: "darwin" });
    expect(readNativeBinary(Buffer.concat([Buffer.from("MZ"), Buffer.alloc(62)]))).toEqual({
      system: "win32",
    });
  });

  it("reads nothing from files that are not, or no longer, whole binaries", () => {
    const truncated = elfAddon({ machine: elfMachine.x64, needed: ["libc.so.6"] }).subarray(0, 100);
    expect(readNativeBinary(truncated)).toEqual({});
    expect(readNativeBinary(Buffer.from("not a binary, just a text file ".repeat(4)))).toEqual({});
  });
});

describe("findNativeAddons", () => {
  let stagedDir: string;

  async function put(file: string, content: string | Buffer) {
    await mkdir(path.dirname(path.join(stagedDir, file)), { recursive: true });
    await writeFile(path.join(stagedDir, file), content);
  }

  beforeEach(async () => {
    stagedDir = await mkdtemp(path.join(tmpdir(), "staged-"));
  });

  afterEach(async () => {
    await rm(stagedDir, { recursive: true, force: true });
  });

  it("finds each addon once, in the pnpm store layout, with the package that ships it", async () => {
    const glibc = elfAddon({ machine: elfMachine.x64, needed: ["libc.so.6"] });
    const sharp = "node_modules/.pnpm/sharp@1.0.0/node_modules/sharp";
    await put(`${sharp}/package.json`, "{}");
    await put(`${sharp}/build/Release/sharp.node`, glibc);
    // pnpm links each package into the folders that depend on it; the link must not count twice.
    await symlink(path.join(stagedDir, sharp), path.join(stagedDir, "node_modules/sharp"));
    await put("package.json", "{}");
    await put("dist/server.js", "");

    const addons = await findNativeAddons(stagedDir);
    expect(addons).toEqual([
      {
        file: path.join(stagedDir, sharp, "build/Release/sharp.node"),
        packageDir: path.join(stagedDir, sharp),
        arch: "x64",
        system: "glibc",
        abi: undefined,
      },
    ]);
  });
});
