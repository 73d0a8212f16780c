/**
 * A generic (text, label) loader for CSV (RFC 4180 quoting) and JSONL files, so users can bring
 * their own binary text classification data. Labels must be 0/1; anything else is an error that
 * names the line, because a silently mis-parsed label poisons a whole training run.
 */
import type { TextClassificationData } from './types.js';

export interface TextFileOptions {
  /** 'csv' or 'jsonl'. Default: from the extension (.csv/.tsv, .jsonl/.ndjson). */
  format?: 'csv' | 'jsonl';
  /** Column / key holding the text. Default 'text'. */
  textField?: string;
  /** Column / key holding the 0/1 label. Default 'label'. */
  labelField?: string;
  /** CSV field separator. Default ',' ('\t' for .tsv files). */
  delimiter?: string;
}

/** One CSV record and the (1-based) line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

const FN = 'loadTextClassification';

/**
 * Parses CSV per RFC 4180: fields may be quoted with `"`, a quote inside a quoted field is
 * written `""`, quoted fields may span lines; records end with LF or CRLF. Blank lines are
 * skipped. `source` names the input in error messages.
 */
export function parseCsv(text: string, delimiter = ',', source = 'CSV'): CsvRecord[] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`parseCsv: delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = s.length;
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          const q = s.indexOf('"', i);
          if (q < 0) throw new SyntaxError(`${source} line ${quoteLine}: unterminated quoted field`);
          const chunk = s.slice(i, q);
          for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) line++;
          field += chunk;
          if (s[q + 1] === '"') {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        if (i < n && s[i] !== delimiter && s[i] !== '\n' && !(s[i] === '\r' && s[i + 1] === '\n')) {
          throw new SyntaxError(`${source} line ${line}: unexpected ${JSON.stringify(s[i])} after a closing quote`);
        }
      } else {
        let j = i;
        while (j < n && s[j] !== delimiter && s[j] !== '\n' && !(s[j] === '\r' && s[j + 1] === '\n')) j++;
        field = s.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i < n && s[i] === delimiter) {
        i++;
        continue;
      }
      i += s[i] === '\r' ? 2 : 1; // end of record (or past the end of input)
      line++;
      break;
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: startLine });
  }
  return records;
}

function parseLabel(v: unknown, where: string): number {
  if (v === 0 || v === 1 || v === false || v === true) return Number(v);
  if (typeof v === 'string' && (v.trim() === '0' || v.trim() === '1')) return Number(v.trim());
  throw new RangeError(`${where}: label ${JSON.stringify(v) ?? String(v)} is not 0 or 1`);
}

/**
 * Parses file contents (CSV with a header row, or JSONL) into texts and 0/1 labels. Useful in
 * browsers, where the caller fetches the text itself.
 */
export function parseTextClassification(
  content: string,
  options: TextFileOptions & { format: 'csv' | 'jsonl' },
  source = 'input',
): TextClassificationData {
  const { format, textField = 'text', labelField = 'label', delimiter = ',' } = options;
  const texts: string[] = [];
  const labels: number[] = [];
  if (format === 'csv') {
    const records = parseCsv(content, delimiter, `${FN}: ${source}`);
    if (records.length === 0) throw new RangeError(`${FN}: ${source} is empty (expected a header row and data rows)`);
    const header = records[0].fields;
    const ti = header.indexOf(textField);
    const li = header.indexOf(labelField);
    for (const [name, idx] of [[textField, ti], [labelField, li]] as const) {
      if (idx < 0) throw new RangeError(`${FN}: ${source} has no column ${JSON.stringify(name)} (columns: ${header.map((h) => JSON.stringify(h)).join(', ')})`);
    }
    for (let r = 1; r < records.length; r++) {
      const { fields, line } = records[r];
      const where = `${FN}: ${source} line ${line}`;
      if (fields.length !== header.length) throw new RangeError(`${where}: expected ${header.length} fields, got ${fields.length}`);
      texts.push(fields[ti]);
      labels.push(parseLabel(fields[li], where));
    }
  } else if (format === 'jsonl') {
    const lines = content.split('\n');
    for (let k = 0; k < lines.length; k++) {
      const raw = lines[k].trim();
      if (raw === '') continue;
      const where = `${FN}: ${source} line ${k + 1}`;
      let row: unknown;
      try {
        row = JSON.parse(k === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw);
      } catch (e) {
        throw new SyntaxError(`${where}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new TypeError(`${where}: expected a JSON object`);
      const obj = row as Record<string, unknown>;
      if (typeof obj[textField] !== 'string') throw new TypeError(`${where}: field ${JSON.stringify(textField)} must be a string, got ${JSON.stringify(obj[textField]) ?? 'nothing'}`);
      if (!(labelField in obj)) throw new TypeError(`${where}: missing field ${JSON.stringify(labelField)}`);
      texts.push(obj[textField] as string);
      labels.push(parseLabel(obj[labelField], where));
    }
  } else {
    throw new RangeError(`${FN}: format must be 'csv' or 'jsonl', got ${JSON.stringify(format)}`);
  }
  if (texts.length === 0) throw new RangeError(`${FN}: ${source} has no data rows`);
  return { texts, labels: Float32Array.from(labels) };
}

/**
 * Reads a CSV or JSONL file of (text, label) rows (Node).
 *
 * @example
 * const { texts, labels } = await loadTextClassification('reviews.csv', { textField: 'review', labelField: 'sentiment' });
 */
export async function loadTextClassification(path: string, options: TextFileOptions = {}): Promise<TextClassificationData> {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  const byExt: Record<string, 'csv' | 'jsonl'> = { csv: 'csv', tsv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl' };
  const format = options.format ?? byExt[ext];
  if (!format) throw new RangeError(`${FN}: cannot tell the format of ${path} from its extension; pass format: 'csv' or 'jsonl'`);
  const { readFile } = await import('node:fs/promises');
  const content = await readFile(path, 'utf8');
  const delimiter = options.delimiter ?? (ext === 'tsv' ? '\t' : ',');
  return parseTextClassification(content, { ...options, format, delimiter }, path);
}
