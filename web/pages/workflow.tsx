import type { Ctx } from '../../server/context.js';
import type { PageModule } from '../render.js';

/** Applications, reviews and agreements: filled in when the workflow verbs arrive. */
export async function WorkflowHome(_: { ctx: Ctx; csrf: string }) {
  return <></>;
}

export const workflowPages: PageModule = () => {};
