import type { Actor, Deps } from '../context.js';

/** Hono's typed context: what middleware puts on every request. */
export type AppEnv = {
  Variables: {
    deps: Deps;
    actor: Actor;
    requestId: string;
  };
};
