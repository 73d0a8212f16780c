import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tokenizer, type TokenizerJSON } from '../../src/data/tokenizer.js';
import { parseFlatJsonObject, pyJsonObject, pyJsonString } from '../../src/data/pyjson.js';

// Written in Keras's to_json() layout by test/fixtures/data/keras_reference.py (Python's json
// module), with word_docs deliberately NOT in first-seen order, as Keras's set() iteration gives.
const FIXTURE = readFileSync(new URL('../fixtures/data/keras_tokenizer.json', import.meta.url), 'utf8').trim();
// The texts the fixture was fitted on (same list as in keras_reference.py).
const TEXTS = [
  'The cat sat on the mat. The END!',
  "Don't panic: 10 cats, 2 dogs & 1 café.<br />Überraschung 😀 — naïve",
  '',
  'dogs and cats and "quotes" \\ backslash 10 10',
];

describe('Python-compatible JSON helpers', () => {
  it('escapes strings exactly like json.dumps (ensure_ascii)', () => {
    expect(pyJsonString('plain')).toBe('"plain"');
    expect(pyJsonString('café')).toBe('"caf\\u00e9"');
    expect(pyJsonString('😀')).toBe('"\\ud83d\\ude00"');
    expect(pyJsonString('"\\/')).toBe('"\\"\\\\/"');
    expect(pyJsonString('\t\n\r\b\f\x01\x7f')).toBe('"\\t\\n\\r\\b\\f\\u0001\\u007f"');
  });

  it('writes dicts with Python separators, int keys as strings', () => {
    expect(pyJsonObject([['a', 1], [2, 'b'], ['n', null], ['t', true]])).toBe('{"a": 1, "2": "b", "n": null, "t": true}');
    expect(pyJsonObject([])).toBe('{}');
  });

  it('reads flat objects keeping key order, even integer-like keys', () => {
    expect(parseFlatJsonObject('{"10": 1, "2": 2, "a\\"b": "x\\u00e9", "n": null}', 'x')).toEqual([['10', 1], ['2', 2], ['a"b', 'xé'], ['n', null]]);
    expect(parseFlatJsonObject(' { } ', 'x')).toEqual([]);
    // JSON.parse would reorder: the reason the helper exists.
    expect(Object.keys(JSON.parse('{"b": 1, "10": 2}'))).toEqual(['10', 'b']);
  });

  it('reports malformed input with the field name', () => {
    expect(() => parseFlatJsonObject('{"a": 1', 'config.word_index')).toThrow(/config\.word_index: expected "," or "}"/);
    expect(() => parseFlatJsonObject('{"a": [1]}', 'f')).toThrow(/f: expected a scalar value/);
    expect(() => parseFlatJsonObject('{"a": 1} x', 'f')).toThrow(/trailing/);
    expect(() => parseFlatJsonObject('{"a: 1}', 'f')).toThrow(/unterminated string/);
  });
});

