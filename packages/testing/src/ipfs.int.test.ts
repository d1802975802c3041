import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startIpfs } from './ipfs.ts';

describe('startIpfs', () => {
  it('starts an offline js-ipfs daemon whose CLI and cat work, and removes its repo on stop', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ipfs-fixture-'));
    const ipfs = await startIpfs();
    try {
      const version = await fetch(`${ipfs.apiUrl}/api/v0/version`, { method: 'POST' });
      expect(((await version.json()) as { Version: string }).Version).toBe('0.18.1');
      await writeFile(path.join(dir, 'hello.txt'), 'hello benchrunner\n');
      const cid = (
        await ipfs.exec([
          'add',
          '--cid-version=1',
          '--raw-leaves',
          '--cid-base=base32',
          '--quieter',
          path.join(dir, 'hello.txt'),
        ])
      ).trim();
      expect(cid).toMatch(/^bafk/);
      expect((await ipfs.cat(cid)).toString()).toBe('hello benchrunner\n');
      await expect(ipfs.cat('bafkreinotacid')).rejects.toThrow(/ipfs cat/);
    } finally {
      await ipfs.stop();
      await rm(dir, { recursive: true, force: true });
    }
    await expect(access(ipfs.repoPath)).rejects.toThrow();
    await expect(fetch(`${ipfs.apiUrl}/api/v0/version`, { method: 'POST' })).rejects.toThrow();
  });
});
