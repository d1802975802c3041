import { RunView as RunViewSchema } from '@benchrunner/queue';
import { waitFor } from '@benchrunner/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { gate, type Harness, json, startHarness, startLaneWorker } from './harness.ts';

let h: Harness;
// biome-ignore lint/suspicious/noExplicitAny: the document is walked as plain JSON.
let doc: any;

beforeAll(async () => {
  h = await startHarness();
  const response = await h.app.request('/openapi.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  doc = await response.json();
});
afterAll(async () => {
  await h?.close();
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document as [method, path, operation]. */
// biome-ignore lint/suspicious/noExplicitAny: see doc.
function operations(): [string, string, any][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as object)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => [method, path, op] as [string, string, unknown]),
  );
}

function resolvePointer(ref: string): unknown {
  expect(ref.startsWith('#/'), ref).toBe(true);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function allRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) allRefs(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else allRefs(value, out);
    }
  }
  return out;
}

/** A validator for one component schema, with the document's other components resolvable. */
function componentValidator(name: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'doc', components: doc.components });
  return ajv.compile({ $ref: `doc#/components/schemas/${name}` });
}

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('resolves every $ref', () => {
    const refs = allRefs(doc);
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) expect(resolvePointer(ref), ref).toBeDefined();
  });

  it('describes every response and declares every path parameter', () => {
    for (const [method, path, op] of operations()) {
      const what = `${method.toUpperCase()} ${path}`;
      expect(op.summary, what).toEqual(expect.any(String));
      expect(Object.keys(op.responses).length, what).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(op.responses)) {
        expect((response as { description?: unknown }).description, `${what} ${status}`).toEqual(
          expect.any(String),
        );
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? [])
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string; required: boolean }) => {
          expect(p.required, `${what} ${p.name}`).toBe(true);
          return p.name;
        });
      expect(declared.sort(), what).toEqual(templated.sort());
    }
  });

  it('documents every route the app serves', () => {
    const documented = new Set(operations().map(([method, path]) => `${method.toUpperCase()} ${path}`));
    const served = new Set(
      h.app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}').replace(/(.)\/$/, '$1')}`)
        // Bull Board's and Swagger UI's own pages and assets are described by /ui and /docs.
        .filter((route) => !/ \/(ui|docs)\/.+/.test(route))
        // Bull Board is mounted for every method (app.all, beside its auth middleware): its page is GET /ui.
        .concat(h.app.routes.some((r) => r.method === 'ALL' && r.path === '/ui') ? ['GET /ui'] : []),
    );
    const missing = [...served].filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
    const stale = [...documented].filter((route) => !served.has(route));
    expect(stale).toEqual([]);
  });

  it("keeps the app's routes within Hono's RegExpRouter", async () => {
    // One route beyond it (Bull Board's, when merged with app.route) moves every request of the API
    // onto the TrieRouter, which cost POST /runs about a tenth of its throughput.
    await h.app.request('/health');
    expect(h.app.router.name).toBe('SmartRouter + RegExpRouter');
  });

  it('marks the public routes public and the others as needing a key', async () => {
    // With a webhook secret, so the signed webhook answers 401 to a missing signature (not 404).
    const app = createApp({ ...h.deps, webhookSecret: 'webhook-secret-0123456789' });
    for (const [method, path, op] of operations()) {
      const security = op.security ?? doc.security;
      const isPublic = Array.isArray(security) && security.length === 0;
      const concrete = path.replace('{id}', 'no-such-run');
      const response = await app.request(concrete, { method: method.toUpperCase() });
      const what = `${method.toUpperCase()} ${path}`;
      if (isPublic) expect(response.status, what).not.toBe(401);
      else expect(response.status, what).toBe(401);
    }
  });
});

