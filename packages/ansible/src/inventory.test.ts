import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@benchrunner/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory, parseInventory } from './inventory.ts';

const FP = `SHA256:${'A'.repeat(43)}`;
const file = '/etc/benchrunner/inventory.yaml';

function problemsOf(text: string): string {
  try {
    parseInventory(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseInventory', () => {
  it('reads minions with group defaults, relative paths, labels and the variables for the playbook', () => {
    const minions = parseInventory(
      `all:
  vars:
    ansible_user: bench
    ansible_ssh_private_key_file: keys/id_ed25519
  children:
    minions:
      vars:
        benchrunner_work_dir: /srv/bench
        benchrunner_tune: true
      hosts:
        m1:
          ansible_host: 10.0.0.1
          ansible_become: true
          ansible_port: "2222"
          benchrunner_host_keys: [${FP}]
          benchrunner_labels: { cpu: xeon, cores: 8 }
        m2:
          ansible_user: other
          benchrunner_known_hosts: ./known_hosts
          benchrunner_work_dir: /opt/w
          ansible_python_interpreter: /usr/bin/python3
    controllers:
      hosts:
        c1: {}
`,
      file,
    );
    expect(minions).toEqual([
      {
        kind: 'ssh',
        name: 'm1',
        host: '10.0.0.1',
        port: 2222,
        user: 'bench',
        privateKeyFile: '/etc/benchrunner/keys/id_ed25519',
        hostKeys: [FP],
        knownHostsFile: undefined,
        workDir: '/srv/bench',
        labels: { cpu: 'xeon', cores: '8' },
        playbookVars: { benchrunner_tune: true, ansible_become: true },
      },
      {
        kind: 'ssh',
        name: 'm2',
        host: 'm2',
        port: 22,
        user: 'other',
        privateKeyFile: '/etc/benchrunner/keys/id_ed25519',
        hostKeys: [],
        knownHostsFile: '/etc/benchrunner/known_hosts',
        workDir: '/opt/w',
        labels: {},
        playbookVars: { benchrunner_tune: true, ansible_python_interpreter: '/usr/bin/python3' },
      },
    ]);
  });

  it('names the file, the path and the line of each problem', () => {
    const message = problemsOf(`all:
  children:
    minions:
      vars:
        ansible_user: bench
      hosts:
        m1:
          ansible_port: 99999
          ansible_ssh_private_key_file: k
          benchrunner_host_keys: [not-a-fingerprint]
        m2:
          ansible_ssh_private_key_file: k
          benchrunner_hostkeys: []
`);
    expect(message).toContain(file);
    expect(message).toMatch(/all\.children\.minions\.hosts\.m1\.ansible_port \(line 8, column \d+\)/);
    expect(message).toMatch(
      /hosts\.m1\.benchrunner_host_keys\[0\] \(line 10, column \d+\): must be a SHA256/,
    );
    expect(message).toMatch(
      /hosts\.m2\.benchrunner_hostkeys \(line 13, column \d+\): unknown benchrunner variable/,
    );
    expect(message).toMatch(/hosts\.m2\.benchrunner_host_keys \(line 12, column \d+\): pin the host key/);
  });

  it('points a bad group default at the group vars', () => {
    const message = problemsOf(`all:
  vars:
    ansible_user: ""
  children:
    minions:
      hosts:
        m1: { ansible_ssh_private_key_file: k, benchrunner_host_keys: [${FP}] }
`);
    expect(message).toMatch(/all\.vars\.ansible_user \(line 3, column \d+\)/);
  });

  it("reads a minion's CPUs and noise thresholds, and names a bad one", () => {
    const [m1, m2] = parseInventory(
      `all:
  vars: { ansible_user: u, ansible_ssh_private_key_file: k, benchrunner_host_keys: [${FP}] }
  children:
    minions:
      vars:
        benchrunner_noise: { maxCv: 20 }
      hosts:
        m1: { benchrunner_cpus: "2-3", benchrunner_noise: { maxCv: 5, maxShift: 4 } }
        m2: { benchrunner_cpus: 1 }
`,
      file,
    );
    expect(m1).toMatchObject({ cpus: '2-3', noise: { maxCv: 5, maxShift: 4 } });
    expect(m1?.playbookVars).toBeUndefined();
    expect(m2).toMatchObject({ cpus: '1', noise: { maxCv: 20 } });
    const message = problemsOf(`all:
  vars: { ansible_user: u, ansible_ssh_private_key_file: k, benchrunner_host_keys: [${FP}] }
  children:
    minions:
      hosts:
        m1:
          benchrunner_cpus: "2;3"
          benchrunner_noise: { maxCv: 0, seconds: 1 }
`);
    expect(message).toMatch(/hosts\.m1\.benchrunner_cpus \(line 7, column \d+\): .*CPU list/);
    expect(message).toMatch(/hosts\.m1\.benchrunner_noise\.maxCv \(line 8, column \d+\)/);
    expect(message).toMatch(/hosts\.m1\.benchrunner_noise \(line 8, column \d+\): .*seconds/);
  });

  it('reports YAML syntax errors and missing groups with lines', () => {
    expect(problemsOf('all:\n  children: [\n')).toMatch(/not valid YAML:\n {2}- line \d+, column \d+/);
    expect(problemsOf('all:\n  children:\n    others: {}\n')).toMatch(
      /all\.children\.minions \(line 3, column \d+\): is required/,
    );
    expect(problemsOf('all:\n  children:\n    minions:\n      hosts: {}\n')).toMatch(/lists no minion/);
    expect(
      problemsOf(`all:
  children:
    minions:
      hosts:
        "bad name":
          ansible_user: u
          ansible_ssh_private_key_file: k
          benchrunner_host_keys: [${FP}]
`),
    ).toMatch(/hosts\.bad name \(line 6, column \d+\): minion name must be/);
  });
});

describe('loadInventory', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('loads the example inventory of the repository', async () => {
    const example = path.resolve(
      import.meta.dirname,
      '../../../infrastructure/ansible/inventory.example.yaml',
    );
    const minions = await loadInventory(example);
    expect(minions.map((m) => m.name)).toEqual(['minion-1', 'minion-2']);
    expect(minions.map((m) => m.playbookVars)).toEqual([undefined, { benchrunner_tune: true }]);
  });

  it('says when the file cannot be read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'inventory-'));
    dirs.push(dir);
    await expect(loadInventory(path.join(dir, 'missing.yaml'))).rejects.toThrow(
      /cannot read inventory .*missing\.yaml/,
    );
    await writeFile(path.join(dir, 'empty.yaml'), '');
    await expect(loadInventory(path.join(dir, 'empty.yaml'))).rejects.toThrow(/all.*is required/);
  });
});
