export {
  ORT_VERSION,
  ORT_COMMON_VERSION,
  ORT_INTEGRITY,
  ORT_PLATFORMS,
  DEFAULT_REGISTRY,
  ortCacheKey,
  ortCacheDir,
  tarballUrl,
  provisionOnnxRuntime,
  type ProvisionOptions,
  type ProvisionSource,
  type ProvisionedRuntime,
} from './provision.js';
export { createSession, describeOrtError, type ModelSession, type SessionOptions, type Feeds, type Outputs } from './session.js';
export { RuntimeUnavailableError, type OrtModule, type OrtSession, type OrtTensor, type OrtTensorType, type OrtValueMetadata, type ToolCache } from './types.js';
export { planInputs, batchToFeeds, decimalValue, type InputPlan, type ModelInput, type FeedTensor, type FeedType } from './feed.js';
export { planOutputs, decodeBatch, type OutputPlan, type OutputMapping, type ModelOutput, type DecodedBatch } from './outputs.js';
export { scoreTable, percentiles, canonicalLabel, type Scored, type ScoreOptions, type LatencySample } from './evaluate.js';
