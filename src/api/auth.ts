/**
 * Optional bearer-token authentication (DARKSCOPE_API_TOKENS). When tokens
 * are configured every route needs `Authorization: Bearer <token>`, except
 * routes marked `config: { public: true }` (the health checks). Tokens are
 * compared in constant time: both sides are hashed to 32 bytes first (so
 * lengths never differ) and every configured token is checked, match or not.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DarkscopeError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a token. */
    public?: boolean;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** True when `presented` equals one of `tokens`; the time taken does not depend on which, or on how close. */
export function tokenMatches(presented: string, tokens: readonly Buffer[]): boolean {
  const p = digest(presented);
  let ok = false;
  for (const t of tokens) ok = timingSafeEqual(p, t) || ok;
  return ok;
}

export function bearerToken(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(h);
  return m ? m[1] : null;
}

/** Adds the check to `app` (not encapsulated: call it on the root instance). */
export function registerAuth(app: FastifyInstance, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const digests = tokens.map(digest);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public === true) return;
    const token = bearerToken(request);
    if (token === null || !tokenMatches(token, digests)) {
      reply.header('www-authenticate', 'Bearer realm="darkscope"');
      throw new DarkscopeError('UNAUTHORIZED', token === null ? 'this API needs a bearer token' : 'the bearer token is not valid');
    }
  });
}
