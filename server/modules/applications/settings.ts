import { wholeSetting } from '../../env.js';

/**
 * The workflow's knobs, read with the shared config (`config.workflow`):
 *   WAIWANG_ACCEPT_WORKDAYS    working days from submission by which the reviewer accepts (受理),
 *                              default 5 (the cloud chapter's article 10 timeline)
 *   WAIWANG_REVIEW_WORKDAYS    working days from acceptance to the review opinion, default 15
 *                              (articles 15 and 19: 在 15 个工作日内提出审核意见)
 *   WAIWANG_REMIND_WORKDAYS    application.deadline_near goes out this many working days before
 *                              the running date, default 3
 *   WAIWANG_WORKFLOW_JOB_MS    how often the reminder job runs, default 600000 (10 minutes)
 */
export interface WorkflowSettings {
  acceptWorkdays: number;
  reviewWorkdays: number;
  remindWorkdays: number;
  jobIntervalMs: number;
}

export const defaultWorkflowSettings: WorkflowSettings = { acceptWorkdays: 5, reviewWorkdays: 15, remindWorkdays: 3, jobIntervalMs: 600_000 };

export function loadWorkflowSettings(env: NodeJS.ProcessEnv = process.env): WorkflowSettings {
  const whole = (name: string, fallback: number, min: number, max: number) => wholeSetting(env, name, fallback, min, max);
  return {
    acceptWorkdays: whole('WAIWANG_ACCEPT_WORKDAYS', defaultWorkflowSettings.acceptWorkdays, 1, 60),
    reviewWorkdays: whole('WAIWANG_REVIEW_WORKDAYS', defaultWorkflowSettings.reviewWorkdays, 1, 60),
    remindWorkdays: whole('WAIWANG_REMIND_WORKDAYS', defaultWorkflowSettings.remindWorkdays, 0, 30),
    jobIntervalMs: whole('WAIWANG_WORKFLOW_JOB_MS', defaultWorkflowSettings.jobIntervalMs, 1000, 86_400_000),
  };
}
