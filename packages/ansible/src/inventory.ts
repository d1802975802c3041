import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  CpuList,
  formatProblems,
  locatedProblems,
  Minion,
  MinionNoise,
  type Problem,
  parseYamlFile,
} from '@benchrunner/core';
import { z } from 'zod';

type SshMinion = Extract<Minion, { kind: 'ssh' }>;

const Fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be a SHA256:... fingerprint as `ssh-keygen -lf` prints it');

const KNOWN_VARS = [
  'benchrunner_host_keys',
  'benchrunner_known_hosts',
  'benchrunner_work_dir',
  'benchrunner_labels',
  'benchrunner_cpus',
  'benchrunner_noise',
  // Read by infrastructure/ansible/playbooks/minion.yaml (defaults in group_vars/minions.yaml).
  'benchrunner_node_major',
  'benchrunner_install_profilers',
  'benchrunner_clinic_version',
  'benchrunner_sync',
  'benchrunner_tune',
  'benchrunner_isolate_cpus',
];

/** The variables benchrunner reads for one minion (after group defaults are merged). */
const MinionVars = z
  .object({
    ansible_host: z.string().min(1).optional(),
    ansible_port: z
      .union([z.number(), z.string().regex(/^\d+$/, 'must be a port number').transform(Number)])
      .pipe(z.number().int().min(1).max(65535))
      .optional(),
    ansible_user: z.string({ error: 'is required (the SSH user on the minion)' }).min(1),
    ansible_ssh_private_key_file: z.string({ error: 'is required (the SSH key to log in with)' }).min(1),
    benchrunner_host_keys: z.array(Fingerprint).default([]),
    benchrunner_known_hosts: z.string().min(1).optional(),
    benchrunner_work_dir: z.string().startsWith('/', 'must be an absolute path').optional(),
    benchrunner_labels: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .default({}),
    /** CPUs the benchmarks run on (taskset) where the suite names none; the playbook may isolate them. */
    benchrunner_cpus: z.union([CpuList, z.number().int().min(0).transform(String)]).optional(),
    /** This minion's noise thresholds (`maxCv`, `maxShift`), where the suite sets none. */
    benchrunner_noise: MinionNoise.optional(),
  })
  // Other ansible_* and playbook variables are Ansible's business.
  .catchall(z.unknown())
  .superRefine((vars, ctx) => {
    for (const key of Object.keys(vars)) {
      if (key.startsWith('benchrunner_') && !KNOWN_VARS.includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown benchrunner variable (known: ${KNOWN_VARS.join(', ')})`,
        });
      }
    }
    if (vars.benchrunner_host_keys.length === 0 && !vars.benchrunner_known_hosts) {
      ctx.addIssue({
        code: 'custom',
        path: ['benchrunner_host_keys'],
        message:
          'pin the host key: set benchrunner_host_keys to its SHA256 fingerprint ' +
          '(`ssh-keyscan -p PORT HOST | ssh-keygen -lf -`) or benchrunner_known_hosts to a known_hosts file',
      });
    }
  });

/** The variables that become fields of the Minion (the playbook gets them back from those fields). */
const MAPPED_VARS = new Set(Object.keys(MinionVars.shape));

const Mapping = z.record(z.string(), z.unknown());

function expandPath(value: string, baseDir: string): string {
  if (value === '~' || value.startsWith('~/')) return path.join(os.homedir(), value.slice(1));
  return path.resolve(baseDir, value);
}

/**
 * Reads the minions from an Ansible inventory in the shape
 * `all.children.minions.hosts.<name>: { ansible_host, ansible_port, ansible_user,
 * ansible_ssh_private_key_file, benchrunner_host_keys, benchrunner_known_hosts,
 * benchrunner_work_dir, benchrunner_labels, benchrunner_cpus, benchrunner_noise }`, with defaults from `all.vars` and
 * `all.children.minions.vars`. Relative file paths are relative to the inventory's folder. Every
 * other variable (ansible_become, benchrunner_tune, ...) is kept in `playbookVars` and reaches the
 * minion playbook as a host variable. Errors name the file, the path in it and the line.
 */
export function parseInventory(text: string, file: string): SshMinion[] {
  const yaml = parseYamlFile(text, file, 'inventory');
  const root = yaml.doc.toJS() as unknown;
  const problems: Problem[] = [];
  const fail = (docPath: PropertyKey[], message: string) =>
    problems.push({ path: `${docPath.join('.') || '(root)'}${yaml.at(docPath)}`, message });

  const mappingAt = (
    value: unknown,
    docPath: PropertyKey[],
    required: boolean,
  ): Record<string, unknown> | undefined => {
    if (value === undefined || value === null) {
      if (required) fail(docPath, 'is required');
      return undefined;
    }
    const parsed = Mapping.safeParse(value);
    if (!parsed.success || Array.isArray(value)) {
      fail(docPath, 'must be a mapping');
      return undefined;
    }
    return parsed.data;
  };

  const all = mappingAt(Mapping.safeParse(root).data?.all, ['all'], true);
  const allVars = mappingAt(all?.vars, ['all', 'vars'], false) ?? {};
  const children = mappingAt(all?.children, ['all', 'children'], all !== undefined);
  const group = mappingAt(children?.minions, ['all', 'children', 'minions'], children !== undefined);
  const groupVars = mappingAt(group?.vars, ['all', 'children', 'minions', 'vars'], false) ?? {};
  const hosts = mappingAt(group?.hosts, ['all', 'children', 'minions', 'hosts'], group !== undefined) ?? {};
  if (group && Object.keys(hosts).length === 0 && problems.length === 0) {
    fail(['all', 'children', 'minions', 'hosts'], 'lists no minion');
  }

  const baseDir = path.dirname(path.resolve(file));
  const minions: SshMinion[] = [];
  for (const [name, value] of Object.entries(hosts)) {
    const hostPath = ['all', 'children', 'minions', 'hosts', name];
    const hostVars = value === null ? {} : mappingAt(value, hostPath, false);
    if (!hostVars) continue;
    const merged = { ...allVars, ...groupVars, ...hostVars };
    // Point each problem at the place the variable came from: the host, or the group default.
    const origin = (key: PropertyKey): PropertyKey[] => {
      if (typeof key === 'string' && !(key in hostVars)) {
        if (key in groupVars) return ['all', 'children', 'minions', 'vars'];
        if (key in allVars) return ['all', 'vars'];
      }
      return hostPath;
    };
    const vars = MinionVars.safeParse(merged);
    if (!vars.success) {
      problems.push(
        ...locatedProblems(yaml, vars.error.issues, (p) => (p.length ? [...origin(p[0]!), ...p] : hostPath)),
      );
      continue;
    }
    const v = vars.data;
    // Everything the fields below do not carry goes to the playbook as the host's variables.
    const playbookVars = Object.fromEntries(Object.entries(merged).filter(([key]) => !MAPPED_VARS.has(key)));
    const minion = Minion.safeParse({
      kind: 'ssh',
      name,
      host: v.ansible_host ?? name,
      port: v.ansible_port ?? 22,
      user: v.ansible_user,
      privateKeyFile: expandPath(v.ansible_ssh_private_key_file, baseDir),
      hostKeys: v.benchrunner_host_keys,
      knownHostsFile: v.benchrunner_known_hosts && expandPath(v.benchrunner_known_hosts, baseDir),
      workDir: v.benchrunner_work_dir,
      labels: v.benchrunner_labels,
      ...(v.benchrunner_cpus === undefined ? {} : { cpus: v.benchrunner_cpus }),
      ...(v.benchrunner_noise === undefined ? {} : { noise: v.benchrunner_noise }),
      ...(Object.keys(playbookVars).length > 0 ? { playbookVars } : {}),
    });
    if (!minion.success) {
      // The only field not checked above is the name: the host's key.
      problems.push(
        ...locatedProblems(yaml, minion.error.issues, () => hostPath).map((p) => ({
          ...p,
          message: `minion name ${p.message}`,
        })),
      );
      continue;
    }
    minions.push(minion.data as SshMinion);
  }
  if (problems.length > 0) {
    throw new ConfigError(`inventory ${file} is invalid:\n${formatProblems(problems)}`, problems);
  }
  return minions;
}

/** Reads and validates an inventory file. */
export async function loadInventory(file: string): Promise<SshMinion[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read inventory ${file}: ${(cause as Error).message}`, [], { cause });
  }
  return parseInventory(text, file);
}
