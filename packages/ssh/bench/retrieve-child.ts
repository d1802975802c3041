// Child process of transfer.ts: retrieves one directory over SshRunner and prints its peak RSS,
// so the measurement covers only the retrieval (not the bench's own setup).
import type { Minion } from '@benchrunner/core';
import { SshRunner } from '../src/ssh-runner.ts';

const [minionJson, remoteDir, localDir] = process.argv.slice(2);
if (!minionJson || !remoteDir || !localDir)
  throw new Error('usage: retrieve-child.ts MINION_JSON REMOTE LOCAL');
const runner = await SshRunner.connect(JSON.parse(minionJson) as Minion);
const started = Date.now();
const stats = await runner.getDirectory(remoteDir, localDir);
await runner.close();
console.log(
  JSON.stringify({ ...stats, ms: Date.now() - started, maxRssBytes: process.resourceUsage().maxRSS * 1024 }),
);
