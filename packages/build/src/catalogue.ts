import { deployBookkeeping } from "./production-folder.ts";
import { readToolchain } from "./repo.ts";

export const approaches = ["hostBuilt", "multiStage"] as const;
export type Approach = (typeof approaches)[number];
export type AppName = "web" | "api";

const MB = 1_000_000;

/** An upstream base image the Dockerfiles name. */
export interface RuntimeBase {
  /** Exact upstream reference; the Dockerfiles' `ARG ..._IMAGE` defaults must equal it. */
  ref: string;
  /** Build argument that carries the reference into the Dockerfiles. */
  buildArg: "NODE_IMAGE" | "NGINX_IMAGE";
  /** Recipe under docker/bases/ for the local stand-in, built only when the pull fails. */
  standIn: string;
  /**
   * Size the budgets count for this base: the larger of the upstream image's published size (kept,
   * with its source, in docker/bases/build-stand-in.sh) and the local stand-in's, so a budget that
   * passes on either passes on both. The image suite checks the local base is not larger.
   */
  budgetBytes: number;
}

export interface SizeBudget {
  runtimeBaseBytes: number;
  appPayloadBytes: number;
  /** Fraction on top of base + payload; at most 0.10. */
  headroom: number;
  bytes: number;
}

/**
 * A folder the host stages for a host-built image: the app's workspace package is built with turbo, then
 * either its build output is copied (`copyFrom`) or `pnpm deploy --prod` writes a self-contained
 * production folder (dependencies included).
 */
export interface HostArtifact {
  dir: string;
  copyFrom?: string;
}

/**
 * How containers of an image run, in tests and in compose.yaml alike: a read-only root filesystem,
 * with tmpfs mounts only where the server must write.
 */
export interface RuntimeOptions {
  /** Numeric `uid:gid` of the Dockerfiles' `USER`, so orchestrators can verify non-root. */
  user: string;
  readOnlyRootFilesystem: true;
  /** Writable tmpfs mounts: path → mount options (`""` for the defaults). */
  tmpfs: Record<string, string>;
}

/** The workspace package an image ships. */
export interface AppWorkspace {
  package: string;
  /** Relative to the repository root. */
  dir: string;
  /** The source file a "one-line edit" touches when builds prove or measure their cache. */
  sourceFile: string;
}

export interface ImageSpec {
  app: AppName;
  approach: Approach;
  workspace: AppWorkspace;
  /** Local tag, e.g. `repo-api:multi-stage`. */
  image: string;
  /** Relative to the repository root, which is also the build context. */
  dockerfile: string;
  buildArgs: Record<string, string>;
  /** Bases that must exist locally before the build. */
  bases: RuntimeBase[];
  /** The base of the final stage: what a container of the image runs on. */
  runtimeBase: RuntimeBase;
  /** The folder of the final image that holds the app's own files (its output and dependencies). */
  appRoot: string;
  /** Host-built only: what the host builds and stages for the image to copy. */
  hostArtifact?: HostArtifact;
  port: number;
  healthPath: string;
  runtime: RuntimeOptions;
  sizeBudget: SizeBudget;
  /** Paths that must never exist in the final image (build tools, sources). */
  forbiddenPaths: string[];
}

const toolchain = readToolchain();

export const runtimeBases = {
  node: {
    ref: `node:${toolchain.nodeVersion}-trixie-slim`,
    buildArg: "NODE_IMAGE",
    standIn: "docker/bases/node",
    // Local stand-in 272.2 MB (measured) > upstream 253.9 MB (published): counted as 273 MB.
    budgetBytes: 273 * MB,
  },
  nginx: {
    ref: "nginxinc/nginx-unprivileged:1.31.6-alpine",
    buildArg: "NGINX_IMAGE",
    standIn: "docker/bases/nginx-unprivileged",
    // Local stand-in 155.1 MB (measured, Debian-based) > upstream 66.0 MB (published, Alpine): 156 MB.
    budgetBytes: 156 * MB,
  },
} as const satisfies Record<string, RuntimeBase>;

function sizeBudget(base: RuntimeBase, appPayloadBytes: number, headroom = 0.1): SizeBudget {
  if (headroom < 0 || headroom > 0.1)
    throw new Error(`Headroom must be within 0..10 %, got ${headroom}`);
  const bytes = Math.ceil((base.budgetBytes + appPayloadBytes) * (1 + headroom));
  return { runtimeBaseBytes: base.budgetBytes, appPayloadBytes, headroom, bytes };
}

