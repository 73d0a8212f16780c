/**
 * Model files and crash-safe writes: safetensors (hand-written, browser-safe), atomic file writes
 * (Node), and saveModel/loadModel (Node).
 *
 * @example
 * await wg.saveModel(model, 'out/model', { tokenizer });
 * const { model: again, tokenizer: tok } = await wg.io.loadModelBundle('out/model');
 */
export { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafetensorsEntry, type DecodedTensor, type DecodedSafetensors, type SafetensorsDType } from './safetensors.js';
export { writeFileAtomic, writeJsonAtomic, isTempName, type AtomicContent, type AtomicWriteOptions } from './atomic.js';
export { modelToConfig, modelFromConfig, optimizerToConfig, optimizerFromConfig, ConfigError, type ClassConfig, type TrainingConfig } from './config.js';
export {
  saveModel, loadModel, loadModelBundle, ModelFileError, MODEL_FILE, WEIGHTS_FILE, TOKENIZER_FILE,
  type SaveModelOptions, type LoadModelOptions, type LoadedModel, type ModelManifest, type FileRecord,
} from './model-io.js';
