// Text that shows as nothing, and text that shows in another order than it is
// stored: refused where a person reads it as one line (titles, owners, tags,
// filters, filenames), with the field named. Query integers are digits only.
import { describe, expect, it } from 'vitest';
import { ActionFields, decimalInteger, eventNote, resolutionNotes, tag, text } from '../../../lib/domain/action-schema';
import { displayFilename } from '../../../lib/domain/evidence';
import { isBlank } from '../../../lib/domain/field-rules';

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.message);

// Each renders as nothing: zero-width space, non-joiner, joiner, word joiner, BOM, soft
// hyphen, LRM, RLM, ALM, Mongolian vowel separator, combining grapheme joiner, a
// variation selector, the Hangul filler, the blank Braille pattern, a tag character.
const INVISIBLES = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u200e',
  '\u200f',
  '\u061c',
  '\u180e',
  '\u034f',
  '\ufe0f',
  '\u3164',
  '\u2800',
  '\u{e0041}',
];
const BIDI_CONTROLS = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

describe('isBlank', () => {
  it('calls text blank when only invisible characters and white space are left', () => {
    for (const c of INVISIBLES) {
      expect(isBlank(c), JSON.stringify(c)).toBe(true);
      expect(isBlank(` ${c}\u3000${c} `), JSON.stringify(c)).toBe(true);
    }
    expect(isBlank(INVISIBLES.join(''))).toBe(true);
    expect(isBlank('')).toBe(true);
  });

  it('finds visible text wherever it is, joiners and all', () => {
    expect(isBlank('\u200b\u200bx')).toBe(false);
    expect(isBlank('👩\u200d💻')).toBe(false);
    expect(isBlank('می\u200cخواهم')).toBe(false);
    expect(isBlank('.')).toBe(false);
  });
});

describe('invisible text in fields', () => {
  it('refuses a title, owner, component or tag made only of invisible characters', () => {
    for (const c of INVISIBLES) {
      for (const field of [ActionFields.title, tag]) expect(field.safeParse(`${c}${c}`).success, JSON.stringify(c)).toBe(false);
      // A BOM is white space to trim(): that leaves "", which clears an owner as "   " does. Nothing invisible is kept.
      for (const field of [ActionFields.owner, ActionFields.component]) {
        const result = field.safeParse(`${c}${c}`);
        expect(result.success ? result.data : 'refused', JSON.stringify(c)).toBe(c === '\ufeff' ? null : 'refused');
      }
    }
    expect(messages(ActionFields.title.safeParse('\u200b\u200b'))).toEqual(['must not be blank: it holds only invisible characters']);
  });

  it('refuses resolution notes, a description or a note made only of invisible characters (an action resolved with nothing said)', () => {
    for (const schema of [resolutionNotes, ActionFields.description, eventNote]) {
      expect(schema.safeParse('\u200b\u2060\ufeff').success).toBe(false);
      expect(schema.safeParse('\u200b\n\u200b').success).toBe(false);
    }
  });

  it('still lets an empty string clear a field, and keeps invisible characters inside visible text', () => {
    expect(ActionFields.description.parse('')).toBeNull();
    expect(ActionFields.owner.parse('')).toBeNull();
    expect(resolutionNotes.parse('')).toBe('');
    expect(ActionFields.title.parse('a\u200db')).toBe('a\u200db');
    expect(resolutionNotes.parse('Rotated \u200bkeys')).toBe('Rotated \u200bkeys');
  });
});

describe('bidi controls', () => {
  it('refuses embeddings, overrides and isolates in every one-line field', () => {
    for (const c of BIDI_CONTROLS) {
      for (const field of [ActionFields.title, ActionFields.owner, ActionFields.component, tag, text({ max: 500 })]) {
        const result = field.safeParse(`abc${c}def`);
        expect(result.success, JSON.stringify(c)).toBe(false);
        expect(messages(result).join('; ')).toMatch(/bidirectional/);
      }
    }
  });

  it('keeps them in multi-line text, and keeps the marks a right-to-left title needs', () => {
    expect(ActionFields.description.parse('abc \u202bעברית\u202c def')).toBe('abc \u202bעברית\u202c def');
    expect(resolutionNotes.parse('\u2067שלום\u2069 ok')).toBe('\u2067שלום\u2069 ok');
    expect(ActionFields.title.parse('تدوير كلمة المرور\u200f 2')).toBe('تدوير كلمة المرور\u200f 2');
  });
});

describe('displayFilename', () => {
  it('refuses the override that makes "\\u202Egnp.exe" look like exe.png, and every other bidi control or mark', () => {
    expect(displayFilename('\u202egnp.exe')).toEqual({
      ok: false,
      message: 'must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C)',
    });
    for (const c of [...BIDI_CONTROLS, '\u200e', '\u200f', '\u061c'])
      expect(displayFilename(`report${c}.pdf`).ok, JSON.stringify(c)).toBe(false);
    // In a directory part that would be dropped, too: the name as sent is suspect.
    expect(displayFilename('dir\u202e/report.pdf').ok).toBe(false);
  });

  it('refuses a name made only of invisible characters', () => {
    expect(displayFilename('\u200b')).toEqual({ ok: false, message: 'must name a file' });
    expect(displayFilename('dir/\u2060\u200b ')).toEqual({ ok: false, message: 'must name a file' });
  });

  it('keeps ordinary names, right-to-left ones and emoji as they are', () => {
    expect(displayFilename('rds-events.log')).toEqual({ ok: true, filename: 'rds-events.log' });
    expect(displayFilename('דוח.pdf')).toEqual({ ok: true, filename: 'דוח.pdf' });
    expect(displayFilename('👩\u200d💻 notes.txt')).toEqual({ ok: true, filename: '👩\u200d💻 notes.txt' });
  });
});

describe('decimalInteger', () => {
  const limit = decimalInteger(1, 200);

  it('reads decimal digits', () => {
    expect(limit.parse('1')).toBe(1);
    expect(limit.parse('200')).toBe(200);
    expect(limit.parse('050')).toBe(50);
  });

  it('refuses every other way of writing a number, and numbers out of range', () => {
    for (const bad of ['0x10', '1e2', '+5', '-1', '5.0', ' 5', '5 ', '', '٥', 'Infinity', '0b1', '1_0']) {
      expect(messages(limit.safeParse(bad)), JSON.stringify(bad)).toEqual(['must be an integer in decimal digits']);
    }
    expect(messages(limit.safeParse('0'))).toEqual(['must be at least 1']);
    expect(messages(limit.safeParse('201'))).toEqual(['must be at most 200']);
    expect(messages(limit.safeParse('9'.repeat(16)))).toEqual(['must be an integer in decimal digits']);
  });
});
