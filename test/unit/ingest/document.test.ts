import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DocumentError, documentPath, instant, parseJson, whereJsonBreaks } from '../../../lib/ingest/document';
import { HttpProblem } from '../../../lib/problems';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ingest/${name}`, import.meta.url));

/** The DocumentError `act` throws (fails the test when it throws none, or another error). */
function thrown(act: () => unknown): DocumentError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return error as DocumentError;
  }
  throw new Error('expected a DocumentError');
}

describe('parseJson', () => {
  it('parses a document and gives back what JSON.parse would', () => {
    // Prepare
    const bytes = fixture('plan.json');

    // Act
    const doc = parseJson(bytes);

    // Assess
    expect(doc).toEqual(JSON.parse(bytes.toString('utf8')));
  });

  it('says where a truncated document ends: line, column and byte', () => {
    // Prepare: plan.json cut off in the middle of `"after": null`
    const bytes = fixture('plan-truncated.json');

    // Act
    const error = thrown(() => parseJson(bytes));

    // Assess: V8 gives no position for this one; the end of the input is where it broke
    expect(error.message).toBe('line 193, column 21 (byte 5967): Unexpected end of JSON input');
    expect(bytes.length).toBe(5967);
    expect(error.errors).toEqual([{ path: '(document)', message: error.message }]);
  });

  it('says where a trailing comma is, from the position in V8’s message', () => {
    // Prepare: `{ "arn": true, "id": true, }` on line 18
    const bytes = fixture('plan-trailing-comma.json');
    const text = bytes.toString('utf8');

    // Act
    const error = thrown(() => parseJson(bytes));

    // Assess: byte 512 is the `}` after the comma, at line 18 column 53
    expect(error.message).toBe('line 18, column 53 (byte 512): Expected double-quoted property name');
    expect(text.slice(510, 513)).toBe(', }');
    expect(text.split('\n')[17]!.slice(52, 53)).toBe('}');
  });

  it('counts columns in characters and offsets in bytes when the text is not ASCII', () => {
    // Prepare: "é" is 2 bytes, "😀" 4 bytes (and 2 UTF-16 units)
    const bytes = Buffer.from('{"é":"😀", x}');

    // Act
    const error = thrown(() => parseJson(bytes));

    // Assess
    expect(error.message).toBe('line 1, column 11 (byte 14): Expected double-quoted property name');
  });

  it('finds the place itself when V8 names only the token, and quotes none of the document', () => {
    // Prepare
    const bytes = Buffer.from('{\n  "name": "web-1",\n  "ok": tru}');

    // Act
    const error = thrown(() => parseJson(bytes));

    // Assess
    expect(error.message).toBe("line 3, column 12 (byte 32): Unexpected token '}'");
    expect(error.message).not.toContain('web-1');
  });

  it('reports an empty body and something after the document', () => {
    expect(thrown(() => parseJson(Buffer.alloc(0))).message).toBe('line 1, column 1 (byte 0): Unexpected end of JSON input');
    expect(thrown(() => parseJson(Buffer.from('{}\n{}'))).message).toBe(
      'line 2, column 1 (byte 3): Unexpected non-whitespace character after JSON',
    );
  });

  it('skips a UTF-8 byte order mark, and counts its bytes in the offset', () => {
    // Prepare
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);

    // Act
    const doc = parseJson(Buffer.concat([bom, Buffer.from('{"a":1}')]));
    const error = thrown(() => parseJson(Buffer.concat([bom, Buffer.from('{"a":1,}')])));

    // Assess
    expect(doc).toEqual({ a: 1 });
    expect(error.message).toBe('line 1, column 8 (byte 10): Expected double-quoted property name');
  });

  it('refuses bytes that are not UTF-8, at the first bad one', () => {
    // Prepare: `{\n"aé":"` then EF BF (a cut three-byte sequence) then `A"}`
    const bytes = Buffer.concat([Buffer.from('{\n"aé":"'), Buffer.from([0xef, 0xbf]), Buffer.from('A"}')]);

    // Act
    const error = thrown(() => parseJson(bytes));

    // Assess
    expect(error.message).toBe('line 2, column 7 (byte 9): not valid UTF-8');
  });

  it('turns into an invalid-document problem carrying the errors', () => {
    // Prepare
    const error = thrown(() => parseJson(Buffer.from('[1,')));

    // Act
    const problem = error.toProblem();

    // Assess
    expect(problem).toBeInstanceOf(HttpProblem);
    expect(problem.slug).toBe('invalid-document');
    expect(problem.status).toBe(400);
    expect(problem.message).toBe(error.message);
    expect(problem.errors).toEqual(error.errors);
  });
});

describe('whereJsonBreaks', () => {
  it('agrees with every position V8 reports', () => {
    // Prepare: documents that V8 reports with a position
    const broken = [
      '{"a":1,}',
      '{"a" 1}',
      '{,}',
      '[1 2]',
      '{"a":1 "b":2}',
      '{"a":01}',
      '"abc',
      '-',
      '1.',
      '1e+',
      '{"a":"\\u12G4"}',
      '{"a":"\\x"}',
      '{"a":"x\ny"}',
      '[1,2]x',
      '  [ [ {} ] , {"k": [true, false, null, -1.5e3]} ] ,',
    ];
    for (const text of broken) {
      // Act
      let reported: number | undefined;
      try {
        JSON.parse(text);
      } catch (error) {
        reported = Number(/at position (\d+)/.exec((error as Error).message)?.[1]);
      }

      // Assess
      expect(whereJsonBreaks(text), text).toBe(reported);
    }
  });

  it('finds the unexpected token and the end of input, which V8 does not place', () => {
    expect(whereJsonBreaks('{"a": tru}')).toBe(9);
    expect(whereJsonBreaks('[1,2,}')).toBe(5);
    expect(whereJsonBreaks('xyz')).toBe(0);
    expect(whereJsonBreaks('[[[[')).toBe(4);
    expect(whereJsonBreaks('nul')).toBe(3);
  });

  it('walks deep nesting without running out of stack', () => {
    // Prepare
    const deep = '['.repeat(200_000) + ']'.repeat(199_999) + '}';

    // Act
    const at = whereJsonBreaks(deep);

    // Assess
    expect(at).toBe(deep.length - 1);
  });
});

describe('documentPath', () => {
  it('writes indexes in brackets and quotes keys that are not names', () => {
    expect(documentPath(['resource_changes', 3, 'change', 'actions'])).toBe('resource_changes[3].change.actions');
    expect(documentPath(['stats', 'web-1', 'failures'])).toBe('stats["web-1"].failures');
    expect(documentPath(['_meta', 'hostvars', 'db.example.com'])).toBe('_meta.hostvars["db.example.com"]');
    expect(documentPath(['web-1', 'hosts', 0])).toBe('["web-1"].hosts[0]');
    expect(documentPath([])).toBe('(document)');
  });
});

describe('instant', () => {
  it('reads ISO instants with Z or an offset, and the json callback’s microseconds', () => {
    expect(instant('2024-05-14T03:05:02.118406Z')).toBe('2024-05-14T03:05:02.118Z');
    expect(instant('2024-05-14T05:05:02+02:00')).toBe('2024-05-14T03:05:02.000Z');
    expect(instant('2024-05-14T03:05:02.118406+00:00Z')).toBe('2024-05-14T03:05:02.118Z');
  });

  it('refuses local times and other text', () => {
    expect(instant('2024-05-14T03:05:02')).toBeUndefined();
    expect(instant('yesterday')).toBeUndefined();
    expect(instant('2024-02-30T00:00:00Z')).toBeUndefined();
  });
});
