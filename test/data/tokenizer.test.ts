import { describe, expect, it } from 'vitest';
import { Tokenizer, textToWordSequence, DEFAULT_FILTERS } from '../../src/data/tokenizer.js';
import { timed } from './helpers/timing.js';

const entries = <K, V>(m: ReadonlyMap<K, V>) => [...m.entries()];


describe('textToWordSequence (Keras text_to_word_sequence)', () => {
  it('keeps apostrophes, lowercases, drops empty tokens', () => {
    expect(textToWordSequence("Don't STOP,  it's   fine!!")).toEqual(["don't", 'stop', "it's", 'fine']);
  });

  it('turns <br /> into the word "br"', () => {
    expect(textToWordSequence('Great<br /><br />movie')).toEqual(['great', 'br', 'br', 'movie']);
  });

  it('filters exactly Keras\'s default set, nothing else', () => {
    expect(DEFAULT_FILTERS).toBe('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n');
    // \r, NBSP, the em dash and guillemets are not filters: Keras keeps them inside tokens.
    expect(textToWordSequence('a\r\nb c\u00a0d — «e»')).toEqual(['a\r', 'b', 'c\u00a0d', '—', '«e»']);
  });

  it('handles unicode like Python (lowercasing, final sigma, astral characters)', () => {
    expect(textToWordSequence('Éclair ÉCOLE naïve 😀 ΔΣ İ')).toEqual(['éclair', 'école', 'naïve', '😀', 'δς', 'i\u0307']);
  });

  it('supports a custom one-character split (filters still map to it)', () => {
    expect(textToWordSequence('a|b c,d', { split: '|' })).toEqual(['a', 'b c', 'd']);
  });

  it('supports a multi-character split exactly like str.translate + str.split', () => {
    expect(textToWordSequence('a::b!c', { split: '::' })).toEqual(['a', 'b', 'c']);
    // Filter chars become "ab", which then merges with neighbours before splitting, as in Python.
    expect(textToWordSequence('x!y', { split: 'ab', filters: '!' })).toEqual(['x', 'y']);
    expect(textToWordSequence('cab!', { split: 'ab', filters: '!' })).toEqual(['c']);
  });

  it('supports lower: false and custom filters', () => {
    expect(textToWordSequence('The the-x', { lower: false, filters: '' })).toEqual(['The', 'the-x']);
  });

  it('rejects an empty split (Python raises too)', () => {
    expect(() => textToWordSequence('a', { split: '' })).toThrow(/textToWordSequence: split must be a non-empty string/);
  });
});

