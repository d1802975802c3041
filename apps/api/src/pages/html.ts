import { createHash } from 'node:crypto';
import { escapeHtml } from '@benchrunner/core';
import type { Context } from 'hono';

/** Any value as text made safe for HTML content and quoted attribute values. */
export function esc(value: unknown): string {
  return escapeHtml(String(value));
}

/** True when the client asks for HTML before JSON (a browser), false for `*\/*` or JSON. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  const html = types.indexOf('text/html');
  const json = types.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

/** A link target only when it is a web URL: never `javascript:` or a local path. */
export function webUrl(url: string): string | null {
  return /^https?:\/\/[^\s"'<>]+$/i.test(url) ? url : null;
}

/**
 * A page's HTML with the Content-Security-Policy that lets it run nothing and load nothing but its
 * own style sheet (by hash) and a data: icon: no script, no request leaves for another origin.
 */
export function htmlPage(title: string, style: string, body: string): { html: string; csp: string } {
  const hash = createHash('sha256').update(style).digest('base64');
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${hash}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
${body}
</body>
</html>
`;
  return { html, csp };
}

/** Answers a page from {@link htmlPage} with its policy, and says the answer depends on `Accept`. */
export function pageResponse(c: Context, page: { html: string; csp: string }) {
  c.header('content-security-policy', page.csp);
  c.header('x-content-type-options', 'nosniff');
  c.header('vary', 'Accept');
  return c.html(page.html);
}
