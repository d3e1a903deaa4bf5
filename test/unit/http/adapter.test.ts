import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { splitTarget, toAlbEvent, writeResult } from '../../../lib/http/adapter';
import { BodyTooLarge, readBody } from '../../../lib/operation/json-body';

// ------------------------------------------------------------------ helpers

/** Sends raw bytes to a one-shot server and returns what the adapter made of the real IncomingMessage, and its body as read. */
async function eventFor(raw: string | Buffer, limit = 1024 * 1024): Promise<ALBEvent & { received: Buffer }> {
  let captured: (ALBEvent & { received: Buffer }) | undefined;
  const server = createServer(async (req, res) => {
    const event = toAlbEvent(req, splitTarget(req.url ?? '/'));
    const received = await readBody(req, limit, req.headers['content-length']);
    captured = { ...event, received };
    res.writeHead(204, { connection: 'close' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await sendRaw((server.address() as AddressInfo).port, raw);
  } finally {
    server.close();
  }
  if (!captured) throw new Error('the server saw no request');
  return captured;
}

/** Writes raw bytes on a fresh connection and resolves with everything the server sent back. */
function sendRaw(port: number, raw: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

interface Received {
  status: number;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: Buffer;
}

/** Lets writeResult answer one real request and reads the answer with node:http. */
async function answer(result: ALBResult, extra?: Record<string, string>, method = 'GET'): Promise<Received> {
  const server = createServer((_req, res: ServerResponse) => writeResult(res, result, extra));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<Received>((resolve, reject) => {
      const req = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method, path: '/', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

/** An IncomingMessage stand-in: a readable stream of `chunks` with the given headers. */
function incoming(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from(chunks, { objectMode: false }), { headers }) as unknown as IncomingMessage;
}

const http = (lines: string[], body: string | Buffer = '') =>
  Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);

// --------------------------------------------------------------- toAlbEvent

describe('toAlbEvent', () => {
  it('lower-cases header names and keeps the last value of a repeated header', async () => {
    const event = await eventFor(
      http([
        'GET /api/v1/actions HTTP/1.1',
        'Host: tracker.local',
        'X-Request-ID: first',
        'x-request-id: second',
        'X-User: mia',
        'Connection: close',
      ]),
    );

    expect(event.headers).toMatchObject({ host: 'tracker.local', 'x-request-id': 'second', 'x-user': 'mia' });
    expect(Object.keys(event.headers!).filter((name) => name !== name.toLowerCase())).toEqual([]);
    expect(event.httpMethod).toBe('GET');
    expect(event.path).toBe('/api/v1/actions');
    expect(event.requestContext).toEqual({ elb: { targetGroupArn: 'local' } });
  });

  it('passes query values raw (undecoded), the last value of a repeated key and, apart, all of its values', async () => {
    const event = await eventFor(
      http(['GET /api/v1/actions?q=disk%20full&tag=a+b&status=open&status=blocked&flag HTTP/1.1', 'Host: x', 'Connection: close']),
    );

    expect(event.queryStringParameters).toEqual({ q: 'disk%20full', tag: 'a+b', status: 'blocked', flag: '' });
    expect(event.multiValueQueryStringParameters).toEqual({ status: ['open', 'blocked'] });
  });

  it('leaves the body in the socket: the event carries none, and the stream has the exact bytes', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xc3, 0x28]);
    const event = await eventFor(
      http(
        [
          'PUT /upload HTTP/1.1',
          'Host: x',
          'Content-Type: application/octet-stream',
          `Content-Length: ${bytes.length}`,
          'Connection: close',
        ],
        bytes,
      ),
    );

    expect(event.body).toBe('');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.received).toEqual(bytes);
  });
});

// -------------------------------------------------------------- splitTarget

describe('splitTarget', () => {
  it('splits path and raw query values, last value of a repeated key winning, and keeps every value of a repeated key', () => {
    expect(splitTarget('/api/v1/actions?owner=a%40b&owner=c%2Fd&q=x+y&empty=&bare')).toEqual({
      path: '/api/v1/actions',
      query: { owner: 'c%2Fd', q: 'x+y', empty: '', bare: '' },
      repeated: { owner: ['a%40b', 'c%2Fd'] },
    });
  });

  it('keeps __proto__ and constructor as keys of their own, not as the prototype', () => {
    const { query, repeated } = splitTarget('/p?__proto__=1&constructor=2&__proto__=3');
    expect(Object.keys(query)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(query['__proto__']).toBe('3');
    expect(Object.keys(repeated!)).toEqual(['__proto__']);
    expect(repeated!['__proto__']).toEqual(['1', '3']);
  });

  it('keeps everything after the first "=" as the value', () => {
    expect(splitTarget('/p?cursor=eyJ0Ijo=&x=1=2').query).toEqual({ cursor: 'eyJ0Ijo=', x: '1=2' });
  });

  it('ignores empty pairs and gives an empty query without "?"', () => {
    expect(splitTarget('/p?&&a=1&')).toEqual({ path: '/p', query: { a: '1' } });
    expect(splitTarget('/api/v1/actions/12')).toEqual({ path: '/api/v1/actions/12', query: {} });
  });

  it('treats an empty path as "/"', () => {
    expect(splitTarget('?a=1')).toEqual({ path: '/', query: { a: '1' } });
    expect(splitTarget('')).toEqual({ path: '/', query: {} });
  });

  it('leaves the path percent-encoded', () => {
    expect(splitTarget('/api/v1/actions/%31%32?x=1').path).toBe('/api/v1/actions/%31%32');
  });
});

// -------------------------------------------------------------- writeResult

describe('writeResult', () => {
  it('decodes a base64 body and sends content-length of the decoded bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    const res = await answer({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual(bytes);
    expect(res.headers['content-length']).toBe(String(bytes.length));
  });

  it('sends a text body as UTF-8 with its byte length', async () => {
    const body = JSON.stringify({ title: 'Überprüfung' });
    const res = await answer({ statusCode: 201, headers: { 'content-type': 'application/json' }, body, isBase64Encoded: false });

    expect(res.status).toBe(201);
    expect(res.body.toString('utf8')).toBe(body);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(res.headers['transfer-encoding']).toBeUndefined();
  });

  it('sends 204 and 304 without a body or content-length even when the result has one', async () => {
    for (const statusCode of [204, 304]) {
      const res = await answer({ statusCode, headers: { etag: '"3"' }, body: 'should not be sent', isBase64Encoded: false });

      expect(res.status).toBe(statusCode);
      expect(res.body.length).toBe(0);
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.headers.etag).toBe('"3"');
    }
  });

  it('sends every value of a multi-value header', async () => {
    const res = await answer({
      statusCode: 200,
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], vary: ['accept'] },
      body: 'ok',
      isBase64Encoded: false,
    });

    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names.filter((n) => n === 'set-cookie')).toHaveLength(2);
    expect(res.headers.vary).toBe('accept');
  });

  it('lets extra headers (connection: close while draining) override the result', async () => {
    const res = await answer(
      { statusCode: 200, headers: { connection: 'keep-alive', 'x-a': '1' }, body: 'ok', isBase64Encoded: false },
      { connection: 'close' },
    );

    expect(res.headers.connection).toBe('close');
    expect(res.headers['x-a']).toBe('1');
  });

  it('answers HEAD with the headers of GET but no body', async () => {
    const res = await answer(
      { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}', isBase64Encoded: false },
      {},
      'HEAD',
    );

    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('7');
    expect(res.body.length).toBe(0);
  });
});