describe('Tokenizer.fitOnTexts', () => {
  it('ranks by count, ties in first-seen order, index 0 never used', () => {
    const tok = new Tokenizer();
    tok.fitOnTexts(['b a c', 'c a b d']);
    expect(entries(tok.wordIndex)).toEqual([['b', 1], ['a', 2], ['c', 3], ['d', 4]]);
    const tok2 = new Tokenizer();
    tok2.fitOnTexts(['x y y z z z']);
    expect(entries(tok2.wordIndex)).toEqual([['z', 1], ['y', 2], ['x', 3]]);
    expect(entries(tok2.indexWord)).toEqual([[1, 'z'], [2, 'y'], [3, 'x']]);
  });

  it('counts words and documents', () => {
    const tok = new Tokenizer();
    tok.fitOnTexts(['the cat the', 'cat dog']);
    expect(tok.documentCount).toBe(2);
    expect(entries(tok.wordCounts)).toEqual([['the', 2], ['cat', 2], ['dog', 1]]);
    expect(entries(tok.wordDocs)).toEqual([['the', 1], ['cat', 2], ['dog', 1]]);
    expect(entries(tok.indexDocs)).toEqual([[1, 1], [2, 2], [3, 1]]);
  });

  it('puts the OOV token first at index 1', () => {
    const tok = new Tokenizer({ oovToken: '<OOV>' });
    tok.fitOnTexts(['b a a']);
    expect(entries(tok.wordIndex)).toEqual([['<OOV>', 1], ['a', 2], ['b', 3]]);
  });

  it('reproduces Keras when the OOV token also occurs in the texts', () => {
    // sorted_voc = [x, x, y]: the dict keeps x's first position but its later index.
    const tok = new Tokenizer({ oovToken: 'x' });
    tok.fitOnTexts(['y x x']);
    expect(entries(tok.wordIndex)).toEqual([['x', 2], ['y', 3]]);
    expect(entries(tok.indexWord)).toEqual([[2, 'x'], [3, 'y']]);
    expect(tok.textsToSequences(['z y'])).toEqual([[2, 3]]);
  });

  it('handles empty texts', () => {
    const tok = new Tokenizer();
    tok.fitOnTexts(['', '   ', '!!!']);
    expect(tok.documentCount).toBe(3);
    expect(tok.wordIndex.size).toBe(0);
    expect(tok.textsToSequences(['', 'anything'])).toEqual([[], []]);
    const oov = new Tokenizer({ oovToken: '<OOV>' });
    // Before any fit Keras's word_index is empty, OOV included; fitting nothing adds the OOV.
    expect(oov.wordIndex.size).toBe(0);
    expect(oov.textsToSequences(['unknown'])).toEqual([[]]);
    oov.fitOnTexts([]);
    expect(entries(oov.wordIndex)).toEqual([['<OOV>', 1]]);
    expect(oov.textsToSequences(['unknown words', ''])).toEqual([[1, 1], []]);
  });

  it('accumulates over several calls like Keras (index_docs keeps its key order)', () => {
    const tok = new Tokenizer();
    tok.fitOnTexts(['a']);
    tok.fitOnTexts(['b b']);
    expect(tok.documentCount).toBe(2);
    expect(entries(tok.wordIndex)).toEqual([['b', 1], ['a', 2]]);
    expect(entries(tok.indexDocs)).toEqual([[1, 1], [2, 1]]);
    const once = new Tokenizer();
    once.fitOnTexts(['a', 'b b']);
    expect(entries(once.wordIndex)).toEqual(entries(tok.wordIndex));
    expect(entries(once.wordCounts)).toEqual(entries(tok.wordCounts));
  });

  it('charLevel: code points are tokens and filters are not applied', () => {
    const tok = new Tokenizer({ charLevel: true });
    tok.fitOnTexts(['aab', 'Ba! 😀']);
    expect(entries(tok.wordIndex)).toEqual([['a', 1], ['b', 2], ['!', 3], [' ', 4], ['😀', 5]]);
    expect(tok.textsToSequences(['ab😀z'])).toEqual([[1, 2, 5]]);
    expect(tok.sequencesToTexts([[1, 2, 5]])).toEqual(['a b 😀']);
  });

  it('accepts pre-tokenized texts (lowercased, not filtered)', () => {
    const tok = new Tokenizer();
    tok.fitOnTexts([['Hello', 'World!'], 'hello']);
    expect(entries(tok.wordIndex)).toEqual([['hello', 1], ['world!', 2]]);
    expect(tok.textsToSequences([['WORLD!', 'x']])).toEqual([[2]]);
  });

  it('keeps case with lower: false', () => {
    const tok = new Tokenizer({ lower: false });
    tok.fitOnTexts(['The the THE the']);
    expect(entries(tok.wordIndex)).toEqual([['the', 1], ['The', 2], ['THE', 3]]);
  });

  it('validates options', () => {
    expect(() => new Tokenizer({ numWords: -1 })).toThrow(/Tokenizer: numWords must be a non-negative integer or null, got -1/);
    expect(() => new Tokenizer({ numWords: 2.5 })).toThrow(/numWords.*2\.5/);
    expect(() => new Tokenizer({ split: '' })).toThrow(/Tokenizer: split must be a non-empty string/);
    expect(() => new Tokenizer().fitOnTexts([42 as unknown as string])).toThrow(/each text must be a string/);
  });
});

