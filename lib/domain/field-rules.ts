// The contract's field limits and character rules, without zod, so the web
// page checks input with the very rules the API validates with.
export const LIMITS = {
  title: 200,
  description: 20_000,
  owner: 64,
  component: 64,
  tags: 20,
  tag: 32,
  resolutionNotes: 20_000,
  note: 2_000,
} as const;

// C0/C1 controls other than tab and newline; NUL in particular, which
// PostgreSQL text cannot hold.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;
export const LINE_BREAK = /[\r\n\u2028\u2029]/u;
export const TAG = /^[\p{L}\p{N}][\p{L}\p{N}._:/+-]*$/u;

// What renders as nothing: format characters (zero-width space and joiners,
// BOM, word joiner, soft hyphen, bidi marks, …), the other default-ignorable
// code points (variation selectors, Hangul fillers, …) and the blank Braille
// pattern. Kept inside visible text (an emoji sequence or Persian needs its
// joiners); text made only of them is blank.
// VISIBLE is anything else that is not white space (\s: what trim() removes).
const VISIBLE = /[^\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\s]/u;

/** Blank once invisible characters and white space are taken away (found at the first visible character). */
export const isBlank = (value: string): boolean => !VISIBLE.test(value);

// Embeddings, overrides and isolates reorder what is shown ("\u202Egnp.exe"
// reads "exe.png"): refused in one-line fields and filenames.
export const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;

// The marks (LRM, RLM, ALM) reorder nothing by themselves and mixed-direction
// titles use them; a filename has no need of them.
export const BIDI_MARK = /[\u200e\u200f\u061c]/u;
