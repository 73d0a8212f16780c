/**
 * Architecture and training configuration as JSON, in Keras's layout (`{class_name, config}` with
 * snake_case keys), read from the layers' public fields and turned back into layers. One entry
 * per layer class; a class without one cannot be saved, and the error says so.
 */
import { Bidirectional, type MergeMode } from '../nn/bidirectional.js';
import { Dense } from '../nn/dense.js';
import { Embedding } from '../nn/embedding.js';
import { GRU } from '../nn/gru.js';
import type { Layer, LayerArgs } from '../nn/layer.js';
import { Sequential } from '../nn/sequential.js';
import type { ActivationName } from '../nn/activations.js';
import type { OptimizerLike } from '../nn/optimizer-like.js';
import { Adam, AdamW, SGD } from '../optim/index.js';

/** `{class_name, config}` as Keras writes it. */
export interface ClassConfig {
  class_name: string;
  config: Record<string, unknown>;
}

/** A readable error for a bad configuration, naming where it came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface LayerCodec {
  toConfig(layer: Layer): Record<string, unknown>;
  /** `base` holds the options every layer takes (name, batchInputShape). */
  fromConfig(config: Record<string, unknown>, where: string, base: LayerArgs): Layer;
}

function baseArgs(c: Record<string, unknown>, where: string): LayerArgs {
  const name = need<string>(c, 'name', where, str, 'a name');
  const shape = c.batch_input_shape;
  if (shape === undefined || shape === null) return { name };
  if (!Array.isArray(shape) || !shape.every((d) => d === null || posInt(d))) throw new ConfigError(`${where}: 'batch_input_shape' must be a list of positive integers or nulls, got ${JSON.stringify(shape)}`);
  return { name, batchInputShape: shape as (number | null)[] };
}

function need<T>(config: Record<string, unknown>, key: string, where: string, check: (v: unknown) => boolean, what: string): T {
  const v = config[key];
  if (!check(v)) throw new ConfigError(`${where}: '${key}' must be ${what}, got ${JSON.stringify(v)}`);
  return v as T;
}
const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const bool = (v: unknown) => typeof v === 'boolean';
const str = (v: unknown) => typeof v === 'string' && v.length > 0;
const opt = <T>(config: Record<string, unknown>, key: string, where: string, check: (v: unknown) => boolean, what: string, fallback: T): T =>
  config[key] === undefined || config[key] === null ? fallback : need<T>(config, key, where, check, what);

function gruConfig(g: GRU, name = g.name): Record<string, unknown> {
  return {
    name, trainable: g.trainable, units: g.units, activation: 'tanh', recurrent_activation: 'sigmoid',
    use_bias: g.useBias, reset_after: g.resetAfter, return_sequences: g.returnSequences,
    return_state: g.returnState, go_backwards: g.goBackwards,
  };
}

function gruFromConfig(c: Record<string, unknown>, where: string, base: LayerArgs): GRU {
  const act = opt<string>(c, 'activation', where, str, 'a string', 'tanh');
  const rec = opt<string>(c, 'recurrent_activation', where, str, 'a string', 'sigmoid');
  if (act !== 'tanh' || rec !== 'sigmoid') throw new ConfigError(`${where}: only activation 'tanh' with recurrent_activation 'sigmoid' is supported, got '${act}'/'${rec}'`);
  return new GRU({
    ...base,
    units: need<number>(c, 'units', where, posInt, 'a positive integer'),
    useBias: opt(c, 'use_bias', where, bool, 'true or false', true),
    resetAfter: opt(c, 'reset_after', where, bool, 'true or false', true),
    returnSequences: opt(c, 'return_sequences', where, bool, 'true or false', false),
    returnState: opt(c, 'return_state', where, bool, 'true or false', false),
    goBackwards: opt(c, 'go_backwards', where, bool, 'true or false', false),
  });
}

const CODECS: Record<string, LayerCodec> = {
  Embedding: {
    toConfig: (l) => {
      const e = l as Embedding;
      return { name: e.name, trainable: e.trainable, input_dim: e.inputDim, output_dim: e.outputDim, input_length: e.inputLength, mask_zero: e.maskZero };
    },
    fromConfig: (c, where, base) => {
      const len = c.input_length;
      if (len !== undefined && len !== null && !posInt(len)) throw new ConfigError(`${where}: 'input_length' must be a positive integer or null, got ${JSON.stringify(len)}`);
      return new Embedding({
        ...base,
        inputDim: need<number>(c, 'input_dim', where, posInt, 'a positive integer'),
        outputDim: need<number>(c, 'output_dim', where, posInt, 'a positive integer'),
        ...(posInt(len) ? { inputLength: len as number } : {}),
        maskZero: opt(c, 'mask_zero', where, bool, 'true or false', false),
      });
    },
  },
  GRU: { toConfig: (l) => gruConfig(l as GRU), fromConfig: gruFromConfig },
  Bidirectional: {
    toConfig: (l) => {
      const b = l as Bidirectional;
      const f = b.forwardLayer;
      if (!(f instanceof GRU)) throw new ConfigError(`${b.name}: cannot save a Bidirectional wrapping ${f.className} (only GRU)`);
      return { name: b.name, trainable: b.trainable, merge_mode: b.mergeMode, layer: { class_name: 'GRU', config: gruConfig(f, f.name.replace(/^forward_/, '')) } };
    },
    fromConfig: (c, where, base) => {
      const inner = c.layer as ClassConfig | undefined;
      if (!inner || inner.class_name !== 'GRU' || typeof inner.config !== 'object') throw new ConfigError(`${where}: 'layer' must be {class_name: 'GRU', config: {...}}, got ${JSON.stringify(inner)?.slice(0, 80)}`);
      const mode = c.merge_mode === undefined ? 'concat' : c.merge_mode;
      if (mode !== null && !['concat', 'sum', 'mul', 'ave'].includes(mode as string)) throw new ConfigError(`${where}: unknown merge_mode ${JSON.stringify(mode)}`);
      return new Bidirectional({ ...base, layer: gruFromConfig(inner.config, `${where}.layer`, baseArgs(inner.config, `${where}.layer`)), mergeMode: mode as MergeMode | null });
    },
  },
  Dense: {
    toConfig: (l) => {
      const d = l as Dense;
      return { name: d.name, trainable: d.trainable, units: d.units, activation: d.activation, use_bias: d.useBias };
    },
    fromConfig: (c, where, base) => new Dense({
      ...base,
      units: need<number>(c, 'units', where, posInt, 'a positive integer'),
      activation: opt<string>(c, 'activation', where, str, 'an activation name', 'linear') as ActivationName,
      useBias: opt(c, 'use_bias', where, bool, 'true or false', true),
    }),
  },
};

