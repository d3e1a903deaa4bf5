// The If-Match header of a conditional write (actions, hosts, changes): every
// resource's ETag is its version.
import { z } from 'zod';

/** If-Match: an ETag of this API ("3", W/"3" or 3) or `*`; the version it demands, or undefined. */
export const IfMatch = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === '*') return undefined;
    const m = /^(?:W\/)?"(\d{1,9})"$/.exec(value) ?? /^(\d{1,9})$/.exec(value);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'is not a version ETag, like "3"' });
      return z.NEVER;
    }
    return Number(m[1]);
  })
  .optional()
  .meta({ description: 'the ETag of the version the change applies to; 412 if the action has moved on' });

export const conditionalHeaders = z.object({ 'if-match': IfMatch });
