import { describe, expect, it } from 'vitest';
import { redactUrl } from './urls.ts';

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://bench:s3cret@db:5432/results')).toBe('postgres://bench:***@db:5432/results');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('never echoes an unparseable value, which may hold a secret', () => {
    expect(redactUrl('not a url with s3cret')).toBe('(unparseable URL)');
  });
});