const toolArgs = { PNPM_VERSION: toolchain.pnpmVersion, TURBO_VERSION: toolchain.turboVersion };
const kebab = (approach: Approach) => (approach === "hostBuilt" ? "host-built" : "multi-stage");

/** Never in any final image: the package manager and build tools stay in the build stages. */
const buildTools = [
  "/usr/local/bin/pnpm",
  "/usr/local/bin/turbo",
  "/usr/local/lib/node_modules/pnpm",
];

function apiImage(approach: Approach): ImageSpec {
  const base = runtimeBases.node;
  return {
    app: "api",
    approach,
    workspace: { package: "@repo/api", dir: "apps/api", sourceFile: "apps/api/src/app.ts" },
    appRoot: "/app",
    image: `repo-api:${kebab(approach)}`,
    dockerfile: `docker/api/${kebab(approach)}.Dockerfile`,
    buildArgs:
      approach === "hostBuilt"
        ? { [base.buildArg]: base.ref }
        : { [base.buildArg]: base.ref, ...toolArgs },
    bases: [base],
    runtimeBase: base,
    ...(approach === "hostBuilt" ? { hostArtifact: { dir: ".stage/api" } } : {}),
    port: 3000,
    healthPath: "/health",
    // The base's `node` user.
    runtime: { user: "1000:1000", readOnlyRootFilesystem: true, tmpfs: {} },
    // (273 MB node base + 12 MB production folder: dist + express, helmet, pino, zod (9.9 MB of
    // dependencies and 26 kB of app measured)) × 1.10 = 313.5 MB
    sizeBudget: sizeBudget(base, 12 * MB),
    forbiddenPaths: [
      ...buildTools,
      "/app/src",
      "/app/tsconfig.json",
      "/app/node_modules/typescript",
      "/app/node_modules/vitest",
      "/app/node_modules/supertest",
      // What production-folder.ts takes out of the deploy folder, in both approaches.
      ...deployBookkeeping.map((file) => `/app/${file}`),
      "/app/node_modules/.bin",
    ],
  };
}

function webImage(approach: Approach): ImageSpec {
  const nginx = runtimeBases.nginx;
  const node = runtimeBases.node;
  return {
    app: "web",
    approach,
    workspace: { package: "@repo/web", dir: "apps/web", sourceFile: "apps/web/src/main.tsx" },
    appRoot: "/usr/share/nginx/html",
    image: `repo-web:${kebab(approach)}`,
    dockerfile: `docker/web/${kebab(approach)}.Dockerfile`,
    buildArgs:
      approach === "hostBuilt"
        ? { [nginx.buildArg]: nginx.ref }
        : { [nginx.buildArg]: nginx.ref, [node.buildArg]: node.ref, ...toolArgs },
    bases: approach === "hostBuilt" ? [nginx] : [nginx, node],
    runtimeBase: nginx,
    ...(approach === "hostBuilt"
      ? { hostArtifact: { dir: ".stage/web", copyFrom: "apps/web/dist" } }
      : {}),
    port: 8080,
    healthPath: "/healthz",
    // The base's `nginx` user. nginx writes its temp files and pid under /tmp; the entrypoint
    // renders the server config (API_UPSTREAM) into conf.d at start, so that mount is the user's.
    runtime: {
      user: "101:101",
      readOnlyRootFilesystem: true,
      tmpfs: { "/tmp": "", "/etc/nginx/conf.d": "uid=101,gid=101" },
    },
    // (156 MB nginx base + 0.5 MB static bundle (0.42 MB measured)) × 1.10 = 172.15 MB
    sizeBudget: sizeBudget(nginx, 0.5 * MB),
    forbiddenPaths: [...buildTools, "/usr/local/bin/node", "/usr/share/nginx/html/src"],
  };
}

/** Every app × approach: the single source of truth for the CLI, the image suite and the report. */
export const catalogue: readonly ImageSpec[] = [
  webImage("hostBuilt"),
  webImage("multiStage"),
  apiImage("hostBuilt"),
  apiImage("multiStage"),
];
