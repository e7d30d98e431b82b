import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import {
  createDeviceInput,
  createLinkInput,
  createRoomInput,
  deviceSchema,
  linkSchema,
  listDevicesQuery,
  listLinksQuery,
  listRoomsQuery,
  roomSchema,
  targetsQuery,
  targetsSchema,
  updateDeviceInput,
  updateLinkInput,
  updateRoomInput,
} from './inputs.js';
import { createDevice, deleteDevice, getDevice, listDevices, updateDevice } from './service/devices.js';
import { createLink, deleteLink, getLink, listLinks, updateLink } from './service/links.js';
import { createRoom, deleteRoom, getRoom, listRooms, updateRoom } from './service/rooms.js';
import { agentTargets } from './service/targets.js';

const deleted = { 204: { description: 'deleted' }, ...errorResponses };

export const siteRoutes = router()
  // rooms
  .openapi(
    createRoute({ method: 'get', path: '/rooms', tags: ['sites'], security, request: { query: listRoomsQuery }, responses: { 200: jsonResponse(listOf(roomSchema)), ...errorResponses } }),
    async (c) => c.json(await listRooms(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/rooms',
      tags: ['sites'],
      security,
      summary: 'register a node machine room (节点机房) of a region, city or county division',
      request: jsonBody(createRoomInput),
      responses: { 201: jsonResponse(roomSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createRoom(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/rooms/{id}', tags: ['sites'], security, request: { params: idParam }, responses: { 200: jsonResponse(roomSchema), ...errorResponses } }),
    async (c) => c.json(await getRoom(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/rooms/{id}',
      tags: ['sites'],
      security,
      request: { params: idParam, ...jsonBody(updateRoomInput) },
      responses: { 200: jsonResponse(roomSchema), ...errorResponses },
    }),
    async (c) => c.json(await updateRoom(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/rooms/{id}', tags: ['sites'], security, summary: 'delete an empty machine room', request: { params: idParam }, responses: deleted }),
    async (c) => {
      await deleteRoom(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  // devices
  .openapi(
    createRoute({ method: 'get', path: '/devices', tags: ['sites'], security, request: { query: listDevicesQuery }, responses: { 200: jsonResponse(listOf(deviceSchema)), ...errorResponses } }),
    async (c) => c.json(await listDevices(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/devices',
      tags: ['sites'],
      security,
      summary: 'register a device with its interfaces; credentials are write-only',
      request: jsonBody(createDeviceInput),
      responses: { 201: jsonResponse(deviceSchema, 'created (with warnings for addresses the registry does not know)'), ...errorResponses },
    }),
    async (c) => c.json(await createDevice(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/devices/{id}', tags: ['sites'], security, request: { params: idParam }, responses: { 200: jsonResponse(deviceSchema), ...errorResponses } }),
    async (c) => c.json(await getDevice(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/devices/{id}',
      tags: ['sites'],
      security,
      summary: 'change a device; `interfaces` is the complete set; credential fields replace the stored credential',
      request: { params: idParam, ...jsonBody(updateDeviceInput) },
      responses: { 200: jsonResponse(deviceSchema), ...errorResponses },
    }),
    async (c) => c.json(await updateDevice(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/devices/{id}', tags: ['sites'], security, summary: 'delete a device that ends no link', request: { params: idParam }, responses: deleted }),
    async (c) => {
      await deleteDevice(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  // links
  .openapi(
    createRoute({ method: 'get', path: '/links', tags: ['sites'], security, request: { query: listLinksQuery }, responses: { 200: jsonResponse(listOf(linkSchema)), ...errorResponses } }),
    async (c) => c.json(await listLinks(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/links',
      tags: ['sites'],
      security,
      summary: 'register a link between two devices’ interfaces; A is the upper-level end',
      request: jsonBody(createLinkInput),
      responses: { 201: jsonResponse(linkSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createLink(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/links/{id}', tags: ['sites'], security, request: { params: idParam }, responses: { 200: jsonResponse(linkSchema), ...errorResponses } }),
    async (c) => c.json(await getLink(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/links/{id}',
      tags: ['sites'],
      security,
      summary: 'change a link; raising capacityMbps fulfils an approved expansion',
      request: { params: idParam, ...jsonBody(updateLinkInput) },
      responses: { 200: jsonResponse(linkSchema), ...errorResponses },
    }),
    async (c) => c.json(await updateLink(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/links/{id}', tags: ['sites'], security, request: { params: idParam }, responses: deleted }),
    async (c) => {
      await deleteLink(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  // agents
  .openapi(
    createRoute({
      method: 'get',
      path: '/agent/targets',
      tags: ['agents'],
      security,
      summary: 'for role agent: its devices, interfaces to read and the credentials of its own method; audited',
      request: { query: targetsQuery },
      responses: { 200: jsonResponse(targetsSchema), ...errorResponses },
    }),
    async (c) => c.json(await agentTargets(ctxOf(c), c.req.valid('query')), 200),
  );
