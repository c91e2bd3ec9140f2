import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What the server answered. */
export interface HttpPutResult {
  status: number;
  statusText: string;
}

/** One file upload: where, how, what. */
export interface HttpPutOptions {
  url: string;
  method: 'PUT' | 'POST';
  headers: Record<string, string>;
  path: string;
  bytes: number;
  contentType: string;
  signal: AbortSignal;
}

/**
 * Sends a file as the request body, streamed from disk (a 120 s main-stream clip is ~100 MB: never held in
 * memory), with its Content-Length: S3-style presigned PUTs refuse chunked uploads. Resolves with the first
 * answer, even one sent while the body is still going out (a 500 mid-upload); rejects on a network error, the
 * file's read error, or the signal. Node's own http/https: no dependency.
 */
export function httpPutFile(options: HttpPutOptions): Promise<HttpPutResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const send = options.url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(options.url, {
      method: options.method,
      headers: { 'content-type': options.contentType, ...options.headers, 'content-length': String(options.bytes) },
      signal: options.signal,
    });
    req.on('response', (res: IncomingMessage) => {
      // The body of an answer is not needed; read it so the socket is released.
      res.resume();
      done(() => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '' }));
      if (!req.writableFinished) req.destroy();
    });
    req.on('error', (err) => done(() => reject(err)));
    const file = createReadStream(options.path);
    file.on('error', (err) => {
      req.destroy();
      done(() => reject(err));
    });
    file.pipe(req);
  });
}
