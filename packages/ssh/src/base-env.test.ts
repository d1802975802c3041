import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { baseEnvironment, shellBaseEnvironment } from './base-env.ts';

describe('baseEnvironment', () => {
  it('keeps PATH, HOME and locale, drops secrets and npm/pnpm variables and their PATH entries', () => {
    const env = baseEnvironment({
      PATH: './node_modules/.bin:/srv/app/node_modules/.bin:/usr/lib/node_modules/pnpm/dist/node-gyp-bin:/usr/local/bin:/usr/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      LC_TIME: 'en_GB.UTF-8',
      API_KEYS: 'secret',
      REDIS_URL: 'redis://:pw@host',
      npm_config_user_agent: 'pnpm/10',
      NODE_OPTIONS: '--require x',
    });
    expect(env).toEqual({
      PATH: '/usr/local/bin:/usr/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      LC_TIME: 'en_GB.UTF-8',
    });
  });
});

describe('shellBaseEnvironment', () => {
  it('gives env -i the set variables of the shell, values with spaces as one word, unset ones not at all', () => {
    const out = execFileSync('/bin/sh', ['-c', `exec env -i ${shellBaseEnvironment()} /usr/bin/env`], {
      env: { PATH: '/usr/bin:/bin', HOME: '/home/a b', SECRET: 'x', LC_ALL: 'C' },
    }).toString();
    expect(out.split('\n').filter(Boolean).sort()).toEqual([
      'HOME=/home/a b',
      'LC_ALL=C',
      'PATH=/usr/bin:/bin',
    ]);
  });
});
