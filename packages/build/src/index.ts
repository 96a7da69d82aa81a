export { type BaseStatus, ensureBaseImages, standInLabel } from "./bases.ts";
export {
  type BuildRequest,
  type BuildResult,
  buildImage,
  ImageBuildError,
  type SentContext,
} from "./build.ts";
export {
  type BuildStep,
  formatProgress,
  isStepEvent,
  type ProgressEvent,
} from "./buildkit.ts";
export {
  type AppName,
  type Approach,
  type AppWorkspace,
  approaches,
  catalogue,
  type HostArtifact,
  type ImageSpec,
  type RuntimeBase,
  type RuntimeOptions,
  runtimeBases,
  type SizeBudget,
} from "./catalogue.ts";
export {
  applyContextEdits,
  type BuildContext,
  type ContextEdits,
  collectContext,
  ignoreFileFor,
  packContext,
} from "./context.ts";
export { connectDocker, dockerEndpoint, pathExists } from "./docker.ts";
export { type StageOptions, stageHostArtifact } from "./host-artifacts.ts";
export { type BuildCatalogueImageOptions, type BuiltImage, buildCatalogueImage } from "./images.ts";
export { type LayerSplit, measureLayerSplit, runtimeBaseLayers } from "./layers.ts";
export { deployBookkeeping, finishProductionFolder } from "./production-folder.ts";
export { readToolchain, repoRoot } from "./repo.ts";
export { formatMegabytes, type ImageReportRow, reportPath, toReportRows } from "./report.ts";
export { newRunId, type RunKind, removeLeftovers, runLabel, runTag } from "./runs.ts";
export { assertNoLeftoverEdit } from "./source-edit.ts";
export {
  checkToolchainDrift,
  type DriftFinding,
  type HostToolchain,
  type RuntimeToolchain,
  readHostToolchain,
  readRuntimeToolchain,
  ToolchainDriftError,
} from "./toolchain-drift.ts";
