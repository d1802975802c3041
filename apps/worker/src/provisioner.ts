import {
  MINION_PLAYBOOK,
  needsProvisioning,
  runPlaybook,
  suiteContentHash,
  suiteDirOnMinion,
} from '@benchrunner/ansible';
import type { Logger, Minion } from '@benchrunner/core';
import type { Provisioner } from '@benchrunner/pipeline';

/**
 * Provisioning of an SSH minion with Ansible: needed when the suite folder's content hash differs
 * from the one the minion recorded at its last provisioning.
 */
export function ansibleProvisioner(
  minion: Extract<Minion, { kind: 'ssh' }>,
  options: { logger: Logger; playbook?: string; timeoutMs?: number },
): Provisioner {
  return {
    async needed(runner, suite) {
      const hash = await suiteContentHash(suite.dir);
      return (await needsProvisioning(runner, hash))
        ? `the suite's content (hash ${hash.slice(0, 12)}) is not installed on ${minion.name}`
        : null;
    },
    async provision(_runner, suite, { signal, log }) {
      const hash = await suiteContentHash(suite.dir);
      log(`ansible-playbook ${options.playbook ?? MINION_PLAYBOOK} on ${minion.name}`);
      const result = await runPlaybook({
        playbook: options.playbook ?? MINION_PLAYBOOK,
        minion,
        extraVars: {
          benchrunner_suite_src: suite.dir,
          benchrunner_suite_hash: hash,
          benchrunner_work_dir: minion.workDir,
        },
        signal,
        timeoutMs: options.timeoutMs ?? 30 * 60_000,
        logger: options.logger,
      });
      for (const task of result.tasks) {
        const status = task.failed
          ? task.ignored
            ? 'failed (ignored)'
            : 'failed'
          : task.skipped
            ? 'skipped'
            : task.changed
              ? 'changed'
              : 'ok';
        log(
          `[ansible] ${task.task}: ${status}${task.msg && (task.failed || task.ignored) ? ` - ${task.msg}` : ''}`,
        );
      }
      log(`provisioned ${minion.name} in ${Math.round(result.durationMs / 100) / 10} s`);
    },
    suiteDir: (runner) => suiteDirOnMinion(runner.workDir),
  };
}
