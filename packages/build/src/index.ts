export { type BaseStatus, ensureBaseImages, standInLabel } from "./bases.ts";
export { type BuildRequest, type BuildResult, buildImage, ImageBuildError } from "./build.ts";
export {
  type BuildStep,
  formatProgress,
  isStepEvent,
  type ProgressEvent,
} from "./buildkit.ts";
export {
  type AppName,
  type Approach,
  approaches,
  catalogue,
  type HostArtifact,
  type ImageSpec,
  type RuntimeBase,
  type RuntimeOptions,
  runtimeBases,
  type SizeBudget,
} from "./catalogue.ts";
export { type BuildContext, collectContext, ignoreFileFor } from "./context.ts";
export { connectDocker, dockerEndpoint } from "./docker.ts";
export { stageHostArtifact } from "./host-artifacts.ts";
export { type BuiltImage, buildCatalogueImage } from "./images.ts";
export { readToolchain, repoRoot } from "./repo.ts";
export { formatMegabytes, type ImageReportRow, reportPath, toReportRows } from "./report.ts";