describe('Tokenizer JSON (Keras to_json layout)', () => {
  it('loads a Keras-layout file and tokenizes with it', () => {
    const tok = Tokenizer.fromJSON(FIXTURE);
    expect(tok.numWords).toBe(6);
    expect(tok.oovToken).toBe('<OOV>');
    expect(tok.documentCount).toBe(4);
    expect([...tok.wordIndex].slice(0, 6)).toEqual([['<OOV>', 1], ['the', 2], ['10', 3], ['cats', 4], ['dogs', 5], ['and', 6]]);
    expect(tok.wordIndex.get('café')).toBe(16);
    expect(tok.wordIndex.get('😀')).toBe(19);
    expect(tok.indexWord.get(12)).toBe("don't");
    // the:2 cats:4 sat:8≥6→OOV on:9→OOV 10:3 zebras:unknown→OOV
    expect(tok.textsToSequences(['The cats sat on 10 zebras'])).toEqual([[2, 4, 1, 1, 3, 1]]);
    expect(tok.sequencesToTexts([[2, 5, 7]])).toEqual(['the dogs <OOV>']);
    // Order of integer-like keys survives loading ("10" before "cats", "2" after "panic").
    expect([...tok.wordCounts.keys()].slice(6, 11)).toEqual(["don't", 'panic', '10', 'cats', '2']);
    expect(tok.wordDocs.get('10')).toBe(2);
    expect(tok.indexDocs.get(3)).toBe(2);
  });

  it('writes back byte-for-byte what Keras wrote', () => {
    expect(Tokenizer.fromJSON(FIXTURE).toJSONString()).toBe(FIXTURE);
  });

  it('fitting the same texts here reproduces Keras\'s word_counts, word_index and index_word strings', () => {
    const tok = new Tokenizer({ numWords: 6, oovToken: '<OOV>' });
    tok.fitOnTexts(TEXTS);
    const ours = tok.toJSON().config;
    const keras = (JSON.parse(FIXTURE) as TokenizerJSON).config;
    for (const k of ['num_words', 'filters', 'lower', 'split', 'char_level', 'oov_token', 'document_count', 'word_counts', 'index_word', 'word_index'] as const) {
      expect(ours[k], k).toBe(keras[k]);
    }
    // word_docs / index_docs: same contents; Keras's order comes from a Python set.
    const asSorted = (s: string) => parseFlatJsonObject(s, 'x').sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(asSorted(ours.word_docs)).toEqual(asSorted(keras.word_docs));
    expect(asSorted(ours.index_docs)).toEqual(asSorted(keras.index_docs));
  });

  it('JSON.stringify(tok) is Keras-readable and round-trips', () => {
    const tok = new Tokenizer({ numWords: 6, oovToken: '<OOV>' });
    tok.fitOnTexts(TEXTS);
    const parsed = JSON.parse(JSON.stringify(tok)) as TokenizerJSON;
    expect(parsed.class_name).toBe('Tokenizer');
    expect(typeof parsed.config.word_index).toBe('string');
    const back = Tokenizer.fromJSON(parsed);
    expect([...back.wordIndex]).toEqual([...tok.wordIndex]);
    expect(back.toJSONString()).toBe(tok.toJSONString());
  });

  it('keeps learning after loading, as if it had never been saved', () => {
    const unsaved = new Tokenizer({ charLevel: true, lower: false });
    unsaved.fitOnTexts(['abca', 'Bc']);
    const resumed = Tokenizer.fromJSON(unsaved.toJSONString());
    expect(resumed.charLevel).toBe(true);
    expect(resumed.lower).toBe(false);
    unsaved.fitOnTexts(['ccd']);
    resumed.fitOnTexts(['ccd']);
    expect(resumed.toJSONString()).toBe(unsaved.toJSONString());
    // index_docs keeps the key order of the first fit (Keras's defaultdict does too), so only
    // the order differs from fitting everything at once.
    const once = new Tokenizer({ charLevel: true, lower: false });
    once.fitOnTexts(['abca', 'Bc', 'ccd']);
    expect(resumed.toJSON().config.index_docs).toBe('{"1": 3, "3": 1, "2": 1, "4": 1, "5": 1}');
    expect(once.toJSON().config.index_docs).toBe('{"2": 1, "3": 1, "1": 3, "4": 1, "5": 1}');
    expect(resumed.toJSON().config.word_index).toBe(once.toJSON().config.word_index);
  });

  it('rejects what is not a Keras tokenizer', () => {
    expect(() => Tokenizer.fromJSON('{"class_name": "Sequential", "config": {}}')).toThrow(/Tokenizer\.fromJSON: expected \{"class_name": "Tokenizer".*"Sequential"/);
    const bad = JSON.parse(FIXTURE) as TokenizerJSON;
    bad.config.word_index = '{"the": "two"}';
    expect(() => Tokenizer.fromJSON(bad)).toThrow(/config\.word_index has non-integer "two" for "the"/);
    bad.config.word_index = '{"the": 2';
    expect(() => Tokenizer.fromJSON(bad)).toThrow(/config\.word_index/);
    expect(() => Tokenizer.fromJSON('not json')).toThrow();
  });
});
