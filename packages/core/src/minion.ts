import { z } from 'zod';
import { MinionName } from './names.ts';
import { CpuList, NoiseSpec } from './suite.ts';

/** A minion's own noise thresholds (inventory `benchrunner_noise`): used where the suite sets none. */
export const MinionNoise = NoiseSpec.pick({
  maxCv: true,
  maxShift: true,
  memoryMaxCv: true,
  memoryMaxShift: true,
}).strict();
export type MinionNoise = z.infer<typeof MinionNoise>;

/** How to reach a minion. `local` runs on the controller itself (the embedded default). */
export const Minion = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('local'),
      name: MinionName,
      labels: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  z
    .object({
      kind: z.literal('ssh'),
      name: MinionName,
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(22),
      user: z.string().min(1),
      privateKeyFile: z.string().min(1),
      /** Pinned host key: `SHA256:<base64>` fingerprint(s); or use knownHostsFile. */
      hostKeys: z.array(z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/)).default([]),
      knownHostsFile: z.string().optional(),
      /** Folder on the minion for the suite, the run's output and its lock. */
      workDir: z.string().min(1).default('/tmp/benchrunner'),
      labels: z.record(z.string(), z.string()).default({}),
      /**
       * The inventory's other variables for this host (Ansible's own, such as ansible_become, and the
       * minion playbook's benchrunner_* settings), handed to ansible-playbook as the host's variables.
       * Never shown by the API: they may hold secrets.
       */
      playbookVars: z.record(z.string(), z.unknown()).optional(),
      /** CPUs the suite's benchmarks run on here (`taskset -c`) when the suite names none. */
      cpus: CpuList.optional(),
      noise: MinionNoise.optional(),
    })
    .strict(),
]);
export type Minion = z.infer<typeof Minion>;

/** The minion of the embedded default. */
export const LOCAL_MINION: Minion = { kind: 'local', name: 'local', labels: {} };
