import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger, Minion } from '@benchrunner/core';
import type { CommandRunner } from '@benchrunner/ssh';
import { type PlaybookResult, runPlaybook } from './playbook.ts';
import { needsProvisioning, suiteContentHash } from './suite-hash.ts';

/** The minion playbook of this repository (infrastructure/ansible/playbooks/minion.yaml). */
export const MINION_PLAYBOOK = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../infrastructure/ansible/playbooks/minion.yaml',
);

export interface ProvisionOptions {
  minion: Extract<Minion, { kind: 'ssh' }>;
  /** A connected runner on the same minion, to read the installed suite's hash. */
  runner: CommandRunner;
  /** The suite's folder on the controller. */
  suiteDir: string;
  /** Provision even when the hashes match. */
  force?: boolean;
  playbook?: string;
  /** More extra vars for the playbook (e.g. benchrunner_install_profilers: false). */
  extraVars?: Record<string, unknown>;
  signal?: AbortSignal;
  timeoutMs?: number;
  logger?: Logger;
}

export interface ProvisionOutcome {
  /** False when the minion already had this suite (and force was off). */
  provisioned: boolean;
  hash: string;
  result?: PlaybookResult;
}

/**
 * Provisions the minion when the suite's content hash differs from the one it recorded (or when
 * forced). A failure throws ProvisionError: the run must fail, not go on with a stale minion.
 */
export async function provisionIfNeeded(options: ProvisionOptions): Promise<ProvisionOutcome> {
  const hash = await suiteContentHash(options.suiteDir);
  if (!options.force && !(await needsProvisioning(options.runner, hash))) {
    options.logger?.info(
      { minion: options.minion.name, hash },
      'suite already installed: provisioning skipped',
    );
    return { provisioned: false, hash };
  }
  const result = await runPlaybook({
    playbook: options.playbook ?? MINION_PLAYBOOK,
    minion: options.minion,
    extraVars: {
      ...options.extraVars,
      benchrunner_suite_src: path.resolve(options.suiteDir),
      benchrunner_suite_hash: hash,
      benchrunner_work_dir: options.minion.workDir,
    },
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    logger: options.logger,
  });
  return { provisioned: true, hash, result };
}
