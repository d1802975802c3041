import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseInventory } from '@benchrunner/ansible/inventory';
import { LocalRunner } from '@benchrunner/ssh';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateCommand } from '../src/commands/calibrate.ts';
import { runInProcess } from './in-process.ts';

const COMMANDS = [calibrateCommand];
let dir: string;
let sshd: SshdFixture;
let inventory: string;

/** An inventory with the loopback sshd as minion m1, plus `extra` under its host line. */
function inventoryText(extra = ''): string {
  const m = sshd.minion('m1');
  return `all:
  children:
    minions:
      hosts:
        m1:
          ansible_host: ${m.host}
          ansible_port: ${m.port}
          ansible_user: ${m.user}
          ansible_ssh_private_key_file: ${m.privateKeyFile}
          benchrunner_host_keys: ["${m.hostKeys[0]}"]
          benchrunner_work_dir: ${m.workDir}
${extra}`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'benchrunner-cli-calibrate-'));
  sshd = await startSshd();
  inventory = path.join(dir, 'inventory.yaml');
  await writeFile(inventory, inventoryText());
});

afterAll(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('benchrunner calibrate', () => {
  it('calibrates a minion of the inventory over SSH and prints the baseline as JSON', async () => {
    const run = await runInProcess(
      ['calibrate', '--minion', 'm1', '--runs', '3', '--seconds', '0.2', '--json'],
      {
        commands: COMMANDS,
        env: { INVENTORY_FILE: inventory, DATA_DIR: dir },
      },
    );
    expect(run.stderr).toMatch(/calibration 3\/3: cpu [\d.]+ ms/);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toMatchObject({ minion: 'm1', cpus: null, seconds: 0.2, baseline: { calibrations: 3 } });
    expect(printed.calibrations).toHaveLength(3);
    const { cpu, memory, suggested } = printed.baseline;
    for (const loop of [cpu, memory]) {
      expect(loop.level.min).toBeGreaterThan(0);
      expect(loop.level.min).toBeLessThanOrEqual(loop.level.max);
      expect(loop.spread).toBeCloseTo(((loop.level.max - loop.level.min) / loop.level.min) * 100, 6);
    }
    expect(suggested.maxShift).toBe(Math.max(1, Math.ceil(cpu.spread * 1.5)));
    expect(suggested.memoryMaxCv).toBe(Math.max(1, Math.ceil(memory.robustCv.max * 1.5)));
  });

  it('prints an inventory line the inventory loader takes, on this machine pinned to a CPU', async () => {
    const run = await runInProcess(['calibrate', '--runs', '2', '--seconds', '0.2', '--cpus', '0'], {
      commands: COMMANDS,
      env: { DATA_DIR: dir },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('2 calibrations of 0.2 s on local (cpus 0)');
    const line = run.stdout.split('\n').find((l) => l.trim().startsWith('benchrunner_noise:'));
    expect(line).toBeDefined();
    // Pasted under the minion as the output says, the inventory loader reads every threshold.
    const [m1] = parseInventory(inventoryText(`          ${line!.trim()}\n`), inventory);
    const numbers = line!.match(/\d+/g)!.map(Number);
    expect(m1?.noise).toEqual({
      maxCv: numbers[0],
      maxShift: numbers[1],
      memoryMaxCv: numbers[2],
      memoryMaxShift: numbers[3],
    });
  });

  it('waits for no run: a minion whose lock is held fails at once, naming the lock', async () => {
    const runner = new LocalRunner({ minion: 'local', workDir: path.join(dir, 'minions', 'local') });
    const lock = await runner.lock();
    try {
      const run = await runInProcess(['calibrate', '--runs', '2', '--seconds', '0.1'], {
        commands: COMMANDS,
        env: { DATA_DIR: dir },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/benchrunner calibrate: .*lock/i);
      expect(run.stdout).toBe('');
    } finally {
      await lock.release();
      await runner.close();
    }
  });

  it('names the flag or the minion that is wrong, without calibrating', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--runs', '1'], {}, /'--runs' must be a whole number from 2 to 1000/],
      [['--runs', '2.5'], {}, /'--runs' must be a whole number/],
      [['--runs', 'many'], {}, /'--runs' must be a number/],
      [['--seconds', '61'], {}, /'--seconds' must be above 0 and at most 60, got '61'/],
      [['--wait', '-5'], {}, /'--wait' must be a number/],
      [['--cpus', '0;reboot'], {}, /'--cpus' must be a CPU list/],
      [['--minion', 'm1'], {}, /--minion m1 needs INVENTORY_FILE/],
      [
        ['--minion', 'nope'],
        { INVENTORY_FILE: inventory },
        /no minion 'nope' in .*inventory\.yaml \(it has: m1\)/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const run = await runInProcess(['calibrate', ...args], {
        commands: COMMANDS,
        env: { DATA_DIR: dir, ...env },
      });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/calibration 1\//);
    }
  });
});
