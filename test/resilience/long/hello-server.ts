// The baseline of the load run (load.test.ts): the smallest Hono app on @hono/node-server, the
// same stack as the registry without its middleware, routes and database. PORT from the environment.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono().get('/hello', (c) => c.json({ hello: 'world' }));
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () => process.stdout.write('hello-world listening\n'));
