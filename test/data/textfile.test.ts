import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTextClassification, parseCsv, parseTextClassification } from '../../src/data/textfile.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgrad-textfile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

describe('parseCsv (RFC 4180)', () => {
  it('handles quotes, doubled quotes, embedded commas and newlines, CRLF, BOM and blank lines', () => {
    const csv = '\ufeffid,text,label\r\n1,"Hello, ""world""",1\r\n\r\n2,"two\nlines",0\n3,plain,1\n4,,0';
    expect(parseCsv(csv)).toEqual([
      { fields: ['id', 'text', 'label'], line: 1 },
      { fields: ['1', 'Hello, "world"', '1'], line: 2 },
      { fields: ['2', 'two\nlines', '0'], line: 4 },
      { fields: ['3', 'plain', '1'], line: 6 },
      { fields: ['4', '', '0'], line: 7 },
    ]);
  });

  it('supports another delimiter and trailing empty fields', () => {
    expect(parseCsv('a\tb\t\n"x\ty"\t2\t', '\t')).toEqual([
      { fields: ['a', 'b', ''], line: 1 },
      { fields: ['x\ty', '2', ''], line: 2 },
    ]);
  });

  it('reports unterminated quotes and junk after a closing quote with the line', () => {
    expect(() => parseCsv('a,b\n1,"oops\n2,3', ',', 'data.csv')).toThrow('data.csv line 2: unterminated quoted field');
    expect(() => parseCsv('a,b\n"x"y,1', ',', 'data.csv')).toThrow('data.csv line 2: unexpected "y" after a closing quote');
    expect(() => parseCsv('a', '"')).toThrow(/delimiter must be one character other than a quote/);
  });
});

describe('loadTextClassification', () => {
  it('reads CSV with a header, custom column names, labels as Float32Array', async () => {
    const p = file('reviews.csv', 'review,sentiment,extra\n"Great, really great",1,x\nawful,0,y\n" padded ",1,z\n');
    const d = await loadTextClassification(p, { textField: 'review', labelField: 'sentiment' });
    expect(d.texts).toEqual(['Great, really great', 'awful', ' padded ']);
    expect(d.labels).toBeInstanceOf(Float32Array);
    expect(Array.from(d.labels)).toEqual([1, 0, 1]);
  });

  it('reads JSONL (0/1, "0"/"1" or booleans), skipping blank lines', async () => {
    const p = file('data.jsonl', '{"text": "a", "label": 1}\n\n{"text": "b\\nc", "label": "0"}\r\n{"text": "d", "label": true}\n');
    const d = await loadTextClassification(p);
    expect(d.texts).toEqual(['a', 'b\nc', 'd']);
    expect(Array.from(d.labels)).toEqual([1, 0, 1]);
  });

  it('infers TSV and honours an explicit format', async () => {
    expect((await loadTextClassification(file('d.tsv', 'text\tlabel\nx, y\t1\n'))).texts).toEqual(['x, y']);
    expect((await loadTextClassification(file('d.txt', '{"text":"z","label":0}'), { format: 'jsonl' })).texts).toEqual(['z']);
    await expect(loadTextClassification(file('d.dat', 'x'))).rejects.toThrow(/cannot tell the format of .*d\.dat from its extension; pass format: 'csv' or 'jsonl'/);
  });

  it('rejects labels other than 0/1, naming the line and value', async () => {
    await expect(loadTextClassification(file('bad.csv', 'text,label\nok,1\n"multi\nline",2\n'))).rejects.toThrow(/^loadTextClassification: .*bad\.csv line 3: label "2" is not 0 or 1$/);
    await expect(loadTextClassification(file('bad.jsonl', '{"text":"a","label":0}\n{"text":"b","label":0.5}'))).rejects.toThrow(/bad\.jsonl line 2: label 0\.5 is not 0 or 1/);
    await expect(loadTextClassification(file('neg.csv', 'text,label\na,-1\n'))).rejects.toThrow(/neg\.csv line 2: label "-1" is not 0 or 1/);
  });

  it('explains structural problems', async () => {
    await expect(loadTextClassification(file('cols.csv', 'body,label\nx,1\n'))).rejects.toThrow(/cols\.csv has no column "text" \(columns: "body", "label"\)/);
    await expect(loadTextClassification(file('short.csv', 'text,label\nx\n'))).rejects.toThrow(/short\.csv line 2: expected 2 fields, got 1/);
    await expect(loadTextClassification(file('empty.csv', ''))).rejects.toThrow(/empty\.csv is empty/);
    await expect(loadTextClassification(file('header.csv', 'text,label\n'))).rejects.toThrow(/header\.csv has no data rows/);
    await expect(loadTextClassification(file('json.jsonl', '{"text": "a", "label": 1}\n{"text": \n'))).rejects.toThrow(/json\.jsonl line 2: invalid JSON/);
    await expect(loadTextClassification(file('arr.jsonl', '[1, 2]'))).rejects.toThrow(/arr\.jsonl line 1: expected a JSON object/);
    await expect(loadTextClassification(file('notext.jsonl', '{"label": 1}'))).rejects.toThrow(/notext\.jsonl line 1: field "text" must be a string, got nothing/);
    await expect(loadTextClassification(file('nolabel.jsonl', '{"text": "x"}'))).rejects.toThrow(/nolabel\.jsonl line 1: missing field "label"/);
    await expect(loadTextClassification(join(tmp, 'missing.csv'))).rejects.toThrow(/ENOENT/);
  });

  it('parses contents directly (for browsers)', () => {
    expect(parseTextClassification('text,label\nhi,0', { format: 'csv' })).toEqual({ texts: ['hi'], labels: Float32Array.of(0) });
  });
});
