import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createGitRepository, type GitRepoFixture } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, GitMirror, mirrorDir, UnknownRefError } from '../src/index.ts';

const run = promisify(execFile);
let repo: GitRepoFixture;
let root: string;

beforeAll(async () => {
  repo = await createGitRepository();
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-mirror-'));
});
afterAll(async () => {
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

function mirrorOf(location: string, options: Partial<ConstructorParameters<typeof GitMirror>[0]> = {}) {
  return new GitMirror({ location, dir: mirrorDir(path.join(root, 'git'), location), ...options });
}

describe('GitMirror against a real repository', () => {
  it('resolves branches, tags and shas to full shas and knows which refs are branches', async () => {
    const mirror = mirrorOf(repo.dir);
    const { sha } = repo;
    expect(await mirror.resolve('main')).toMatchObject({ commit: { sha: sha.C }, branch: 'main' });
    expect(await mirror.resolve('refs/heads/feature')).toMatchObject({
      commit: { sha: sha.F2 },
      branch: 'feature',
    });
    expect(await mirror.resolve('topic')).toMatchObject({ commit: { sha: sha.D }, branch: 'topic' });
    const v1 = await mirror.resolve('v1');
    expect(v1.commit.sha).toBe(sha.B);
    expect(v1.branch).toBeUndefined();
    // An annotated tag resolves to its commit, not to the tag object.
    expect((await mirror.resolve('v2')).commit.sha).toBe(sha.M);
    expect((await mirror.resolve(sha.F1.slice(0, 8))).commit.sha).toBe(sha.F1);
    expect((await mirror.resolve(sha.A)).commit.sha).toBe(sha.A);
  });

  it('records parents, subject, author, author time and first-parent depth across a merge', async () => {
    const mirror = mirrorOf(repo.dir);
    const { sha } = repo;
    const merge = (await mirror.resolve('v2')).commit;
    expect(merge).toEqual({
      sha: sha.M,
      parents: [sha.B, sha.F2],
      subject: 'M: merge feature',
      author: 'Ada Tester',
      authorTime: '2026-01-01T04:00:00.000Z',
      firstParentDepth: 2,
    });
    const depth = async (ref: string) => (await mirror.resolve(ref)).commit.firstParentDepth;
    // main's first-parent chain is A B M C: the feature commits are not on it.
    expect([await depth(sha.A), await depth(sha.B), await depth(sha.M), await depth(sha.C)]).toEqual([
      0, 1, 2, 3,
    ]);
    expect([await depth(sha.F1), await depth(sha.F2), await depth(sha.D)]).toEqual([2, 3, 4]);
    expect(await mirror.firstParentLog('main', 10)).toEqual([sha.C, sha.M, sha.B, sha.A]);
    expect(await mirror.firstParentLog('topic', 2)).toEqual([sha.D, sha.C]);
  });

  it('fetches again for a name once the last fetch is stale, and for a sha it has not seen', async () => {
    let now = 1_000_000;
    const mirror = mirrorOf(repo.dir, { freshMs: 10_000, now: () => now });
    expect((await mirror.resolve('main')).commit.sha).toBe(repo.sha.C);
    const next = await repo.commit('main', 'E: pushed later');
    try {
      // Within freshMs the branch is taken from the last fetch.
      expect((await mirror.resolve('main')).commit.sha).toBe(repo.sha.C);
      // An unseen sha is fetched for at once when the last fetch is stale.
      now += 10_000;
      expect((await mirror.resolve(next)).commit).toMatchObject({ sha: next, parents: [repo.sha.C] });
      now += 10_000;
      expect((await mirror.resolve('main')).commit.sha).toBe(next);
    } finally {
      repo.git('reset', '--quiet', '--hard', repo.sha.C);
    }
  });

  it('rejects unknown and hostile refs without running anything', async () => {
    const mirror = mirrorOf(repo.dir);
    const sentinel = path.join(root, 'pwned');
    const hostile = [
      'no-such-branch',
      'main; rm -rf /',
      '$(id)',
      '`id`',
      `--upload-pack=touch ${sentinel}`,
      `--output=${sentinel}`,
      '-q',
      'main^{tree}',
      'deadbeef',
    ];
    for (const ref of hostile) {
      const error = await mirror.resolve(ref).catch((e: unknown) => e);
      expect(error, ref).toBeInstanceOf(UnknownRefError);
      expect((error as Error).message).toContain(`unknown ref "${ref}"`);
    }
    expect(existsSync(sentinel)).toBe(false);
    await expect(mirror.firstParentLog('--all', 5)).rejects.toBeInstanceOf(UnknownRefError);
  });

  it('fetches file:// URLs', async () => {
    const mirror = mirrorOf(`file://${repo.dir}`);
    expect((await mirror.resolve('main')).commit.sha).toBe(repo.sha.C);
  });

  it('fails clearly for a missing repository and for a folder that is not git', async () => {
    const missing = path.join(root, 'does-not-exist');
    await expect(mirrorOf(missing).resolve('main')).rejects.toThrow(
      new RegExp(`cannot fetch ${missing}: .*(does not appear to be a git repository|not found)`),
    );
    const plain = path.join(root, 'plain-folder');
    await mkdir(plain, { recursive: true });
    await writeFile(path.join(plain, 'README'), 'not a repository\n');
    const error = await mirrorOf(plain)
      .resolve('main')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as Error).message).toMatch(/cannot fetch .*plain-folder: .*not .*git repository/);
  });

  it('fails clearly for an http URL that serves no git repository, and for one that asks for credentials', async () => {
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/private')) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      } else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a web page</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await expect(mirrorOf(`http://127.0.0.1:${port}/page.git`).resolve('main')).rejects.toThrow(
        /cannot fetch http:\/\/127\.0\.0\.1:\d+\/page\.git: it has no branches or tags \(is it a git repository\?\)/,
      );
      // No prompt: git gives up at once instead of waiting for a user name.
      const started = Date.now();
      await expect(mirrorOf(`http://127.0.0.1:${port}/private/repo.git`).resolve('main')).rejects.toThrow(
        /cannot fetch .*private\/repo\.git: .*(terminal prompts disabled|Authentication failed|could not read Username)/,
      );
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      server.close();
    }
  });

  it('kills a fetch that hangs after its timeout, without prompting', async () => {
    // A TCP server that accepts and never says a word: ssh waits for its banner forever.
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const mirror = mirrorOf(`ssh://git@127.0.0.1:${port}/repo.git`, { fetchTimeoutMs: 3000 });
      const started = Date.now();
      await expect(mirror.resolve('main')).rejects.toThrow(/timed out after 3000 ms/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});

describe('GitMirror shared by two processes', () => {
  it('stays valid while the API and a worker fetch it at once', async () => {
    const source = await createGitRepository();
    try {
      const dir = mirrorDir(path.join(root, 'shared'), source.dir);
      const tsx = path.resolve(import.meta.dirname, '../node_modules/.bin/tsx');
      const script = path.resolve(import.meta.dirname, 'fetch-loop.ts');
      const rounds = '20';
      // Without the flock around fetch, one of them fails with "cannot lock ref 'refs/heads/main'".
      const children = [1, 2].map(() =>
        run(tsx, [script, source.dir, dir, rounds], { timeout: 240_000 }).then(
          ({ stdout }) => stdout.trim(),
          (error: Error) => error.message,
        ),
      );
      // Meanwhile the repository moves on, so the fetches have objects to write.
      const mirror = new GitMirror({ location: source.dir, dir, freshMs: 0 });
      let last = source.sha.C;
      for (let i = 0; i < 15; i++) {
        last = await source.commit('main', `concurrent ${i}`);
        await mirror.fetch();
      }
      expect(await Promise.all(children)).toEqual([`ok ${rounds}`, `ok ${rounds}`]);
      await mirror.fsck();
      await mirror.fetch();
      expect((await mirror.resolve('main')).commit.sha).toBe(last);
      expect((await mirror.resolve('main')).commit.firstParentDepth).toBe(3 + 15);
    } finally {
      await source.stop();
    }
  });
});
