import { describe, expect, it } from 'vitest';
import { regression } from '../test/regressions.ts';
import { commitStatusOf, repositoryFromUrl } from './github.ts';

describe('repositoryFromUrl', () => {
  it('reads owner/name from https, ssh and scp-like URLs, GitHub Enterprise hosts included', () => {
    expect(repositoryFromUrl('https://github.com/acme/widgets.git')).toBe('acme/widgets');
    expect(repositoryFromUrl('https://github.com/acme/widgets')).toBe('acme/widgets');
    expect(repositoryFromUrl('https://ghe.example.org/acme/widgets.git/')).toBe('acme/widgets');
    expect(repositoryFromUrl('ssh://git@github.com/acme/widgets.git')).toBe('acme/widgets');
    expect(repositoryFromUrl('git@github.com:acme/widgets.git')).toBe('acme/widgets');
  });

  it('gives null for paths, file URLs and deeper paths', () => {
    expect(repositoryFromUrl('..')).toBeNull();
    expect(repositoryFromUrl('/srv/git/widgets')).toBeNull();
    expect(repositoryFromUrl('file:///srv/acme/widgets.git')).toBeNull();
    expect(repositoryFromUrl('https://gitlab.example.org/group/sub/widgets.git')).toBeNull();
  });
});

describe('commitStatusOf', () => {
  const state = (over: Parameters<typeof regression>[0]) =>
    commitStatusOf({ regression: regression(over), previous: null }).state;

  it('is pending while unconfirmed, failure for a confirmed regression, success otherwise', () => {
    expect(state({ status: 'suspected' })).toBe('pending');
    expect(state({ status: 'confirming' })).toBe('pending');
    expect(state({ status: 'confirmed' })).toBe('failure');
    expect(state({ status: 'confirmed', kind: 'improvement' })).toBe('success');
    expect(state({ status: 'noise' })).toBe('success');
    expect(state({ status: 'fixed' })).toBe('success');
  });

  it('keeps the description within 140 characters and the context within 100', () => {
    const r = regression();
    const long = { ...r, series: { ...r.series, result: 'r'.repeat(300) } };
    const status = commitStatusOf({ regression: long, previous: null }, 'https://x.example/regressions/1');
    expect(status.description.length).toBeLessThanOrEqual(140);
    expect(status.context.length).toBeLessThanOrEqual(100);
    expect(status.target_url).toBe('https://x.example/regressions/1');
  });
});
