import { RunRequest } from '@benchrunner/core';
import { RunView } from '@benchrunner/queue';
import { z } from 'zod';
import type { ResponseContract, RouteContract, RouteGroup } from './contract.ts';
import { ErrorBody } from './errors.ts';
import { bisectionsApi } from './routes/bisections.ts';
import { detectApi } from './routes/detect.ts';
import { HistoryPoint, historyApi, SeriesInfo } from './routes/history.ts';
import { queueApi } from './routes/queue.ts';
import { RegressionSchema, regressionsApi } from './routes/regressions.ts';
import { RunAccepted, runsApi } from './routes/runs.ts';
import { systemApi } from './routes/system.ts';
import { webhooksApi } from './routes/webhooks.ts';

export { RegressionSchema };

/** Every route group the app mounts: the document lists exactly these routes. */
const GROUPS: RouteGroup[] = [
  runsApi,
  queueApi,
  historyApi,
  detectApi,
  regressionsApi,
  bisectionsApi,
  webhooksApi,
  systemApi,
];

/** Schemas documented once, by name, and referenced (`$ref`) wherever a route uses them. */
const INPUT_COMPONENTS: Record<string, z.ZodType> = { RunRequest };
const OUTPUT_COMPONENTS: Record<string, z.ZodType> = {
  RunAccepted,
  Run: RunView,
  Error: ErrorBody,
  Series: SeriesInfo,
  HistoryPoint,
  Regression: RegressionSchema,
};

const COMPONENT_URI = '#/components/schemas/';

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schemas of `components` and of `inline` schemas in one pass, so a component used inside an
 * inline schema becomes a `$ref`. Components are answered as `$ref`s, inline schemas in full.
 */
function convert(
  io: 'input' | 'output',
  components: Record<string, z.ZodType>,
  inline: z.ZodType[],
): { schemas: Record<string, JsonSchema>; of: (schema: z.ZodType) => JsonSchema } {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  for (const [id, schema] of Object.entries(components)) {
    registry.add(schema, { id });
    ids.set(schema, id);
  }
  for (const schema of inline) {
    if (ids.has(schema)) continue;
    const id = `inline-${ids.size}`;
    registry.add(schema, { id });
    ids.set(schema, id);
  }
  const converted = z.toJSONSchema(registry, {
    io,
    uri: (id) => `${COMPONENT_URI}${id}`,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }).schemas as Record<string, JsonSchema>;
  const bare = (id: string) => {
    const { $schema: _schema, $id: _id, ...schema } = converted[id]!;
    const refs = JSON.stringify(schema).match(/#\/components\/schemas\/inline-\d+/g);
    // Only components may be referenced: a schema used inside another one is a component.
    if (refs)
      throw new Error(`a route's schema nests another route's schema (${refs[0]}): make it a component`);
    return schema;
  };
  return {
    schemas: Object.fromEntries(Object.keys(components).map((id) => [id, bare(id)])),
    of: (schema) => {
      const id = ids.get(schema)!;
      return id in components ? { $ref: `${COMPONENT_URI}${id}` } : bare(id);
    },
  };
}

/** `/runs` + `/:id/logs` → `/runs/{id}/logs`; a group's root `/` is the prefix itself. */
function openApiPath(prefix: string, path: string): string {
  const joined = `${prefix}${path}`.replace(/(.)\/$/, '$1') || '/';
  return joined.replace(/:([A-Za-z_]+)/g, '{$1}');
}

/** Parameters of a route, from the zod objects its handler validates with. */
function parameters(route: RouteContract): object[] {
  const of = (schema: z.ZodObject | undefined, where: 'path' | 'query') => {
    if (!schema) return [];
    const required = new Set(
      (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }).required as string[] | undefined) ??
        [],
    );
    return Object.entries(schema.shape).map(([name, field]) => {
      const { $schema: _schema, ...json } = z.toJSONSchema(field as z.ZodType, {
        io: 'input',
        unrepresentable: 'any',
      }) as JsonSchema;
      return {
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof json.description === 'string' ? { description: json.description } : {}),
        schema: json,
      };
    });
  };
  return [...of(route.params, 'path'), ...of(route.query, 'query'), ...(route.moreParameters ?? [])];
}

function response(r: ResponseContract, of: (schema: z.ZodType) => JsonSchema) {
  if (r.kind === 'none') return { description: r.description };
  if (r.kind === 'html')
    return { description: r.description, content: { 'text/html': { schema: { type: 'string' } } } };
  return {
    description: r.description,
    content: {
      'application/json': { schema: r.schema ? of(r.schema) : { type: 'object' } },
      ...(r.orHtml ? { 'text/html': { schema: { type: 'string' } } } : {}),
    },
  };
}

/** OpenAPI 3.1, generated from the routes' contracts and the zod schemas the API validates with. */
export function openApiDocument(version: string) {
  const routes = GROUPS.flatMap((group) =>
    Object.values(group.routes).map((route) => ({ path: openApiPath(group.prefix, route.path), route })),
  );
  const input = convert(
    'input',
    INPUT_COMPONENTS,
    routes.flatMap(({ route }) => (route.body ? [route.body] : [])),
  );
  const output = convert(
    'output',
    OUTPUT_COMPONENTS,
    routes.flatMap(({ route }) =>
      Object.values(route.responses).flatMap((r) => (r.schema ? [r.schema] : [])),
    ),
  );
  const paths: Record<string, Record<string, object>> = {};
  for (const { path, route } of routes) {
    const params = parameters(route);
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.security ? { security: route.security } : {}),
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: !route.bodyOptional,
              content: { 'application/json': { schema: input.of(route.body) } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, r]) => [status, response(r, output.of)]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'benchrunner',
      version,
      description:
        'Enqueue and inspect benchmark runs. Every route needs `Authorization: Bearer <key>` unless marked public.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'Bull Board: any user name, an API key as the password',
        },
        githubSignature: { type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256' },
      },
      schemas: { ...input.schemas, ...output.schemas },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
