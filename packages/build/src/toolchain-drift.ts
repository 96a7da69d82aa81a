import { familySync } from "detect-libc";
import type Docker from "dockerode";
import { getAbi } from "node-abi";
import { pathExists } from "./docker.ts";
import { findNativeAddons, type NativeAddon, type NativeSystem } from "./native-addons.ts";
import { newRunId, runLabel } from "./runs.ts";

/** The Node a toolchain runs: its version and the ABI (NODE_MODULE_VERSION) addons build for. */
export interface NodeRuntime {
  version: string;
  abi: number;
}

/** Where native code runs: what a host-built image's addons must have been built for. */
export interface NativeToolchain {
  /** Node's name for the CPU (`process.arch`). */
  arch: string;
  /** Undefined when it cannot be told. */
  system?: NativeSystem;
  /** Undefined for a runtime that runs no Node (nginx). */
  node?: NodeRuntime;
}

export interface HostToolchain extends NativeToolchain {
  node: NodeRuntime;
}

export interface RuntimeToolchain extends NativeToolchain {
  /** The image reference it was read from. */
  image: string;
}

function hostSystem(): NativeSystem | undefined {
  if (process.platform === "darwin" || process.platform === "win32") return process.platform;
  const libc = familySync();
  return libc === "glibc" || libc === "musl" ? libc : undefined;
}

/** The toolchain of this process's host: the one a host-built image's staged output comes from. */
export function readHostToolchain(): HostToolchain {
  return {
    arch: process.arch,
    system: hostSystem(),
    node: { version: process.versions.node, abi: Number(process.versions.modules) },
  };
}

/** Docker's platform architectures → Node's. */
const dockerArchitectures: Record<string, string> = {
  amd64: "x64",
  arm64: "arm64",
  arm: "arm",
  "386": "ia32",
  ppc64le: "ppc64",
  s390x: "s390x",
  riscv64: "riscv64",
};

/** Where each libc keeps its dynamic loader, per architecture: the file that proves the libc. */
const loaders: Record<"glibc" | "musl", Record<string, string>> = {
  glibc: {
    x64: "/lib64/ld-linux-x86-64.so.2",
    arm64: "/lib/ld-linux-aarch64.so.1",
    arm: "/lib/ld-linux-armhf.so.3",
  },
  musl: {
    x64: "/lib/ld-musl-x86_64.so.1",
    arm64: "/lib/ld-musl-aarch64.so.1",
    arm: "/lib/ld-musl-armhf.so.1",
  },
};

/**
 * Finds the runtime image's libc by asking the engine's archive API for each loader in a created,
 * never started container: nothing runs, and the image needs no shell or tools.
 */
async function probeLibc(
  docker: Docker,
  image: string,
  arch: string,
): Promise<"glibc" | "musl" | undefined> {
  const container = await docker.createContainer({
    Image: image,
    Labels: { [runLabel]: newRunId() },
  });
  try {
    for (const libc of ["glibc", "musl"] as const) {
      const loader = loaders[libc][arch];
      if (loader && (await pathExists(container, loader))) return libc;
    }
    return undefined;
  } finally {
    await container.remove();
  }
}

/**
 * The toolchain of a local runtime image, read through the engine only: the architecture from the
 * image config, Node from its `NODE_VERSION` (the official Node images set it; an image without it
 * is taken to run no Node), the libc from which dynamic loader it ships.
 */
export async function readRuntimeToolchain(
  docker: Docker,
  image: string,
): Promise<RuntimeToolchain> {
  let inspected: Docker.ImageInspectInfo;
  try {
    inspected = await docker.getImage(image).inspect();
  } catch (cause) {
    throw new Error(
      `Cannot read the toolchain of the runtime image ${image}: ${(cause as Error).message}. ` +
        "Make sure the image exists locally (ensureBaseImages pulls or builds the bases), then retry.",
      { cause },
    );
  }
  const arch = dockerArchitectures[inspected.Architecture] ?? inspected.Architecture;
  const nodeVersion = inspected.Config.Env?.find((variable) =>
    variable.startsWith("NODE_VERSION="),
  )?.slice("NODE_VERSION=".length);
  return {
    image,
    arch,
    system: await probeLibc(docker, image, arch),
    node: nodeVersion
      ? { version: nodeVersion, abi: Number(getAbi(nodeVersion, "node")) }
      : undefined,
  };
}

