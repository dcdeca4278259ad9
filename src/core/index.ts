/**
 * FaceRestore engine: host-independent face detection, alignment, GFPGAN restoration and paste-back.
 * Hosts inject a ModelRuntime and hand over plain images; see createRestorer.
 */
export { createRestorer } from './restorer';
export type { AlignedResult, Restorer, RestorerConfig } from './restorer';
export type { RestoredFace, RestoreResult } from './pipeline';
export type { AlignedRestoreOptions, CallOptions, RestoreOptions } from './options';
export { RESTORE_DEFAULTS, MAX_UPSCALE } from './options';
export type { DetectOptions, DetectorKind } from './detect/types';
export { DETECTOR_KINDS } from './detect/types';
export type { Placement } from './paste';
export { AbortError, RestoreError, isAbortError } from './errors';
export type { AbortSignalLike, RestoreErrorCode } from './errors';
export type { ChannelCount, FloatImage, PixelData, PixelImage } from './image';
export { DEFAULT_MAX_PIXELS, toRgb8 } from './image';
export { faceThumbnail } from './thumbnail';
export type { ProgressCallback, ProgressEvent, ProgressStage } from './progress';
export type { LoadedModel, ModelRuntime, ModelSource, Tensor, TensorInfo } from './runtime';
export { wrapOrtSession } from './ort-adapter';
export type { OrtNamespace } from './ort-adapter';
export type { Affine, Box, DetectedFace, Landmarks5, Point, Rect } from './types';
export { DETECTOR_FILE_NAMES, GFPGAN } from './models';
export type { RestoreModelDescriptor } from './models';
export { createUpsampler, UPSCALE_DEFAULTS } from './upsampler';
export type { Upsampler, UpsamplerConfig, UpscaleOptions, UpscalePlan } from './upsampler';
export type { UpscaledTile } from './upscale';
export { parseCatalog, findEntry, entriesFor, defaultEntry, restoreDescriptor, detectorPixels, MODEL_ROLES } from './catalog';
export type { Catalog, CatalogEntry, ModelRole, TensorSpec, RestorerContract, DetectorContract, UpsamplerContract } from './catalog';
export { createModelManager, ROLE_FOLDERS } from './model-manager';
export type { ModelManager, ModelStatus, VerifyResult, ImportOptions } from './model-manager';
export type { ModelHost, ModelStore, FileWriter, HttpTransport, HttpResponse, Sha256, Clock, InstallRecord, TrustBasis } from './model-host';
export { DOWNLOAD_DEFAULTS, checkDownloadUrl } from './download';
export type { DownloadOptions } from './download';
export { checkModelBytes, detectorKindOf } from './model-check';
export type { ModelCheck } from './model-check';
