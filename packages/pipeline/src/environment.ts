import type { EnvironmentInfo } from '@benchrunner/core';
import type { CommandRunner } from '@benchrunner/ssh';

/**
 * A fixed script (no user input reaches it) that prints `key=value` lines about the minion. Every
 * probe tolerates a missing tool, so a minimal machine still reports what it can.
 */
const PROBE = `
[ -n "$1" ] && PATH="$1:$PATH"
v() { "$@" 2>/dev/null | head -n 1; }
echo "hostname=$(v hostname)"
echo "kernel=$(v uname -sr)"
echo "arch=$(v uname -m)"
echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
echo "cpu_model=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
echo "cpu_count=$(v getconf _NPROCESSORS_ONLN)"
echo "cpu_governor=$(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null || echo unknown)"
echo "turbo_disabled=$(cat /sys/devices/system/cpu/intel_pstate/no_turbo 2>/dev/null || echo unknown)"
echo "smt=$(cat /sys/devices/system/cpu/smt/control 2>/dev/null || echo unknown)"
echo "aslr=$(cat /proc/sys/kernel/randomize_va_space 2>/dev/null || echo unknown)"
echo "load_avg=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "mem_total_kb=$(grep -m1 MemTotal /proc/meminfo 2>/dev/null | tr -s ' ' | cut -d' ' -f2)"
echo "mem_available_kb=$(grep -m1 MemAvailable /proc/meminfo 2>/dev/null | tr -s ' ' | cut -d' ' -f2)"
echo "node=$(v node --version)"
echo "npm=$(v npm --version)"
echo "clinic=$(v clinic --version)"
echo "git=$(v git --version)"
[ -n "$2" ] && [ -f "$2/tuning.env" ] && grep -E '^tuning_[a-z_]+=' "$2/tuning.env" | head -n 20
exit 0
`;

/**
 * Captures the minion's environment for the run's manifest, with the outcome of the minion
 * playbook's tuning (`tuning_*` keys of `<workDir>/tuning.env`, written at provisioning).
 */
export async function captureEnvironment(
  runner: CommandRunner,
  options: {
    cwd: string;
    env: Record<string, string>;
    signal: AbortSignal;
    /** Folders (`a:b`) searched before PATH for the tools whose versions are reported. */
    toolPath?: string;
  },
): Promise<EnvironmentInfo> {
  const info: EnvironmentInfo = {};
  const result = await runner.exec(['sh', '-c', PROBE, 'sh', options.toolPath ?? '', runner.workDir], {
    cwd: options.cwd,
    env: options.env,
    signal: options.signal,
    timeoutMs: 30_000,
    onLine: (line) => {
      const eq = line.indexOf('=');
      if (eq > 0) info[line.slice(0, eq)] = line.slice(eq + 1).trim();
    },
  });
  if (result.exitCode !== 0) {
    throw new Error(`environment probe exited ${result.exitCode}: ${result.stderr.trim().slice(-500)}`);
  }
  return info;
}