describe('Tokenizer.textsToSequences / sequencesToTexts', () => {
  const fit = (opts: ConstructorParameters<typeof Tokenizer>[0]) => {
    const tok = new Tokenizer(opts);
    tok.fitOnTexts(['a a a b b c']);
    return tok;
  };

  it('numWords without OOV drops rare and unknown words; wordIndex keeps all', () => {
    const tok = fit({ numWords: 3 });
    expect(entries(tok.wordIndex)).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    expect(tok.textsToSequences(['a b c d', 'C A'])).toEqual([[1, 2], [1]]);
  });

  it('numWords with OOV maps rare and unknown words to 1', () => {
    const tok = fit({ numWords: 3, oovToken: '<OOV>' });
    expect(entries(tok.wordIndex)).toEqual([['<OOV>', 1], ['a', 2], ['b', 3], ['c', 4]]);
    expect(tok.textsToSequences(['a b c d'])).toEqual([[2, 1, 1, 1]]);
  });

  it('numWords 0 or null means no cutoff (Python falsiness)', () => {
    expect(fit({ numWords: 0 }).textsToSequences(['c b a'])).toEqual([[3, 2, 1]]);
    expect(fit({ numWords: null }).textsToSequences(['c b a'])).toEqual([[3, 2, 1]]);
  });

  it('numWords can be changed after fitting, as Keras users do', () => {
    const tok = fit({});
    tok.numWords = 2;
    expect(tok.textsToSequences(['a b c'])).toEqual([[1]]);
  });

  it('sequencesToTexts applies the same cutoffs and joins with spaces', () => {
    expect(fit({ numWords: 3, oovToken: '<OOV>' }).sequencesToTexts([[2, 3, 4, 99, 0], []])).toEqual(['a <OOV> <OOV> <OOV> <OOV>', '']);
    expect(fit({ numWords: 3 }).sequencesToTexts([[1, 2, 3, 99, 0]])).toEqual(['a b']);
    expect(fit({}).sequencesToTexts([Int32Array.of(3, 1)])).toEqual(['c a']);
    // With split '|' the whole text is one word (index 1); index 2 does not exist and is dropped.
    expect(fit({ split: '|' }).sequencesToTexts([[1, 2]])).toEqual(['a a a b b c']);
  });

  it('round-trips texts through sequences', () => {
    const tok = new Tokenizer();
    const texts = ["Don't panic: the 10 cats, <br />the dogs!"];
    tok.fitOnTexts(texts);
    expect(tok.sequencesToTexts(tok.textsToSequences(texts))).toEqual(["don't panic the 10 cats br the dogs"]);
  });
});

describe('Tokenizer speed', () => {
  it('fits 25,000 review-sized texts well under 2 s', () => {
    // Zipf-like synthetic reviews: ~230 words each from a 60k vocabulary, like IMDB's train set.
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    const vocab = Array.from({ length: 60000 }, (_, i) => `w${i.toString(36)}`);
    const texts = Array.from({ length: 25000 }, () => {
      const words: string[] = [];
      for (let k = 0; k < 230; k++) words.push(vocab[Math.floor(Math.exp(rand() * Math.log(vocab.length))) - 1]);
      return words.join(' ') + '.<br /><br />The End!';
    });
    const tok = new Tokenizer({ numWords: 10000, oovToken: '<OOV>' });
    const { ms, cpuMs } = timed(() => tok.fitOnTexts(texts));
    console.log(`fitOnTexts(25,000 synthetic reviews): ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU`);
    expect(tok.documentCount).toBe(25000);
    expect(tok.wordCounts.get('br')).toBe(50000);
    expect(cpuMs).toBeLessThan(2000);
  });
});
