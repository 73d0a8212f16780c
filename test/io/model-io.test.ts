import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wg from '../../src/index.js';
import { ModelFileError } from '../../src/io/model-io.js';

let root: string;
let saved: string;
let model: wg.Sequential;
let tokenizer: wg.data.Tokenizer;
const ids = Int32Array.from({ length: 6 * 7 }, (_, i) => (i * 37 + 5) % 50);

function tinyModel(): wg.Sequential {
  return wg.sequential({
    layers: [
      wg.layers.embedding({ inputDim: 50, outputDim: 4, name: 'embedding' }),
      wg.layers.bidirectional({ layer: wg.layers.gru({ units: 3, name: 'gru' }), name: 'bidirectional' }),
      wg.layers.dense({ units: 2, activation: 'relu', name: 'dense' }),
      wg.layers.dense({ units: 1, activation: 'sigmoid', name: 'dense_1' }),
    ],
  });
}

async function predict(m: wg.Sequential): Promise<Float32Array> {
  const x = wg.tensor(ids, [6, 7], 'int32');
  const p = m.predict(x, { batchSize: 4 });
  const out = Float32Array.from(await p.data());
  x.dispose();
  p.dispose();
  return out;
}

/** A copy of the saved folder to damage. */
function copy(name: string): string {
  const d = join(root, name);
  cpSync(saved, d, { recursive: true });
  return d;
}

function snapshot(d: string): Record<string, string> {
  return Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f)).toString('base64')]));
}

