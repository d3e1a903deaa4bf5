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
