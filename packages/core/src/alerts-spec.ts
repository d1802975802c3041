import { z } from 'zod';

/** Statuses of a regression record (see the results database). */
export const AlertStatus = z.enum(['suspected', 'confirming', 'confirmed', 'noise', 'acknowledged', 'fixed']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** A GitHub repository as `owner/name`. */
export const GitHubRepository = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'must be "owner/name"');

/**
 * A suite's alert settings (all optional; the channels themselves and their secrets are configured
 * by the worker's environment): which statuses of a regression record are sent, and which of the
 * configured channels this suite uses.
 */
export const AlertsSpec = z
  .object({
    /** Statuses that are sent when a record reaches them; default `confirmed` and `fixed`. */
    on: z.array(AlertStatus).min(1).optional(),
    /** `false`: this suite sends nothing to the generic webhook. */
    webhook: z.boolean().optional(),
    /** `false`: this suite sends nothing to Slack. */
    slack: z.boolean().optional(),
    /** `false`: no GitHub statuses or comments for this suite. */
    github: z
      .union([
        z.literal(false),
        z
          .object({
            /** `owner/name`; default: the webhook's repository, else the target's URL. */
            repository: GitHubRepository.optional(),
            /** A commit status on the first bad commit of each record; default true. */
            statuses: z.boolean().optional(),
            /** One comment per pull request with its report, updated in place; default true. */
            pullRequests: z.boolean().optional(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();
export type AlertsSpec = z.infer<typeof AlertsSpec>;
