import { describe, expect, it } from 'vitest';
import { GitRevision, gitRevisionProblem, MinionName, Tag } from './names.ts';

describe('GitRevision', () => {
  it.each(['0123abc', 'a'.repeat(40), 'main', 'release/1.2', 'refs/pull/12/head', 'HEAD', 'v1.0.0-rc.1'])(
    'accepts %s',
    (rev) => {
      expect(gitRevisionProblem(rev)).toBeUndefined();
      expect(GitRevision.safeParse(rev).success).toBe(true);
    },
  );

  it.each([
    '$(touch /tmp/pwned)',
    ';rm -rf /',
    '`id`',
    '--upload-pack=x',
    '-x',
    'a..b',
    'a b',
    'main\nrm',
    "it's",
    'a"b',
    '/main',
    'main/',
    'main.lock',
    'main.',
    '.hidden',
    'x//y',
    'a@{1}',
    'a~1',
    'a^',
    '',
    'x'.repeat(201),
  ])('rejects %j', (rev) => {
    expect(GitRevision.safeParse(rev).success).toBe(false);
  });
});

describe('names', () => {
  it('keeps ":" out of minion names, because they become BullMQ queue names', () => {
    expect(MinionName.safeParse('bench-1.lab').success).toBe(true);
    expect(MinionName.safeParse('a:b').success).toBe(false);
    expect(MinionName.safeParse('-a').success).toBe(false);
  });

  it('allows branch-like tags and nothing a shell reads specially', () => {
    expect(Tag.safeParse('feature/fast-add').success).toBe(true);
    for (const bad of ['$(x)', 'a b', '`x`', 'a;b', 'a\nb', "a'b"])
      expect(Tag.safeParse(bad).success).toBe(false);
  });
});