/** One difference between the host and the runtime: an error breaks the image, a warning cannot. */
export interface DriftFinding {
  severity: "error" | "warning";
  /** The addon concerned, for findings about one. */
  file?: string;
  message: string;
}

const systemNames: Record<NativeSystem, string> = {
  glibc: "glibc",
  musl: "musl",
  darwin: "macOS",
  win32: "Windows",
};
const systemName = (system: NativeSystem | undefined) =>
  system ? systemNames[system] : "an unknown libc";
const major = (node: NodeRuntime) => node.version.split(".")[0];

/** E.g. `glibc on x64, Node 24.22.3`. */
export function describeToolchain({ arch, system, node }: NativeToolchain): string {
  return `${systemName(system)} on ${arch}${node ? `, Node ${node.version}` : ", no Node"}`;
}

/** Why an addon cannot load in the runtime; empty when it can. */
function addonMismatches(
  addon: NativeAddon,
  host: HostToolchain,
  runtime: RuntimeToolchain & { node: NodeRuntime },
): string[] {
  const { image, node } = runtime;
  const mismatches: string[] = [];
  if (addon.system && runtime.system && addon.system !== runtime.system) {
    mismatches.push(
      `built for ${systemName(addon.system)}, the runtime image ${image} uses ${systemName(runtime.system)}`,
    );
  }
  if (addon.arch && addon.arch !== runtime.arch) {
    mismatches.push(`built for ${addon.arch}, the runtime image ${image} runs on ${runtime.arch}`);
  }
  if (addon.abi === undefined && host.node.abi !== node.abi) {
    // pnpm installed it on this host, and install scripts fetch or compile for the Node running them.
    mismatches.push(
      `built against Node's own ABI without recording which, so for the host's Node ` +
        `${host.node.version} (ABI ${host.node.abi}) that installed it, but the runtime image ` +
        `${image} runs Node ${node.version} (ABI ${node.abi})`,
    );
  } else if (typeof addon.abi === "number" && addon.abi !== node.abi) {
    mismatches.push(
      `built for Node ABI ${addon.abi}, the runtime image ${image} runs Node ${node.version} (ABI ${node.abi})`,
    );
  }
  return mismatches;
}

function assessAddons(
  host: HostToolchain,
  runtime: RuntimeToolchain & { node: NodeRuntime },
  addons: NativeAddon[],
): DriftFinding[] {
  const findings: DriftFinding[] = [];
  if (addons.length > 0 && !runtime.system) {
    findings.push({
      severity: "warning",
      message:
        `The runtime image ${runtime.image} has no glibc or musl loader where ${runtime.arch} ` +
        "systems keep it, so the native addons were checked for CPU and Node ABI only.",
    });
  }
  const readable = (addon: NativeAddon) => addon.system !== undefined || addon.arch !== undefined;
  const loadable = addons.filter(
    (addon) => readable(addon) && addonMismatches(addon, host, runtime).length === 0,
  );
  for (const addon of addons) {
    const { file } = addon;
    if (!readable(addon)) {
      findings.push({
        severity: "warning",
        file,
        message: `${file} is not an ELF, Mach-O or PE binary, so it could not be checked against the runtime image ${runtime.image}.`,
      });
      continue;
    }
    const mismatches = addonMismatches(addon, host, runtime);
    if (mismatches.length === 0) continue;
    const alternative = loadable.find((other) => other.packageDir === addon.packageDir);
    findings.push(
      alternative
        ? {
            severity: "warning",
            file,
            message:
              `${file} is ${mismatches.join("; ")} — harmless as long as its package loads the ` +
              `build it also ships for the runtime, ${alternative.file}.`,
          }
        : { severity: "error", file, message: `${file} is ${mismatches.join("; ")}.` },
    );
  }
  return findings;
}

/**
 * Differences between the host and the runtime that no addon in the staged output is affected by:
 * each addon is checked on its own, so these can only turn harmful when the output changes.
 */
