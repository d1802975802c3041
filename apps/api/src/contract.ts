import type { Handler, Hono } from 'hono';
import { z } from 'zod';
import { ErrorBody } from './errors.ts';

/**
 * A route's contract: its method and path, what it takes and what it answers. The route is
 * registered from it (`on`) and the OpenAPI document is generated from it (openapi.ts), so the two
 * cannot drift apart. The handler validates with the same schemas (`validate(route.query, ...)`).
 */
export interface RouteContract<P extends string = string> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Hono path within its group, e.g. `/:id/logs`. */
  path: P;
  summary: string;
  description?: string;
  /** `[]`: public. Unset: the bearer key. */
  security?: Record<string, string[]>[];
  /** Path parameters (documented as required). */
  params?: z.ZodObject;
  /** Query parameters, documented from the schema the handler validates with. */
  query?: z.ZodObject;
  /** Parameters a zod object cannot say (e.g. a `deepObject`), as OpenAPI parameter objects. */
  moreParameters?: object[];
  /** A JSON request body. */
  body?: z.ZodType;
  /** The body may be left out (an empty body reads as `{}`). */
  bodyOptional?: boolean;
  responses: Record<number, ResponseContract>;
}

export interface ResponseContract {
  description: string;
  /** The JSON body; unset: any JSON object. */
  schema?: z.ZodType;
  /** `html`: an HTML page; `none`: no body described. Default: JSON. */
  kind?: 'json' | 'html' | 'none';
  /** JSON, or an HTML page for a client that prefers `text/html` (a browser). */
  orHtml?: boolean;
}

/** The routes one `app.route(prefix, ...)` mounts. */
export interface RouteGroup {
  /** Where the group is mounted (`app.route(prefix, ...)`); '' for the root. */
  prefix: string;
  routes: Record<string, RouteContract>;
}

/** Declares a route group; `as const` keeps each path's literal type for the handler's params. */
export function routeGroup<const R extends Record<string, RouteContract>>(
  prefix: string,
  routes: R,
): { prefix: string; routes: R } {
  return { prefix, routes };
}

/** Registers `handler` for the route's method and path. */
export function on<P extends string>(
  app: Hono,
  route: RouteContract<P>,
  // biome-ignore lint/suspicious/noExplicitAny: Hono's own Env default, as app.get takes it.
  handler: Handler<any, P>,
): void {
  app.on(route.method.toUpperCase(), route.path, handler);
}

/** JSON body of a response: one description per status. */
export const ok = (description: string, schema?: z.ZodType): ResponseContract =>
  schema ? { description, schema } : { description };

/** The errors every route that needs a key and reads Redis may answer. */
export const errors = {
  400: ok('Invalid input; `details` names each field', ErrorBody),
  401: ok('Missing or wrong API key', ErrorBody),
  503: ok('Redis (or the target repository) is not reachable; retry later', ErrorBody),
};

/** The errors of routes that read the results database, which answer 503 when it is down. */
export const resultsErrors = {
  ...errors,
  503: ok('The results database is not reachable; retry later', ErrorBody),
};

/** The path parameter `id` of routes under `/:id`. */
export const IdParam = z.object({ id: z.string() });
