// Rules for evidence files: what a filename may be (kept for display only;
// storage keys never derive from it) and which content types are kept.
import { z } from 'zod';
import { codePoints, Evidence } from './action-schema';
import { BIDI_CONTROL, BIDI_MARK, isBlank } from './field-rules';

export const FILENAME_MAX = 255;
/** Files per multipart request. */
export const FILES_PER_UPLOAD = 20;

// Any C0/C1 control (tab and line breaks included): a filename is one line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

export type FilenameVerdict = { ok: true; filename: string } | { ok: false; message: string };

/**
 * The display name of an uploaded file: NFC, trimmed, and only its last path
 * segment (browsers and curl may send `C:\dir\x.log` or `../x.log`). No bidi
 * control or mark (they make `\u202Egnp.exe` look like "exe.png"), and more
 * than invisible characters.
 */
export function displayFilename(raw: string | undefined | null): FilenameVerdict {
  if (raw === undefined || raw === null) return { ok: false, message: 'is required' };
  if (CONTROL.test(raw)) return { ok: false, message: 'must not contain control characters' };
  if (!raw.isWellFormed()) return { ok: false, message: 'must be valid Unicode' };
  if (BIDI_CONTROL.test(raw) || BIDI_MARK.test(raw)) {
    return {
      ok: false,
      message: 'must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C)',
    };
  }
  const last = raw.normalize('NFC').split(/[/\\]/).pop()!.trim();
  if (last === '' || last === '.' || last === '..' || isBlank(last)) return { ok: false, message: 'must name a file' };
  if (codePoints(last) > FILENAME_MAX) return { ok: false, message: `must be at most ${FILENAME_MAX} characters` };
  return { ok: true, filename: last };
}

const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})$`);
const CHARSET = /^charset="?([A-Za-z0-9._:+-]{1,40})"?$/i;

/**
 * The content type kept for a file: `type/subtype` (lower case) and its
 * charset if any; anything unparseable becomes application/octet-stream.
 */
export function storedContentType(raw: string | undefined | null): string {
  if (!raw) return 'application/octet-stream';
  const [essence, ...params] = raw.split(';').map((p) => p.trim());
  const m = MEDIA_TYPE.exec(essence ?? '');
  if (!m) return 'application/octet-stream';
  const type = `${m[1]}/${m[2]}`.toLowerCase();
  const charset = params.map((p) => CHARSET.exec(p)?.[1]).find(Boolean);
  return charset ? `${type}; charset=${charset.toLowerCase()}` : type;
}

export const EvidenceList = z.object({ items: z.array(Evidence) });

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** The answer to POST /api/v1/actions/{id}/evidence/uploads: where and how to PUT the file, then what to POST. */
export const DirectUpload = z.object({
  upload_id: z.uuid(),
  method: z.literal('PUT'),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  expires_at: z.iso.datetime(),
  complete_path: z.string(),
});