beforeAll(async () => {
  wg.setBackend(new wg.CpuBackend());
  wg.setSeed(7);
  root = mkdtempSync(join(tmpdir(), 'webgrad-model-io-'));
  saved = join(root, 'saved');
  model = tinyModel();
  model.compile({ optimizer: wg.train.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  // One training step so the weights are not just their initialisers.
  const y = Float32Array.from({ length: 6 }, (_, i) => i % 2);
  await model.fit({ data: ids, shape: [6, 7] }, y, { epochs: 1, batchSize: 3, verbose: 0 });
  tokenizer = new wg.data.Tokenizer({ numWords: 20, oovToken: '<OOV>' });
  tokenizer.fitOnTexts(['the cat sat on the mat', 'the dog ate my homework']);
  await wg.saveModel(model, saved, { tokenizer, metadata: { preprocessing: { maxlen: 7 } } });
});

afterAll(() => {
  model?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('saveModel / loadModel', () => {
  it('writes safetensors with Keras weight names, model.json and tokenizer.json, and nothing else', () => {
    expect(readdirSync(saved).sort()).toEqual(['model.json', 'model.safetensors', 'tokenizer.json']);
    const manifest = JSON.parse(readFileSync(join(saved, 'model.json'), 'utf8'));
    expect(manifest.weights.tensors.map((t: { name: string }) => t.name)).toEqual([
      'embedding/embeddings',
      'bidirectional/forward_gru/gru_cell/kernel', 'bidirectional/forward_gru/gru_cell/recurrent_kernel', 'bidirectional/forward_gru/gru_cell/bias',
      'bidirectional/backward_gru/gru_cell/kernel', 'bidirectional/backward_gru/gru_cell/recurrent_kernel', 'bidirectional/backward_gru/gru_cell/bias',
      'dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias',
    ]);
    expect(manifest.model_config.class_name).toBe('Sequential');
    expect(manifest.model_config.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual(['Embedding', 'Bidirectional', 'Dense', 'Dense']);
    expect(manifest.model_config.config.layers[1].config.layer.config).toMatchObject({ name: 'gru', units: 3, reset_after: true });
    expect(manifest.training_config).toMatchObject({ loss: 'binaryCrossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.01, beta_1: 0.9 } } });
    expect(manifest.metadata).toEqual({ preprocessing: { maxlen: 7 } });
    expect(readFileSync(join(saved, 'tokenizer.json'), 'utf8')).toBe(tokenizer.toJSONString());
  });

  it('round-trips to bit-identical predictions on the same backend, with the tokenizer and compile state', async () => {
    const before = await predict(model);
    const { model: loaded, tokenizer: tok, manifest } = await wg.loadModelBundle(saved);
    try {
      const after = await predict(loaded);
      expect(Buffer.from(after.buffer)).toEqual(Buffer.from(before.buffer));
      expect(loaded.weights.map((w) => w.name)).toEqual(model.weights.map((w) => w.name));
      expect(tok!.toJSONString()).toBe(tokenizer.toJSONString());
      expect(tok!.textsToSequences(['the cat ate a fish'])).toEqual(tokenizer.textsToSequences(['the cat ate a fish']));
      expect(manifest.metadata.preprocessing).toEqual({ maxlen: 7 });
      // Compiled from the saved training config: evaluate works and the optimizer is the same kind.
      expect(loaded.optimizer?.learningRate).toBe(0.01);
      const logs = await loaded.evaluate({ data: ids, shape: [6, 7] }, Float32Array.from({ length: 6 }, (_, i) => i % 2));
      expect(Object.keys(logs)).toEqual(['loss', 'accuracy']);
    } finally {
      loaded.dispose();
    }
    // loadModel alone, loaded twice in one process: same names, same answers.
    const again = await wg.loadModel(saved);
    expect(Buffer.from((await predict(again)).buffer)).toEqual(Buffer.from(before.buffer));
    again.dispose();
  });

  const damage: [string, (d: string) => void, RegExp][] = [
    ['truncated weights', (d) => truncateSync(join(d, 'model.safetensors'), statSync(join(d, 'model.safetensors')).size - 10), /model\.safetensors: is \d+ bytes but model\.json recorded \d+ \(truncated\)/],
    ['one flipped bit in the weights', (d) => {
      const b = readFileSync(join(d, 'model.safetensors'));
      b[b.length - 5] = b[b.length - 5]! ^ 0x10;
      writeFileSync(join(d, 'model.safetensors'), b);
    }, /model\.safetensors: SHA-256 .* does not match/],
    ['an empty weights file', (d) => writeFileSync(join(d, 'model.safetensors'), ''), /model\.safetensors: is 0 bytes .*truncated/],
    ['missing weights', (d) => unlinkSync(join(d, 'model.safetensors')), /model\.safetensors: cannot read the weights \(ENOENT\)/],
    ['truncated model.json', (d) => truncateSync(join(d, 'model.json'), 100), /model\.json: is not valid JSON .*truncated or corrupted/],
    ['model.json of another format', (d) => writeFileSync(join(d, 'model.json'), '{"format": "keras"}'), /model\.json: 'format' is "keras"/],
    ['a truncated tokenizer', (d) => truncateSync(join(d, 'tokenizer.json'), 20), /tokenizer\.json: is 20 bytes but model\.json recorded \d+ \(truncated\)/],
    ['an architecture that does not match the weights', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
      m.model_config.config.layers[2].config.units = 5;
      writeFileSync(join(d, 'model.json'), JSON.stringify(m));
    }, /model\.safetensors: tensor 'dense\/kernel' has shape \[6, 2\] but the architecture needs \[6, 5\]/],
    ['an unknown layer class', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
      m.model_config.config.layers[2].class_name = 'LSTM';
      writeFileSync(join(d, 'model.json'), JSON.stringify(m));
    }, /model\.json: .*layer 2 has unknown class_name "LSTM"/],
    ['a valid safetensors file from another model', (d) => {
      const bytes = wg.io.encodeSafetensors([{ name: 'other', shape: [1], data: new Float32Array(1) }]);
      writeFileSync(join(d, 'model.safetensors'), bytes);
      const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
      m.weights.bytes = bytes.length;
      m.weights.sha256 = createHash('sha256').update(bytes).digest('hex');
      writeFileSync(join(d, 'model.json'), JSON.stringify(m));
    }, /model\.safetensors: has no tensor 'embedding\/embeddings'/],
  ];

  it.each(damage)('refuses %s with a clear error naming the file, and changes nothing', async (name, hurt, re) => {
    const d = copy(name.replace(/\W+/g, '_'));
    hurt(d);
    const files = snapshot(d);
    const tensors = wg.stats().tensors;
    let err: unknown;
    try {
      await wg.loadModel(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).toContain(d);
    expect(snapshot(d)).toEqual(files); // nothing on disk changed
    expect(wg.stats().tensors).toBe(tensors); // nothing leaked
  });

  it('refuses to save an unbuilt model and writes nothing', async () => {
    const d = join(root, 'unbuilt');
    await expect(wg.saveModel(tinyModel(), d)).rejects.toThrow(/not built/);
    expect(() => statSync(d)).toThrow();
  });
});
