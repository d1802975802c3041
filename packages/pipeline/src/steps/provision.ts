import type { Skipped } from './record.ts';
import type { RunScope } from './scope.ts';

/** Brings the minion up to date with the suite (Ansible), when the suite changed or when forced. */
export async function provisionMinion(
  scope: Pick<RunScope, 'deps' | 'runner' | 'suite' | 'signal' | 'log'>,
): Promise<Skipped | undefined> {
  const { provisioner } = scope.deps;
  if (!provisioner) return { skipped: 'local minion: the suite runs in place' };
  const reason = scope.deps.forceProvision ? 'forced' : await provisioner.needed(scope.runner, scope.suite);
  if (!reason) return { skipped: 'minion is up to date with the suite' };
  scope.log(`provisioning: ${reason}`);
  await provisioner.provision(scope.runner, scope.suite, { signal: scope.signal, log: scope.log });
  return undefined;
}
