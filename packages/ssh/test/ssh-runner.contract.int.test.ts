import { startSshd } from '@benchrunner/testing';
import { SshRunner } from '../src/ssh-runner.ts';
import { runnerContract } from './runner-contract.ts';

runnerContract('SshRunner', async () => {
  const sshd = await startSshd();
  const minion = sshd.minion('contract');
  return {
    open: () => SshRunner.connect(minion),
    dispose: () => sshd.stop(),
  };
});
