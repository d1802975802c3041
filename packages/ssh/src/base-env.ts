/**
 * The only variables a command inherits from the environment it is started from (the worker's for
 * LocalRunner, the ssh session's for SshRunner); everything else it sees was passed to exec. The
 * worker's own environment holds secrets (API_KEYS, REDIS_URL, INFLUX_*) and, when it was started
 * through pnpm, npm_config_* and the launcher's node_modules/.bin on PATH.
 */
export const BASE_ENV_NAMES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TZ',
  'TMPDIR',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_ADDRESS',
  'LC_COLLATE',
  'LC_CTYPE',
  'LC_IDENTIFICATION',
  'LC_MEASUREMENT',
  'LC_MESSAGES',
  'LC_MONETARY',
  'LC_NAME',
  'LC_NUMERIC',
  'LC_PAPER',
  'LC_TELEPHONE',
  'LC_TIME',
] as const;

/** PATH entries npm and pnpm put first for their scripts: the launcher's tools, not the suite's. */
function launcherEntry(dir: string): boolean {
  return /(^|\/)node_modules\/\.bin\/?$/.test(dir) || /\/node-gyp-bin\/?$/.test(dir);
}

/** The base set taken from a Node environment, with the launcher's PATH entries removed. */
export function baseEnvironment(from: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of BASE_ENV_NAMES) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  if (env.PATH !== undefined) {
    env.PATH = env.PATH.split(':')
      .filter((dir) => !launcherEntry(dir))
      .join(':');
  }
  return env;
}

/**
 * `env -i` words that keep the base set of the shell's own environment, as shell text:
 * `${PATH+"PATH=$PATH"} ...` (a variable that is not set gives no word).
 */
export function shellBaseEnvironment(): string {
  return BASE_ENV_NAMES.map((name) => `\${${name}+"${name}=$${name}"}`).join(' ');
}
