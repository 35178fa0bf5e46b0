// The WebGPU limits tfjs' programs depend on (buffer sizes bound how large a batch or layer may be):
// what an adapter report lists, for the engine's Dawn path and the GPU engine page alike.
export const KEY_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
] as const
