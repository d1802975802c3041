/**
 * POSIX shell quoting: the one place where an argument becomes shell text. Every byte is kept
 * literally inside single quotes; a single quote is written as `'\''`. Works in sh, dash, bash,
 * ksh and zsh (the minion user's login shell must be one of them).
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Quotes every element of argv and joins them with spaces. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export K='v'; ...` for an environment; names are checked, values quoted. Empty when none. */
export function shellExports(env: Readonly<Record<string, string>> | undefined): string {
  if (!env) return '';
  return Object.entries(env)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name))
        throw new TypeError(`not a valid environment variable name: ${JSON.stringify(name)}`);
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
}
