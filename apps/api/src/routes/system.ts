import { AdaptiveRepeats, Profiler } from '@benchrunner/core';
import { LaneProblem, LaneStatus } from '@benchrunner/queue';
import { z } from 'zod';
import { errors, ok, routeGroup } from '../contract.ts';
import { ErrorBody } from '../errors.ts';

/** The suite as `GET /benchmarks` shows it: what a caller may ask a run for, without commands or env. */
const SuiteSummary = z.object({
  project: z.string(),
  /** SHA-256 of the suite file: provisioning runs again when it changes. */
  suiteHash: z.string(),
  benchmarks: z.array(
    z.object({
      name: z.string(),
      description: z.string().optional(),
      /** Result format, or `auto`: detected from the content. */
      format: z.string(),
      fileSets: z.array(z.string()),
      profilers: z.array(Profiler),
      /** A fixed count, or adaptive bounds with the CI target (percent). */
      repeats: z.union([z.number().int().positive(), AdaptiveRepeats]),
      warmup: z.number().int().nonnegative(),
      timeoutSeconds: z.number().positive(),
    }),
  ),
});

/**
 * The routes app.ts serves itself: probes, the suite, the lanes, and the pages that other handlers
 * serve (the API documentation, Bull Board), described here for the document.
 */
export const systemApi = routeGroup('', {
  health: {
    method: 'get',
    path: '/health',
    summary: 'Liveness (public)',
    security: [],
    responses: {
      200: ok(
        'Alive',
        z.object({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number().int() }),
      ),
    },
  },
  ready: {
    method: 'get',
    path: '/ready',
    summary:
      'Readiness: Redis reachable (public); `degraded` lists lanes paused for a full or read-only disk',
    security: [],
    responses: {
      200: ok(
        'Ready',
        z.union([
          z.object({ status: z.literal('ready') }),
          z.object({
            status: z.literal('degraded'),
            lanes: z.array(LaneProblem.extend({ minion: z.string() })),
          }),
        ]),
      ),
      503: ok('Not ready; the reason says why', ErrorBody),
    },
  },
  benchmarks: {
    method: 'get',
    path: '/benchmarks',
    summary: 'The suite: benchmarks, file sets, profilers',
    responses: { 200: ok('The suite', SuiteSummary), ...errors },
  },
  minions: {
    method: 'get',
    path: '/minions',
    summary: "Each minion's lane: state, why a worker paused it, active run, queue length",
    responses: { 200: ok('Minions', z.object({ minions: z.array(LaneStatus) })), ...errors },
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document (public)',
    security: [],
    responses: { 200: ok('OpenAPI 3.1') },
  },
  docs: {
    method: 'get',
    path: '/docs',
    summary: 'API documentation UI, served offline (public)',
    security: [],
    responses: { 200: { description: 'HTML', kind: 'html' } },
  },
  ui: {
    method: 'get',
    path: '/ui',
    summary: 'Bull Board: lanes, runs, logs',
    security: [{ basic: [] }],
    responses: {
      200: { description: 'HTML', kind: 'html' },
      401: { description: 'Missing or wrong key', kind: 'none' },
    },
  },
});
