import type { Actor, Deps } from '../context.js';
import type { SessionInfo } from '../modules/access/sessions.js';

/** Hono's typed context: what middleware puts on every request. */
export type AppEnv = {
  Variables: {
    deps: Deps;
    actor: Actor;
    requestId: string;
    /** The web UI's session (web/session.ts), when the request carried a live session cookie. */
    session?: SessionInfo;
    /** A web form's fields, parsed once (web/session.ts formOf). */
    webForm?: Record<string, string>;
  };
};