describe('RunRequest schema', () => {
  const valid = [
    { commit: 'abc1234' },
    { commit: 'main', benchmarks: ['add'], profile: true, minion: 'local', tag: 'exp-1', priority: 'ci' },
    { commit: 'f'.repeat(40), benchmarks: [], profile: false, priority: 'nightly' },
    { commit: 'refs/pull/1/head', profile: { profilers: ['cpu-prof'], fileSets: ['One4MBFile'] } },
    { commit: 'abc1234', benchmarks: ['add', 'extract'], priority: 'bisect', minion: 'other' },
  ];
  const invalidByType = [
    {},
    { commit: 1 },
    { commit: 'abc1234', benchmarks: 'add' },
    { commit: 'abc1234', profile: 'yes' },
    { commit: 'abc1234', profile: { unknown: true } },
    { commit: 'abc1234', priority: 'urgent' },
    { commit: 'abc1234', extra: 1 },
    { commit: 'abc1234', tag: 'has space' },
    { commit: 'abc1234', minion: 'a:b' },
    { commit: 'abc1234', benchmarks: ['bad name'] },
  ];

  it('accepts every body POST /runs accepts', async () => {
    const validateRequest = componentValidator('RunRequest');
    for (const body of valid) {
      const response = await h.post('/runs', body);
      expect(response.status, JSON.stringify(body)).toBe(202);
      expect(
        validateRequest(body),
        `${JSON.stringify(body)}: ${JSON.stringify(validateRequest.errors)}`,
      ).toBe(true);
    }
  });

  it('rejects the bodies POST /runs rejects for their shape', async () => {
    const validateRequest = componentValidator('RunRequest');
    for (const body of invalidByType) {
      const response = await h.post('/runs', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(validateRequest(body), JSON.stringify(body)).toBe(false);
    }
  });
});

describe('Run schema', () => {
  it('matches real GET /runs/:id responses: waiting, active and completed', async () => {
    await h.reset();
    const validateRun = componentValidator('Run');
    const strict = RunViewSchema.strict();
    const check = (view: unknown) => {
      const parsed = strict.safeParse(view);
      expect(parsed.success, `${JSON.stringify(view)}\n${parsed.error?.message}`).toBe(true);
      expect(validateRun(view), JSON.stringify(validateRun.errors)).toBe(true);
    };

    const accepted = await json(
      await h.post('/runs', { commit: 'abc1234', benchmarks: ['add'], tag: 'main', profile: true }),
    );
    const validateAccepted = componentValidator('RunAccepted');
    expect(validateAccepted(accepted), JSON.stringify(validateAccepted.errors)).toBe(true);
    check(await json(await h.call(`/runs/${accepted.id}`)));

    const hold = gate();
    const ready = gate();
    const { worker } = startLaneWorker(h.plainConnection(), 'local', async (job) => {
      await job.log('running add');
      await job.updateProgress({ step: 'benchmarks', percent: 50, benchmark: 'add' });
      ready.open();
      await hold.promise;
      return {
        state: 'completed',
        archive: `/data/runs/${job.id}`,
        durationMs: 5,
        benchmarks: [{ name: 'add', status: 'passed', measures: { latency: { value: 1, unit: 'ns' } } }],
        profiles: 2,
        failed: 0,
      };
    });
    try {
      await ready.promise;
      const active = await json(await h.call(`/runs/${accepted.id}`));
      expect(active.state).toBe('active');
      check(active);
    } finally {
      const closing = worker.close();
      hold.open();
      await closing;
    }
    const done = await waitFor(async () => {
      const view = await json(await h.call(`/runs/${accepted.id}`));
      return view.state === 'completed' ? view : undefined;
    }, 'the run to complete');
    check(done);
    const list = await json(await h.call('/runs'));
    for (const run of list.runs) check(run);
  });

  it('matches the error shape of real error responses', async () => {
    const validateError = componentValidator('Error');
    for (const response of [
      await h.post('/runs', { commit: '$(x)' }),
      await h.call('/runs/no-such-run'),
      await h.app.request('/runs'),
      await h.post('/runs', '{'),
    ]) {
      const body = await json(response);
      expect(validateError(body), JSON.stringify(body)).toBe(true);
    }
  });
});

describe('route response schemas', () => {
  it('match real answers of the routes that declare them', async () => {
    await h.reset();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    // References inside the document's schemas point at the document's components.
    const check = async (path: string, method = 'get', init: RequestInit = {}) => {
      const response = await h.call(path, { ...init, method: method.toUpperCase() });
      const route = doc.paths[path.replace(/\?.*$/, '')][method];
      const schema = route.responses[String(response.status)].content['application/json'].schema;
      const validator = ajv.compile(
        JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"doc#/components')),
      );
      const body = await json(response);
      expect(
        validator(body),
        `${method} ${path}: ${JSON.stringify(body)} ${JSON.stringify(validator.errors)}`,
      ).toBe(true);
    };
    await check('/minions');
    await check('/benchmarks');
    await check('/ready');
    await check('/health');
    await h.post('/runs', { commit: 'abc1234' });
    await check('/runs');
    await check('/queue/pause', 'post');
    await check('/queue/resume', 'post');
    await check('/queue/drain', 'post');
  });
});