/** The Sequential's architecture in Keras's layout. */
export function modelToConfig(model: Sequential): ClassConfig {
  return {
    class_name: 'Sequential',
    config: {
      name: model.name,
      layers: model.layers.map((l) => {
        const codec = CODECS[l.className];
        if (!codec) throw new ConfigError(`saveModel: layer '${l.name}' is a ${l.className}, which cannot be saved yet (known: ${Object.keys(CODECS).join(', ')})`);
        const config = codec.toConfig(l);
        if (l.batchInputShape) config.batch_input_shape = [...l.batchInputShape];
        return { class_name: l.className, config };
      }),
    },
  };
}

/** Rebuilds an (unbuilt, uncompiled) Sequential from {@link modelToConfig}'s output. */
export function modelFromConfig(cfg: unknown, where = 'model.json'): Sequential {
  const c = cfg as ClassConfig;
  if (!c || typeof c !== 'object' || c.class_name !== 'Sequential' || typeof c.config !== 'object' || c.config === null) {
    throw new ConfigError(`${where}: model_config must be {class_name: 'Sequential', config: {...}}`);
  }
  const layers = c.config.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new ConfigError(`${where}: model_config.config.layers must be a non-empty list`);
  const built = layers.map((lc: ClassConfig, i: number) => {
    const at = `${where}: layer ${i}`;
    if (!lc || typeof lc !== 'object' || typeof lc.config !== 'object' || lc.config === null) throw new ConfigError(`${at} must be {class_name, config}`);
    const codec = CODECS[lc.class_name];
    if (!codec) throw new ConfigError(`${at} has unknown class_name ${JSON.stringify(lc.class_name)} (known: ${Object.keys(CODECS).join(', ')})`);
    const where2 = `${at} (${lc.class_name})`;
    const layer = codec.fromConfig(lc.config, where2, baseArgs(lc.config, where2));
    if (lc.config.trainable === false) layer.trainable = false;
    return layer;
  });
  const name = typeof c.config.name === 'string' ? c.config.name : undefined;
  return new Sequential({ layers: built, ...(name ? { name } : {}) });
}

/** What compile() needs, as JSON. */
export interface TrainingConfig {
  optimizer_config: ClassConfig;
  loss: string;
  metrics: string[];
}

const OPTIMIZER_FIELDS: Record<string, [string, string][]> = {
  Adam: [['learningRate', 'learning_rate'], ['beta1', 'beta_1'], ['beta2', 'beta_2'], ['epsilon', 'epsilon'], ['amsgrad', 'amsgrad']],
  AdamW: [['learningRate', 'learning_rate'], ['beta1', 'beta_1'], ['beta2', 'beta_2'], ['epsilon', 'epsilon'], ['amsgrad', 'amsgrad'], ['weightDecay', 'weight_decay']],
  SGD: [['learningRate', 'learning_rate'], ['momentum', 'momentum'], ['nesterov', 'nesterov']],
};
const CLIP_FIELDS: [string, string][] = [['clipnorm', 'clipnorm'], ['clipvalue', 'clipvalue'], ['globalClipnorm', 'global_clipnorm']];

/** An optimizer's class and hyper-parameters (not its moments). */
export function optimizerToConfig(opt: OptimizerLike): ClassConfig {
  const o = opt as unknown as Record<string, unknown> & { className?: string };
  const cls = o.className ?? 'unknown';
  const config: Record<string, unknown> = {};
  for (const [k, snake] of [...(OPTIMIZER_FIELDS[cls] ?? [['learningRate', 'learning_rate']]), ...CLIP_FIELDS] as [string, string][]) {
    if (o[k] !== undefined) config[snake] = o[k];
  }
  return { class_name: cls, config };
}

/** A fresh optimizer from {@link optimizerToConfig}'s output. */
export function optimizerFromConfig(cfg: ClassConfig, where = 'model.json'): OptimizerLike {
  const fields = OPTIMIZER_FIELDS[cfg?.class_name];
  if (!fields) throw new ConfigError(`${where}: unknown optimizer class ${JSON.stringify(cfg?.class_name)} (known: ${Object.keys(OPTIMIZER_FIELDS).join(', ')})`);
  const args: Record<string, unknown> = {};
  for (const [k, snake] of [...fields, ...CLIP_FIELDS]) if (cfg.config?.[snake] !== undefined) args[k] = cfg.config[snake];
  switch (cfg.class_name) {
    case 'Adam': return new Adam(args);
    case 'AdamW': return new AdamW(args);
    default: return new SGD(args);
  }
}
