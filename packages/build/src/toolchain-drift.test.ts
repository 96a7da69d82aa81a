import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { elfAddon, elfMachine, machOAddon } from "./fixtures/native-addons.ts";
import { repoRoot } from "./repo.ts";
import {
  checkStagedOutput,
  type HostToolchain,
  type RuntimeToolchain,
  ToolchainDriftError,
} from "./toolchain-drift.ts";

const node24 = { version: "24.22.3", abi: 137 };
const node22 = { version: "22.12.0", abi: 127 };
const host: HostToolchain = { arch: "x64", system: "glibc", node: node24 };
const nodeRuntime: RuntimeToolchain = {
  image: "node:24.22.3-trixie-slim",
  arch: "x64",
  system: "glibc",
  node: node24,
};
const nginxRuntime: RuntimeToolchain = {
  image: "nginxinc/nginx-unprivileged:1.31.6-alpine",
  arch: "x64",
  system: "musl",
};

const napi = ["napi_register_module_v1"];
const glibcX64 = { machine: elfMachine.x64, needed: ["libc.so.6"] };
const addonPackage = "node_modules/.pnpm/addon@1.0.0/node_modules/addon";

let stagedDir: string;
const staged = (file: string) => path.join(stagedDir, file);

async function put(file: string, content: string | Buffer) {
  await mkdir(path.dirname(staged(file)), { recursive: true });
  await writeFile(staged(file), content);
}

/** A staged folder holding one package with the given addon builds (path in the package → content). */
async function stageAddons(builds: Record<string, string | Buffer>) {
  await put("dist/server.js", "");
  await put(`${addonPackage}/package.json`, "{}");
  for (const [file, bytes] of Object.entries(builds)) await put(`${addonPackage}/${file}`, bytes);
}

/** The ToolchainDriftError a check throws; fails the test when it does not throw one. */
async function driftError(check: Promise<unknown>): Promise<ToolchainDriftError> {
  const error = await check.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(ToolchainDriftError);
  return error as ToolchainDriftError;
}

beforeEach(async () => {
  stagedDir = await mkdtemp(path.join(tmpdir(), "staged-"));
});

afterEach(async () => {
  await rm(stagedDir, { recursive: true, force: true });
});

