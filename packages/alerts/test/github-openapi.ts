import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { Received } from './receiver.ts';

type Json = Record<string, unknown>;

interface Operation {
  parameters?: Json[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Json }> };
}

/** GitHub's published description of api.github.com, from @octokit/openapi. */
function loadSpec(): Json {
  const pkg = createRequire(import.meta.url).resolve('@octokit/openapi/package.json');
  return JSON.parse(readFileSync(path.join(path.dirname(pkg), 'generated', 'api.github.com.json'), 'utf8'));
}

/** A schema with every `$ref` into `#/components/...` replaced by what it points to. */
function inline(spec: Json, node: unknown, depth = 0): unknown {
  if (depth > 30) throw new Error('schema nested too deep');
  if (Array.isArray(node)) return node.map((n) => inline(spec, n, depth + 1));
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as Json).$ref;
  if (typeof ref === 'string') {
    let target: unknown = spec;
    for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Json)[part];
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    return inline(spec, target, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(spec, v, depth + 1)]));
}

/**
 * Checks requests against GitHub's OpenAPI description: the method and path name an operation,
 * path and query parameters are declared and match their schemas, and the JSON body matches the
 * operation's requestBody schema. Returns the problems (empty when the request is valid).
 */
export function githubChecker(basePath = '') {
  const spec = loadSpec();
  const paths = spec.paths as Record<string, Record<string, Operation>>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, coerceTypes: false });
  const templates = Object.keys(paths).map((template) => ({
    template,
    literal: template.split('/').filter((s) => s && !s.startsWith('{')).length,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
    names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string),
  }));

  const valid = (schema: unknown, value: unknown, where: string, problems: string[]) => {
    const validate = ajv.compile(schema as Json);
    if (!validate(value)) problems.push(`${where}: ${ajv.errorsText(validate.errors)}`);
  };

  return (request: Received): string[] => {
    const problems: string[] = [];
    const url = new URL(request.path, 'http://localhost');
    if (!url.pathname.startsWith(basePath)) return [`path ${url.pathname} is not under ${basePath}`];
    const pathname = url.pathname.slice(basePath.length);
    const method = request.method.toLowerCase();
    const match = templates
      .filter((t) => t.pattern.test(pathname) && paths[t.template]?.[method])
      .sort((a, b) => b.literal - a.literal)[0];
    if (!match) return [`${request.method} ${pathname}: no such operation in GitHub's API`];
    const operation = paths[match.template]![method]!;
    const parameters = (operation.parameters ?? []).map((p) => inline(spec, p) as Json);
    const values = match.pattern.exec(pathname)!.slice(1);
    match.names.forEach((name, i) => {
      const declared = parameters.find((p) => p.in === 'path' && p.name === name);
      const raw = decodeURIComponent(values[i] ?? '');
      if (!declared) problems.push(`path parameter ${name} is not declared`);
      else {
        const schema = declared.schema as Json;
        valid(
          schema,
          schema.type === 'integer' && /^\d+$/.test(raw) ? Number(raw) : raw,
          `path ${name}`,
          problems,
        );
      }
    });
    for (const [name, raw] of url.searchParams) {
      const declared = parameters.find((p) => p.in === 'query' && p.name === name);
      if (!declared) problems.push(`query parameter ${name} is not declared`);
      else {
        const schema = declared.schema as Json;
        valid(
          schema,
          schema.type === 'integer' && /^\d+$/.test(raw) ? Number(raw) : raw,
          `query ${name}`,
          problems,
        );
      }
    }
    const content = operation.requestBody?.content['application/json'];
    if (request.body === '') {
      if (operation.requestBody?.required) problems.push('requestBody is required');
    } else if (!content) {
      problems.push('the operation takes no JSON body');
    } else {
      let body: unknown;
      try {
        body = JSON.parse(request.body);
      } catch {
        problems.push('body is not JSON');
      }
      if (body !== undefined) valid(inline(spec, content.schema), body, 'body', problems);
      if (request.headers['content-type'] !== 'application/json') problems.push('content-type is not JSON');
    }
    if (!String(request.headers.authorization ?? '').startsWith('Bearer ')) problems.push('no bearer token');
    if (request.headers['x-github-api-version'] !== '2022-11-28') problems.push('no X-GitHub-Api-Version');
    return problems;
  };
}
