import { describe, expect, it } from 'vitest';
import { ActionFields, codePoints, resolutionNotes } from '../../../lib/domain/action-schema';

describe('field rules', () => {
  it('counts characters as code points, so 200 emoji make a valid title and 201 do not', () => {
    expect(codePoints('🔥'.repeat(200))).toBe(200);
    expect(ActionFields.title.safeParse('🔥'.repeat(200)).success).toBe(true);
    expect(ActionFields.title.safeParse('🔥'.repeat(201)).success).toBe(false);
  });

  it('trims titles and refuses blank ones', () => {
    expect(ActionFields.title.parse('  Rotate keys  ')).toBe('Rotate keys');
    expect(ActionFields.title.safeParse('   ').success).toBe(false);
  });

  it('refuses line breaks in one-line fields but keeps them in descriptions', () => {
    expect(ActionFields.title.safeParse('two\nlines').success).toBe(false);
    expect(ActionFields.description.parse('two\nlines\ttabbed')).toBe('two\nlines\ttabbed');
  });

  it('refuses NUL and other control characters everywhere', () => {
    for (const bad of ['a\u0000b', 'a\u0007b', 'a\u009bb']) {
      expect(ActionFields.title.safeParse(bad).success).toBe(false);
      expect(ActionFields.description.safeParse(bad).success).toBe(false);
      expect(resolutionNotes.safeParse(bad).success).toBe(false);
    }
  });

  it('refuses a tab in one-line fields but keeps it in multi-line ones', () => {
    expect(ActionFields.title.safeParse('a\tb').success).toBe(false);
    expect(ActionFields.owner.safeParse('a\tb').success).toBe(false);
    expect(resolutionNotes.safeParse('a\tb').success).toBe(true);
  });

  it('refuses lone surrogates, which cannot be stored as UTF-8', () => {
    expect(ActionFields.title.safeParse('broken \ud800 text').success).toBe(false);
    expect(ActionFields.description.safeParse('\udc00').success).toBe(false);
    expect(ActionFields.title.safeParse('paired 😀 fine').success).toBe(true);
  });

  it('turns "" and null into null for clearable fields', () => {
    expect(ActionFields.owner.parse('')).toBeNull();
    expect(ActionFields.owner.parse(null)).toBeNull();
    expect(ActionFields.component.parse('  rds ')).toBe('rds');
  });

  it('lower-cases and de-duplicates tags, keeping the first occurrence order', () => {
    expect(ActionFields.tags.parse(['Prod', 'secrets', 'prod', 'PROD', 'eu-west-1'])).toEqual(['prod', 'secrets', 'eu-west-1']);
  });

  it('refuses tags with spaces, leading punctuation, over 32 characters, or more than 20 of them', () => {
    expect(ActionFields.tags.safeParse(['two words']).success).toBe(false);
    expect(ActionFields.tags.safeParse(['-prod']).success).toBe(false);
    expect(ActionFields.tags.safeParse(['x'.repeat(33)]).success).toBe(false);
    expect(ActionFields.tags.safeParse(Array.from({ length: 21 }, (_, i) => `t${i}`)).success).toBe(false);
    expect(ActionFields.tags.safeParse(Array.from({ length: 20 }, (_, i) => `t${i}`)).success).toBe(true);
  });
});