describe("checkStagedOutput on a Node runtime", () => {
  it("passes addons built for the runtime: matching ABI, and Node-API on any Node", async () => {
    await stageAddons({
      "build/Release/classic.node": elfAddon({
        ...glibcX64,
        defines: ["node_register_module_v137"],
      }),
      "build/Release/napi.node": elfAddon({ ...glibcX64, defines: napi }),
    });
    await expect(checkStagedOutput({ stagedDir, host, runtime: nodeRuntime })).resolves.toEqual([]);
  });

  it.each([
    [
      "a musl build",
      elfAddon({ machine: elfMachine.x64, needed: ["libc.musl-x86_64.so.1"], defines: napi }),
      "built for musl, the runtime image node:24.22.3-trixie-slim uses glibc",
    ],
    [
      "an arm64 build",
      elfAddon({ machine: elfMachine.arm64, needed: ["libc.so.6"], defines: napi }),
      "built for arm64, the runtime image node:24.22.3-trixie-slim runs on x64",
    ],
    [
      "a build for another Node ABI",
      elfAddon({ ...glibcX64, defines: ["node_register_module_v127"] }),
      "built for Node ABI 127, the runtime image node:24.22.3-trixie-slim runs Node 24.22.3 (ABI 137)",
    ],
    [
      "a macOS build",
      machOAddon(),
      "built for macOS, the runtime image node:24.22.3-trixie-slim uses glibc",
    ],
  ])("stops at %s, naming the file and the mismatch", async (_, bytes, mismatch) => {
    await stageAddons({ "build/Release/addon.node": bytes });
    const error = await driftError(checkStagedOutput({ stagedDir, host, runtime: nodeRuntime }));
    const file = staged(`${addonPackage}/build/Release/addon.node`);
    expect(error.findings).toEqual([
      { severity: "error", file, message: `${file} is ${mismatch}.` },
    ]);
    expect(error.message).toBe(
      `The host-built output in ${stagedDir} cannot run in the runtime image ` +
        "node:24.22.3-trixie-slim (glibc on x64, Node 24.22.3):\n" +
        `  - ${file} is ${mismatch}.\n` +
        "Run the host build on a machine with the runtime's toolchain, so pnpm installs addons " +
        "built for it, or build the multi-stage image, which installs them inside Docker; an addon " +
        "whose package ships no build for the runtime must be rebuilt for it.",
    );
  });

  it("takes an addon that records no ABI as built for the host's Node, which installed it", async () => {
    await stageAddons({ "build/Release/classic.node": elfAddon(glibcX64) });
    const fromNode24 = checkStagedOutput({ stagedDir, host, runtime: nodeRuntime });
    await expect(fromNode24).resolves.toEqual([]);

    const fromNode22 = { ...host, node: node22 };
    const error = await driftError(
      checkStagedOutput({ stagedDir, host: fromNode22, runtime: nodeRuntime }),
    );
    expect(error.message).toContain(
      "classic.node is built against Node's own ABI without recording which, so for the host's " +
        "Node 22.12.0 (ABI 127) that installed it, but the runtime image node:24.22.3-trixie-slim " +
        "runs Node 24.22.3 (ABI 137).",
    );
  });

  it("lists every addon that cannot load, with all of its mismatches", async () => {
    await stageAddons({
      "a.node": elfAddon({
        machine: elfMachine.arm64,
        needed: ["libc.musl-aarch64.so.1"],
        defines: napi,
      }),
      "b.node": elfAddon({ ...glibcX64, defines: ["node_register_module_v127"] }),
    });
    const error = await driftError(checkStagedOutput({ stagedDir, host, runtime: nodeRuntime }));
    expect(error.findings.map(({ severity, file }) => [severity, file])).toEqual([
      ["error", staged(`${addonPackage}/a.node`)],
      ["error", staged(`${addonPackage}/b.node`)],
    ]);
    expect(error.findings[0]?.message).toBe(
      `${staged(`${addonPackage}/a.node`)} is built for musl, the runtime image ` +
        "node:24.22.3-trixie-slim uses glibc; built for arm64, the runtime image " +
        "node:24.22.3-trixie-slim runs on x64.",
    );
  });

  it("warns, without stopping, about builds for other systems that ship beside one that loads", async () => {
    // The prebuildify layout: one package, a build per platform, the right one picked at load time.
    await stageAddons({
      "prebuilds/linux-x64/node.napi.glibc.node": elfAddon({ ...glibcX64, defines: napi }),
      "prebuilds/linux-x64/node.napi.musl.node": elfAddon({
        machine: elfMachine.x64,
        needed: ["libc.musl-x86_64.so.1"],
        defines: napi,
      }),
      "prebuilds/darwin-arm64/node.napi.node": machOAddon(),
    });
    const findings = await checkStagedOutput({ stagedDir, host, runtime: nodeRuntime });
    const glibcBuild = staged(`${addonPackage}/prebuilds/linux-x64/node.napi.glibc.node`);
    expect(findings).toEqual([
      expect.objectContaining({
        severity: "warning",
        file: staged(`${addonPackage}/prebuilds/darwin-arm64/node.napi.node`),
      }),
      expect.objectContaining({
        severity: "warning",
        file: staged(`${addonPackage}/prebuilds/linux-x64/node.napi.musl.node`),
      }),
    ]);
    expect(findings[1]?.message).toBe(
      `${staged(`${addonPackage}/prebuilds/linux-x64/node.napi.musl.node`)} is built for musl, ` +
        "the runtime image node:24.22.3-trixie-slim uses glibc — harmless as long as its package " +
        `loads the build it also ships for the runtime, ${glibcBuild}.`,
    );
  });

  it("warns about what it cannot check: a file that is no binary, a runtime of unknown libc", async () => {
    await stageAddons({ "placeholder.node": "built on first use" });
    const unknownLibc = { ...nodeRuntime, system: undefined };
    const findings = await checkStagedOutput({ stagedDir, host, runtime: unknownLibc });
    const file = staged(`${addonPackage}/placeholder.node`);
    expect(findings).toEqual([
      {
        severity: "warning",
        message:
          "The runtime image node:24.22.3-trixie-slim has no glibc or musl loader where x64 " +
          "systems keep it, so the native addons were checked for CPU and Node ABI only.",
      },
      {
        severity: "warning",
        file,
        message:
          `${file} is not an ELF, Mach-O or PE binary, so it could not be checked against the ` +
          "runtime image node:24.22.3-trixie-slim.",
      },
    ]);
  });

  it("names addons under the staged folder as the caller gave it, relative to the repository", async () => {
    await stageAddons({ "addon.node": machOAddon() });
    const relative = path.relative(repoRoot, stagedDir);
    const error = await driftError(
      checkStagedOutput({ stagedDir: relative, host, runtime: nodeRuntime }),
    );
    expect(error.findings[0]?.file).toBe(path.join(relative, addonPackage, "addon.node"));
  });

  it("warns about host differences no addon is affected by, saying what would make them harmful", async () => {
    await stageAddons({ "addon.node": elfAddon({ ...glibcX64, defines: napi }) });
    const otherHost: HostToolchain = { arch: "arm64", system: "musl", node: node22 };
    const findings = await checkStagedOutput({ stagedDir, host: otherHost, runtime: nodeRuntime });
    const image = "the runtime image node:24.22.3-trixie-slim";
    const harmless = (hostValue: string, runtimeValue: string) =>
      "harmless for JavaScript, and the staged output's native addons are checked against the " +
      `runtime one by one; an addon installed on this host is built for ${hostValue} and would ` +
      `break the image — then build on a ${runtimeValue} host or use the multi-stage image.`;
    expect(findings).toEqual([
      {
        severity: "warning",
        message: `The host builds with musl, ${image} uses glibc: ${harmless("musl", "glibc")}`,
      },
      {
        severity: "warning",
        message: `The host runs on arm64, ${image} on x64: ${harmless("arm64", "x64")}`,
      },
      {
        severity: "warning",
        message:
          `The host runs Node 22.12.0, ${image} runs Node 24.22.3: harmless while the build ` +
          "emits JavaScript both run and every native addon in the staged output is Node-API or " +
          "built for the runtime (each was checked); run Node 24 on the host to rule drift out.",
      },
    ]);
  });
});

describe("checkStagedOutput on a runtime without Node", () => {
  it("compares libc and CPU only, as warnings: static files run nowhere", async () => {
    await put("index.html", "<!doctype html>");
    // Served as a file, never loaded: not even a mismatching addon breaks this image.
    await put("assets/stray.node", machOAddon());
    const otherHost: HostToolchain = { arch: "arm64", system: "glibc", node: node22 };
    const findings = await checkStagedOutput({ stagedDir, host: otherHost, runtime: nginxRuntime });
    const harmless = "harmless: the runtime runs no Node and serves the staged files as they are.";
    expect(findings).toEqual([
      {
        severity: "warning",
        message: `The host builds with glibc, the runtime image ${nginxRuntime.image} uses musl: ${harmless}`,
      },
      {
        severity: "warning",
        message: `The host runs on arm64, the runtime image ${nginxRuntime.image} on x64: ${harmless}`,
      },
    ]);
  });
});
