/**
 * The fastify shell every kvlab worker shares (the mock worker and the llama.cpp worker): OpenAI-shaped
 * error bodies for errors raised before routing (malformed URLs, connection-level client errors), for
 * thrown errors (body over the limit → 413) and for unknown routes, `x-kvlab-worker` on every answer,
 * no text/plain parser (JSON only, 415 otherwise). Routes and other hooks are the caller's.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { clientErrorHandler } from '../../core/client-error-handler.ts';
import { makeError, toErrorBody, toKvlabError, type KvlabError } from '../../core/errors.ts';

export const WORKER_HEADER = 'x-kvlab-worker';

export function sendError(reply: FastifyReply, err: KvlabError): FastifyReply {
  return reply.status(err.status).type('application/json').send(toErrorBody(err));
}

export function workerFastify(name: string, bodyLimit: number): FastifyInstance {
  const app = Fastify({
    bodyLimit,
    logger: false,
    forceCloseConnections: true,
    clientErrorHandler: clientErrorHandler({ [WORKER_HEADER]: name }),
    // Errors fastify raises before routing (a malformed URL such as '/%zz') get an OpenAI body too.
    frameworkErrors: (error, _request, reply) => {
      reply.header(WORKER_HEADER, name);
      void sendError(reply, makeError('invalid_request', { detail: error.message }));
    },
  });
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (_request, reply) => {
    reply.header(WORKER_HEADER, name);
  });
  app.setErrorHandler((error, _request, reply) => {
    const err = (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? makeError('body_too_large', { limitBytes: bodyLimit }) : toKvlabError(error);
    reply.header(WORKER_HEADER, name);
    return sendError(reply, err);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.header(WORKER_HEADER, name);
    return sendError(reply, makeError('not_found', { method: request.method, url: request.url.split('?')[0] }));
  });
  return app;
}