function assessHost(host: HostToolchain, runtime: RuntimeToolchain): DriftFinding[] {
  const why = (hostValue: string, runtimeValue: string) =>
    runtime.node
      ? "harmless for JavaScript, and the staged output's native addons are checked against the " +
        `runtime one by one; an addon installed on this host is built for ${hostValue} and would ` +
        `break the image — then build on a ${runtimeValue} host or use the multi-stage image.`
      : "harmless: the runtime runs no Node and serves the staged files as they are.";
  const findings: DriftFinding[] = [];
  if (host.system && runtime.system && host.system !== runtime.system) {
    const [hostLibc, runtimeLibc] = [systemName(host.system), systemName(runtime.system)];
    findings.push({
      severity: "warning",
      message:
        `The host builds with ${hostLibc}, the runtime image ${runtime.image} uses ` +
        `${runtimeLibc}: ${why(hostLibc, runtimeLibc)}`,
    });
  }
  if (host.arch !== runtime.arch) {
    findings.push({
      severity: "warning",
      message:
        `The host runs on ${host.arch}, the runtime image ${runtime.image} on ${runtime.arch}: ` +
        why(host.arch, runtime.arch),
    });
  }
  if (runtime.node && major(host.node) !== major(runtime.node)) {
    findings.push({
      severity: "warning",
      message:
        `The host runs Node ${host.node.version}, the runtime image ${runtime.image} runs Node ` +
        `${runtime.node.version}: harmless while the build emits JavaScript both run and every ` +
        "native addon in the staged output is Node-API or built for the runtime (each was checked); " +
        `run Node ${major(runtime.node)} on the host to rule drift out.`,
    });
  }
  return findings;
}

/**
 * Compares a host-built image's staged output and the host that made it with the runtime image it
 * will run on. Addons only matter where Node runs: a runtime without Node serves them as files.
 */
function assessDrift(
  host: HostToolchain,
  runtime: RuntimeToolchain,
  addons: NativeAddon[],
): DriftFinding[] {
  const { node } = runtime;
  return [
    ...(node ? assessAddons(host, { ...runtime, node }, addons) : []),
    ...assessHost(host, runtime),
  ];
}

/** The staged output holds native code that cannot load in the runtime image. */
export class ToolchainDriftError extends Error {
  /** Every finding, warnings included. */
  readonly findings: DriftFinding[];

  constructor(stagedDir: string, runtime: RuntimeToolchain, findings: DriftFinding[]) {
    const errors = findings.filter((finding) => finding.severity === "error");
    super(
      `The host-built output in ${stagedDir} cannot run in the runtime image ${runtime.image} ` +
        `(${describeToolchain(runtime)}):\n` +
        errors.map((finding) => `  - ${finding.message}\n`).join("") +
        "Run the host build on a machine with the runtime's toolchain, so pnpm installs addons " +
        "built for it, or build the multi-stage image, which installs them inside Docker; an addon " +
        "whose package ships no build for the runtime must be rebuilt for it.",
    );
    this.name = "ToolchainDriftError";
    this.findings = findings;
  }
}

export interface StagedOutputCheck {
  /** The staged folder, absolute or relative to the repository root; findings name files under it. */
  stagedDir: string;
  host: HostToolchain;
  runtime: RuntimeToolchain;
}

/**
 * Checks a staged folder against a known runtime toolchain: returns the warnings, throws a
 * ToolchainDriftError when any addon would break the image.
 */
export async function checkStagedOutput({
  stagedDir,
  host,
  runtime,
}: StagedOutputCheck): Promise<DriftFinding[]> {
  const findings = assessDrift(host, runtime, await findNativeAddons(stagedDir));
  if (findings.some((finding) => finding.severity === "error")) {
    throw new ToolchainDriftError(stagedDir, runtime, findings);
  }
  return findings;
}

export interface ToolchainDriftCheck {
  /** The image the host-built Dockerfile's final stage runs on, e.g. `node:24.22.3-trixie-slim`. */
  runtimeImage: string;
  /** The staged folder, absolute or relative to the repository root. */
  stagedDir: string;
  /** Defaults to this machine's; tests pass another to stand for a different host. */
  host?: HostToolchain;
}

/**
 * Before a host-built image is built: compares the host's Node major, libc and CPU and every
 * native addon in the staged output with the runtime image. Returns the harmless differences as
 * warnings for the report; throws a ToolchainDriftError naming each addon that cannot load.
 *
 * @example
 * const warnings = await checkToolchainDrift(docker, {
 *   runtimeImage: runtimeBases.node.ref,
 *   stagedDir: ".stage/api",
 * });
 */
export async function checkToolchainDrift(
  docker: Docker,
  { runtimeImage, stagedDir, host = readHostToolchain() }: ToolchainDriftCheck,
): Promise<DriftFinding[]> {
  const runtime = await readRuntimeToolchain(docker, runtimeImage);
  return checkStagedOutput({ stagedDir, host, runtime });
}
