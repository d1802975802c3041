import { createRequire } from 'node:module';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);

/** The folder of swagger-ui-dist: the UI's assets come from the package, never from a CDN. */
function assetsDir(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>benchrunner API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', deepLinking: true, persistAuthorization: true });`;

/** `/docs`: Swagger UI over /openapi.json, fully offline. */
export function docsRoutes() {
  const app = new Hono();
  const root = path.relative(process.cwd(), assetsDir());
  app.get('/', (c) => c.html(PAGE));
  app.get('/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.use('/assets/*', serveStatic({ root, rewriteRequestPath: (p) => p.replace(/^\/docs\/assets/, '') }));
  return app;
}
