import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** Raw HTTP/1.1 for hostile-input tests: what fetch will not send (stalls, huge chunked bodies, any header). */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Body bytes the client had written when the answer arrived. */
  bytesSentBeforeAnswer: number;
}

/**
 * A raw HTTP/1.1 request: headers as given, then `body` chunks written one by one, stopping as soon as the answer
 * arrives (a server that refuses early must not have to wait for the rest). `stallAfter` stops writing (without
 * ending) after that many chunks.
 */
export function sendRaw(
  url: string,
  options: { path: string; headers: Record<string, string | number>; chunks: Iterable<Buffer>; stallAfter?: number },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const target = new URL(options.path, url);
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: options.headers },
      (res) => {
        answered = true;
        const at = sent;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, bytesSentBeforeAnswer: at }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    void (async () => {
      let index = 0;
      for (const chunk of options.chunks) {
        if (answered || req.destroyed) return;
        if (options.stallAfter !== undefined && index >= options.stallAfter) return;
        index += 1;
        const more = req.write(chunk);
        sent += chunk.length;
        if (!more)
          await new Promise<void>((done) => {
            const timer = setTimeout(done, 50);
            req.once('drain', () => {
              clearTimeout(timer);
              done();
            });
          });
        await new Promise((done) => setImmediate(done));
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

export function* repeat(chunk: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i += 1) yield chunk;
}
