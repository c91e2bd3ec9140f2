import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './http-errors.js';
import { tokensEqual } from './token.js';

/** Methods that change something: they always need the token. */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Host names a loopback console answers to (any port: the tunnel's local port may differ). */
const LOOPBACK_NAMES = /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(?::\d{1,5})?$/i;

export interface AccessPolicy {
  token: string;
  /** Bound to loopback: reads need no token, and only loopback Host names are answered (against DNS rebinding). */
  loopback: boolean;
}

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/**
 * The access rules, in order: a page of another site is refused (Origin not this origin, or
 * Sec-Fetch-Site: cross-site); on loopback a Host that is not a loopback name is refused (a DNS-rebinding
 * page would carry its own); writes need `Authorization: Bearer <token>` (a cross-site form cannot set it),
 * and so do reads when the console listens beyond loopback. The page itself (/, /assets) is public: it holds
 * nothing, and asks for the token.
 */
export function checkAccess(policy: AccessPolicy, req: FastifyRequest): void {
  const host = req.headers.host ?? '';
  if (policy.loopback && !LOOPBACK_NAMES.test(host)) {
    throw new ApiError(403, 'CONSOLE_FORBIDDEN', `Host "${host}" is not a loopback name; open the console as http://127.0.0.1:<port>/ through the SSH tunnel`);
  }
  const path = req.url.split('?')[0]!;
  const isApi = path === '/api' || path.startsWith('/api/');
  // The page itself may be opened from anywhere (the link clicked in a chat or a mail); it holds nothing.
  if (!isApi && req.method === 'GET') return;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    throw new ApiError(403, 'CONSOLE_FORBIDDEN', `requests from ${origin} are refused: the console answers only its own page`);
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new ApiError(403, 'CONSOLE_FORBIDDEN', 'cross-site requests are refused');
  if (!isApi) return;
  if (!WRITE_METHODS.has(req.method) && policy.loopback) return;
  const given = bearer(req);
  if (given === undefined) throw new ApiError(401, 'CONSOLE_UNAUTHORIZED', `${req.method} ${path} needs the console token (Authorization: Bearer <token>)`);
  if (!tokensEqual(given, policy.token)) throw new ApiError(401, 'CONSOLE_UNAUTHORIZED', 'the console token is wrong');
}

/** Headers on every answer: the page may load only its own files, nothing is sniffed, API answers are not cached. */
export function securityHeaders(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  if (req.url.startsWith('/api')) reply.header('cache-control', 'no-store');
}
