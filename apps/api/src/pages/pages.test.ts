import { describe, expect, it } from 'vitest';
import { esc, htmlPage, prefersHtml, webUrl } from './html.ts';
import { commitUrl } from './regression-page.ts';
import { lineChart } from './svg-chart.ts';

describe('page helpers', () => {
  it('gives HTML to browsers only, JSON to */*, JSON clients and no Accept', () => {
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml('application/json, text/html')).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml(undefined)).toBe(false);
  });

  it('escapes markup and links only to web URLs', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(webUrl('javascript:alert(1)')).toBeNull();
    expect(webUrl('https://github.com/o/r')).toBe('https://github.com/o/r');
    expect(commitUrl('https://github.com/o/r.git', 'abcdef1')).toBe('https://github.com/o/r/commit/abcdef1');
    expect(commitUrl('/srv/git/r', 'abcdef1')).toBeNull();
    expect(commitUrl('git@github.com:o/r.git', 'abcdef1')).toBeNull();
    expect(commitUrl('https://github.com/o/r', 'main"><script>')).toBeNull();
  });

  it("allows exactly the page's own style sheet", () => {
    const { csp } = htmlPage('t', 'body{color:red}', '');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(htmlPage('t', 'body{color:blue}', '').csp).not.toBe(csp);
  });

  it('draws a flat or single-point series with finite coordinates', () => {
    for (const points of [[{ value: 5, label: 'a' }], [1, 2, 3].map(() => ({ value: 7, label: 'x' }))]) {
      const svg = lineChart({ points, changeIndex: null, unit: 'ms', title: 't' });
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(svg.match(/<circle /g)).toHaveLength(points.length);
    }
  });
});