// ----------------------------------------------------------------- readBody

describe('readBody', () => {
  it('returns all chunks joined, up to and including exactly the limit', async () => {
    const body = await readBody(incoming([Buffer.from('abc'), Buffer.from('def'), Buffer.from('ghij')]), 10);

    expect(body.toString()).toBe('abcdefghij');
  });

  it('rejects a declared content-length above the limit without reading the body', async () => {
    let read = false;
    async function* chunks() {
      read = true;
      yield Buffer.from('x');
    }
    const attempt = readBody(incoming(chunks()), 10, '11');

    await expect(attempt).rejects.toBeInstanceOf(BodyTooLarge);
    expect(read).toBe(false);
  });

  it('rejects a body without content-length as soon as it passes the limit, without reading it all', async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced++;
        yield Buffer.alloc(1024, 0x61);
      }
    }
    const attempt = readBody(incoming(endless()), 4096);

    await expect(attempt).rejects.toBeInstanceOf(BodyTooLarge);
    expect(produced).toBeLessThan(32);
  });

  it('rejects a chunked request body over the limit on a real socket', async () => {
    let outcome: unknown;
    const server = createServer(async (req, res) => {
      outcome = await readBody(req, 64, req.headers['content-length']).catch((error: unknown) => error);
      res.writeHead(204, { connection: 'close' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const chunk = 'a'.repeat(40);
    const chunked = `${(40).toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n';
    try {
      await sendRaw(
        (server.address() as AddressInfo).port,
        http(['POST /x HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', 'Content-Type: application/json', 'Connection: close'], chunked),
      );
    } finally {
      server.close();
    }

    expect(outcome).toBeInstanceOf(BodyTooLarge);
  });

  it('reads a chunked request body within the limit on a real socket', async () => {
    const event = await eventFor(
      http(
        ['POST /x HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', 'Content-Type: application/json', 'Connection: close'],
        '3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n',
      ),
      64,
    );

    expect(event.received.toString()).toBe('{"a":1}');
  });
});
