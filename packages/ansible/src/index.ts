export { loadInventory, parseInventory } from './inventory.ts';
export type { PlaybookResult, ProvisionFailure, RunPlaybookOptions, TaskOutcome } from './playbook.ts';
export { ProvisionError, runPlaybook } from './playbook.ts';
export type { ProvisionOptions, ProvisionOutcome } from './provision.ts';
export { MINION_PLAYBOOK, provisionIfNeeded } from './provision.ts';
export {
  needsProvisioning,
  SUITE_EXCLUDES,
  suiteContentHash,
  suiteDirOnMinion,
  suiteHashFile,
} from './suite-hash.ts';
