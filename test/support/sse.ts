// A Server-Sent Events reader for the tests: GET /api/v1/events over fetch (as
// the page reads it, identity headers included), the stream parsed as the SSE
// specification says, and waits for the message a test expects.
import type { Caller } from './app';

export interface SseMessage {
  event: string;
  data: any;
  id?: string;
  /** performance.now() when the message was read. */
  at: number;
}

export interface SseStream {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  /** `retry:` values and comment lines seen. */
  retry?: number;
  comments: string[];
  /** The first message (already read or still to come) that `match` accepts. */
  next(match: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openEvents(
  baseUrl: string,
  options: { as?: Caller | null; lastEventId?: string; headers?: Record<string, string> } = {},
): Promise<SseStream & { text?: string }> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  const who = options.as === undefined ? { user: 'vera', role: 'viewer' } : options.as;
  if (who) {
    headers['x-user'] = who.user;
    headers['x-role'] = who.role;
  }
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const res = await fetch(`${baseUrl}/api/v1/events`, { headers, signal: controller.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters: { match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }[] = [];
  const stream: SseStream & { text?: string } = {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    next(match, timeoutMs = 5000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const seen = messages.map((m) => `${m.event}#${m.id ?? ''}`).join(', ');
          reject(new Error(`no such event within ${timeoutMs} ms; seen: ${seen || 'none'}`));
        }, timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    ended: Promise.resolve(),
    close: () => controller.abort(),
  };
  if (!res.ok || !/^text\/event-stream/.test(res.headers.get('content-type') ?? '')) {
    stream.text = await res.text();
    return stream;
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  stream.ended = (async () => {
    let buffer = '';
    let event = { event: 'message', data: [] as string[], id: undefined as string | undefined };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let newline: number;
        while ((newline = buffer.search(/\r\n|\n|\r/)) !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
          if (line === '') {
            if (event.data.length) {
              const message: SseMessage = { event: event.event, data: JSON.parse(event.data.join('\n')), at: performance.now() };
              if (event.id !== undefined) message.id = event.id;
              messages.push(message);
              for (const w of waiters.splice(0)) {
                if (w.match(message)) w.resolve(message);
                else waiters.push(w);
              }
            }
            event = { event: 'message', data: [], id: undefined };
            continue;
          }
          if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const raw = colon === -1 ? '' : line.slice(colon + 1);
          const value = raw.startsWith(' ') ? raw.slice(1) : raw;
          if (field === 'event') event.event = value;
          else if (field === 'data') event.data.push(value);
          else if (field === 'id') event.id = value;
          else if (field === 'retry') stream.retry = Number(value);
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  })();
  stream.ended.catch(() => undefined);
  return stream;
}
