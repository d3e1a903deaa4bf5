// API tokens for automation: what an admin sends to make one, and what the API
// shows of them. The secret appears once, in the answer that made it.
import { z } from 'zod';
import { PathId } from './action-schema';
import { ROLES } from './roles';

export const TOKEN_NAME = /^[A-Za-z0-9._-]{1,48}$/;

export const TokenId = PathId;

export const NewToken = z.strictObject({
  name: z
    .string()
    .regex(TOKEN_NAME, '1–48 characters of A-Z a-z 0-9 . _ -')
    .meta({ description: 'Unique among the tokens in use; the caller is `token:<name>`' }),
  role: z.enum(ROLES).meta({ description: 'At most the creator’s role' }),
  expires_at: z.iso
    .datetime({ offset: true })
    // Only a readable time is asked whether it is in the future: one error per mistake.
    .pipe(z.string().refine((v) => Date.parse(v) > Date.now(), 'must be in the future'))
    .transform((v) => new Date(v).toISOString())
    .nullable()
    .optional()
    .meta({ description: 'When the token stops working; never when omitted or null' }),
});

export const Token = z.object({
  id: z.number().int(),
  name: z.string(),
  role: z.enum(ROLES),
  created_by: z.string(),
  created_at: z.iso.datetime(),
  expires_at: z.iso.datetime().nullable(),
  last_used_at: z.iso.datetime().nullable().meta({ description: 'Recorded at most once a minute' }),
});

export const CreatedToken = Token.extend({
  token: z.string().regex(/^iat_/).meta({ description: 'The secret, shown this once: send it as `Authorization: Bearer <token>`' }),
});

export const TokenList = z.object({ items: z.array(Token) });
