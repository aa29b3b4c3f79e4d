/** The authenticated actor of a request (set by the app's onRequest hook, src/api/app.ts). */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { Actor } from './roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (null only on public routes). */
    actor: Actor | null;
  }
}

/** The actor of a request on a non-public route; 401 otherwise. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new ApiError(401, 'unauthenticated', 'this route needs an API key');
  return req.actor;
}
