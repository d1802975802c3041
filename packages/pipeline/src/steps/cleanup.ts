import type { KilledProcessRecord, RunManifest } from '@benchrunner/core';
import type { CleanupReport } from '@benchrunner/ssh';
import { removeMinionOutput } from './remove-output.ts';
import { type RunScope, tail } from './scope.ts';

/** Adds the processes a cleanup killed to the manifest and the log. */
export function recordKilled(
  scope: Pick<RunScope, 'log'>,
  manifest: Pick<RunManifest, 'killed'>,
  report: CleanupReport,
  when: KilledProcessRecord['when'],
): void {
  if (report.groups === 0 && report.processes.length === 0) return;
  manifest.killed = [...(manifest.killed ?? []), ...report.processes.map((p) => ({ when, ...p }))];
  const whose = when === 'cleanup' ? 'left by an earlier run' : 'left running by this run';
  scope.log(`killed ${report.groups} process group(s) ${whose}`);
  for (const p of report.processes) scope.log(`killed process ${p.pid} (${whose}): ${p.command}`);
}

/** Kills whatever an earlier run left running on the minion and removes its output. */
export async function cleanMinion(
  scope: Pick<RunScope, 'runner' | 'outRoot' | 'signal' | 'log'>,
  manifest: Pick<RunManifest, 'killed'>,
): Promise<void> {
  recordKilled(scope, manifest, await scope.runner.killProcessGroups(), 'cleanup');
  const result = await removeMinionOutput(scope);
  if (result.exitCode !== 0) throw new Error(`cannot clean ${scope.outRoot}: ${tail(result)}`);
}
