import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { webhookError, type WebhookReply } from './webhook-replies';

/**
 * The HTTP server of our public endpoints (the Stripe webhook, the QBO OAuth callback): node:http with nothing in
 * front, because functions-framework cannot be held to a body limit. Its Express app reads and decompresses every
 * body (body-parser, `inflate: true`) up to 1 GiB before any code of ours runs, so a ~200 KB gzip request became
 * 200 MiB in memory before our 413; neither the limit nor inflation can be configured from a function. Here,
 * before anything is parsed:
 *   - a `Content-Encoding` other than identity is refused (415): Stripe never compresses, and we never inflate;
 *   - a declared `Content-Length` over the limit is refused (413) without reading a byte of the body;
 *   - an undeclared (chunked) body is counted as it arrives and refused the moment it passes the limit;
 *   - a body that has not arrived within the read deadline is refused (408), so a slow sender holds a connection
 *     for seconds, not the platform's minutes.
 * A refused request gets its JSON answer at once with `Connection: close`; what more it sends is read and thrown
 * away for a moment (so the client sees the answer instead of a reset), then the socket is destroyed.
 */
export interface PublicRequest {
  method: string;
  /** The URL path without its query. */
  path: string;
  /** The raw query string (without `?`), for redirects such as the OAuth callback. */
  query: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A JSON body, or an HTML page when `body` is a string. */
export type PublicReply = Omit<WebhookReply, 'body'> & { body: WebhookReply['body'] | string };

export interface PublicServerOptions {
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  /** The whole body must have arrived within this long after the headers. */
  bodyTimeoutMs?: number;
  /** The request line and headers must have arrived within this long. */
  headersTimeoutMs?: number;
}

export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/**
 * After a refusal: how much more is read and thrown away, and for how long, before hanging up (like nginx's
 * lingering close). Hanging up on a client that is still sending resets the connection, and a reset discards the
 * answer the client has not read yet; reading on costs bandwidth for a moment, never memory.
 */
const DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_MS = 2_000;

type BodyRead = { kind: 'complete'; body: Buffer } | { kind: 'too_large' } | { kind: 'timeout' } | { kind: 'aborted' };

function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAborted);
      req.off('close', onClose);
      if (result.kind !== 'complete') req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ kind: 'too_large' });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: 'complete', body: Buffer.concat(chunks, size) });
    const onAborted = () => finish({ kind: 'aborted' });
    const onClose = () => {
      if (!req.complete) finish({ kind: 'aborted' });
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAborted);
    req.on('close', onClose);
  });
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function write(res: ServerResponse, reply: PublicReply, close = false): void {
  const html = typeof reply.body === 'string';
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.statusCode = reply.status;
  res.setHeader('content-type', html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (close) res.setHeader('connection', 'close');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/**
 * Answers with `Connection: close` (the unread rest of the body makes the connection unusable for another request),
 * then closes like nginx's lingering close: our side is ended after the answer, and what more the client sends is
 * read and thrown away for a moment before the socket is destroyed. Node's own close for `Connection: close`
 * destroys the socket as soon as the answer is flushed; with unread data still arriving that sends a reset, and the
 * reset discards the answer on the client's side before it is read. So this socket's destroySoon (what Node calls
 * there) is replaced for this one connection.
 */
function refuse(req: IncomingMessage, res: ServerResponse, reply: PublicReply): void {
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    let drained = 0;
    const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_BYTES) socket.destroy();
    });
  };
  // The body's bytes still reach the request object: let them flow and drop them.
  req.resume();
  write(res, reply, true);
}

function pathAndQuery(url: string | undefined): { path: string; query: string } {
  try {
    const parsed = new URL(url ?? '/', 'http://localhost');
    return { path: parsed.pathname, query: parsed.search.replace(/^\?/, '') };
  } catch {
    return { path: '', query: '' };
  }
}

export function createPublicServer(
  handle: (request: PublicRequest) => Promise<PublicReply>,
  options: PublicServerOptions,
): Server {
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const encoding = (headerValue(req.headers, 'content-encoding') ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity')
      return refuse(
        req,
        res,
        webhookError(415, 'unsupported_encoding', 'bodies are accepted uncompressed only (Content-Encoding: identity)'),
      );
    const declared = headerValue(req.headers, 'content-length');
    if (declared !== undefined && !(Number(declared) <= options.maxBodyBytes))
      return refuse(req, res, webhookError(413, 'payload_too_large', `the body exceeds ${options.maxBodyBytes} bytes`));

    const read = await readBody(req, options.maxBodyBytes, bodyTimeoutMs);
    if (read.kind === 'aborted') {
      req.socket.destroy();
      return;
    }
    if (read.kind === 'too_large')
      return refuse(req, res, webhookError(413, 'payload_too_large', `the body exceeds ${options.maxBodyBytes} bytes`));
    if (read.kind === 'timeout')
      return refuse(
        req,
        res,
        webhookError(408, 'request_timeout', `the body did not arrive within ${bodyTimeoutMs} ms`),
      );

    const { path, query } = pathAndQuery(req.url);
    let reply: PublicReply;
    try {
      reply = await handle({ method: req.method ?? 'GET', path, query, headers: req.headers, rawBody: read.body });
    } catch {
      // Handlers answer their own failures; this is the last line, and says nothing about what broke.
      reply = webhookError(500, 'internal', 'the request could not be processed; retry later');
    }
    write(res, reply);
  }

  // Node's own deadlines sit behind ours (it checks them every few seconds and answers a bare 408).
  const requestTimeout = bodyTimeoutMs + 5_000;
  return createServer(
    { requestTimeout, headersTimeout: Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout) },
    (req, res) => {
      void serve(req, res);
    },
  );
}
