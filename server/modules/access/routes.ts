import { createRoute, z } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { unitCode } from '../divisions/inputs.js';
import { changePasswordInput, createTokenInput, createUserInput, issuedTokenSchema, tokenSchema, username, userSchema } from './inputs.js';
import { changePassword, createToken, createUser, disableUser, enableUser, listTokens, listUsers, revokeToken } from './service.js';

const tags = ['access'];
const userParam = z.object({ username: username.openapi({ param: { name: 'username', in: 'path' } }) });
const tokenParam = userParam.extend(idParam.shape);

export const accessRoutes = router()
  .openapi(
    createRoute({
      method: 'get',
      path: '/users',
      tags,
      security,
      request: {
        query: z
          .object({ unit: unitCode.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: username.optional().openapi({ description: 'nextCursor of the previous page' }) })
          .strict(),
      },
      responses: { 200: jsonResponse(listOf(userSchema)), ...errorResponses },
    }),
    async (c) => c.json(await listUsers(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/users', tags, security, request: jsonBody(createUserInput), responses: { 201: jsonResponse(userSchema, 'created'), ...errorResponses } }),
    async (c) => c.json(await createUser(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{username}/tokens',
      tags,
      security,
      summary: 'issue an API token; the token is shown once',
      request: { params: userParam, ...jsonBody(createTokenInput) },
      responses: { 201: jsonResponse(issuedTokenSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createToken(ctxOf(c), c.req.valid('param').username, c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/users/{username}/tokens', tags, security, request: { params: userParam }, responses: { 200: jsonResponse(listOf(tokenSchema)), ...errorResponses } }),
    async (c) => c.json(await listTokens(ctxOf(c), c.req.valid('param').username), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/users/{username}/tokens/{id}', tags, security, request: { params: tokenParam }, responses: { 204: { description: 'revoked' }, ...errorResponses } }),
    async (c) => {
      const { username: name, id } = c.req.valid('param');
      await revokeToken(ctxOf(c), name, id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{username}/password',
      tags,
      security,
      summary: 'change your own password, giving the current one; your web sessions end',
      request: { params: userParam, ...jsonBody(changePasswordInput) },
      responses: { 200: jsonResponse(userSchema), ...errorResponses },
    }),
    async (c) => c.json(await changePassword(ctxOf(c), c.req.valid('param').username, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{username}/disable',
      tags,
      security,
      summary: 'admin: disable an account; its web sessions end and its tokens are refused from now on',
      request: { params: userParam },
      responses: { 200: jsonResponse(userSchema), ...errorResponses },
    }),
    async (c) => c.json(await disableUser(ctxOf(c), c.req.valid('param').username), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{username}/enable',
      tags,
      security,
      summary: 'admin: enable a disabled account again (its tokens work again; ended sessions stay ended)',
      request: { params: userParam },
      responses: { 200: jsonResponse(userSchema), ...errorResponses },
    }),
    async (c) => c.json(await enableUser(ctxOf(c), c.req.valid('param').username), 200),
  );
