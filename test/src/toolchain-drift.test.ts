import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  checkToolchainDrift,
  connectDocker,
  readHostToolchain,
  readRuntimeToolchain,
  readToolchain,
  runtimeBases,
  standInLabel,
  ToolchainDriftError,
} from "@repo/build";
import { elfAddon, elfMachine } from "@repo/build/fixtures";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const docker = await connectDocker();
const { nodeVersion } = readToolchain();
const napi = ["napi_register_module_v1"];
// Local base images are pulled, or built as stand-ins, for the engine's platform: on a local
// engine, this machine's.
const hostMachine = process.arch === "arm64" ? elfMachine.arm64 : elfMachine.x64;

/** Ids of the containers created from an image, or from one built on it. */
async function containersOf(image: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { ancestor: [image] } });
  return containers.map((container) => container.Id).sort();
}

describe("readRuntimeToolchain", () => {
  it("reads the node base: this machine's CPU, glibc, the pinned Node and its ABI", async () => {
    const { ref } = runtimeBases.node;
    const before = await containersOf(ref);
    expect(await readRuntimeToolchain(docker, ref)).toEqual({
      image: ref,
      arch: process.arch,
      // Debian, upstream and stand-in alike.
      system: "glibc",
      // The repository pins one Node for the host and the images (.node-version).
      node: { version: nodeVersion, abi: Number(process.versions.modules) },
    });
    expect(await containersOf(ref), "the probe's container is removed").toEqual(before);
  });

  it("reads the nginx base: no Node, and the libc of the image really there", async () => {
    const { ref } = runtimeBases.nginx;
    const { Config } = await docker.getImage(ref).inspect();
    // Upstream is Alpine (musl); the local stand-in is built from Debian packages (glibc).
    const standIn = Config.Labels?.[standInLabel] === "true";
    expect(await readRuntimeToolchain(docker, ref)).toEqual({
      image: ref,
      arch: process.arch,
      system: standIn ? "glibc" : "musl",
      node: undefined,
    });
  });

  it("says what to do when the runtime image is not there", async () => {
    await expect(readRuntimeToolchain(docker, "repo-missing-runtime:none")).rejects.toThrow(
      /^Cannot read the toolchain of the runtime image repo-missing-runtime:none: .*Make sure the image exists locally/,
    );
  });
});

describe("checkToolchainDrift", () => {
  let stagedDir: string;

  async function put(file: string, content: string | Buffer) {
    await mkdir(path.dirname(path.join(stagedDir, file)), { recursive: true });
    await writeFile(path.join(stagedDir, file), content);
  }

  beforeEach(async () => {
    stagedDir = await mkdtemp(path.join(tmpdir(), "staged-"));
    await put("package.json", "{}");
    await put("dist/server.js", "");
  });

  afterEach(async () => {
    await rm(stagedDir, { recursive: true, force: true });
  });

  it("stops before the api's runtime image gets an addon built for musl", async () => {
    const addon = "node_modules/.pnpm/addon@1.0.0/node_modules/addon/build/Release/addon.node";
    await put(
      addon,
      elfAddon({ machine: elfMachine.x64, needed: ["libc.musl-x86_64.so.1"], defines: napi }),
    );
    const check = checkToolchainDrift(docker, { runtimeImage: runtimeBases.node.ref, stagedDir });
    await expect(check).rejects.toThrow(ToolchainDriftError);
    await expect(check).rejects.toThrow(
      `${path.join(stagedDir, addon)} is built for musl, the runtime image ` +
        `${runtimeBases.node.ref} uses glibc`,
    );
  });

  it("lets through an addon built for the api's runtime image", async () => {
    await put(
      "node_modules/.pnpm/addon@1.0.0/node_modules/addon/addon.node",
      elfAddon({ machine: hostMachine, needed: ["libc.so.6"], defines: napi }),
    );
    await expect(
      checkToolchainDrift(docker, { runtimeImage: runtimeBases.node.ref, stagedDir }),
    ).resolves.toEqual([]);
  });

  it("only warns about the web's runtime image, which serves files and runs no Node", async () => {
    const otherHost = { ...readHostToolchain(), arch: "riscv64" };
    const findings = await checkToolchainDrift(docker, {
      runtimeImage: runtimeBases.nginx.ref,
      stagedDir,
      host: otherHost,
    });
    expect(findings).toContainEqual({
      severity: "warning",
      message:
        `The host runs on riscv64, the runtime image ${runtimeBases.nginx.ref} on ` +
        `${process.arch}: harmless: the runtime runs no Node and serves the staged files as they are.`,
    });
    expect(findings.filter((finding) => finding.severity !== "warning")).toEqual([]);
  });
});
