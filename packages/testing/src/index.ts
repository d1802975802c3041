// Fixtures that start real services for tests. Each helper owns its section.

export { BENCHMARKS_FILE, machineLine, markdownTable, recordBenchmark } from './bench-report.ts';
export type { BrowserFixture } from './browser.ts';
// -- redis, browser, processes (service end to end)
export { CHROMIUM_FLAGS, CHROMIUM_PATH, launchBrowser } from './browser.ts';
// -- configuration docs and env schemas of the apps
export { SECRET_VARIABLE, undocumentedVariables } from './env-docs.ts';
// -- git (the suite's target repository)
export type { GitRepoFixture } from './git-repo.ts';
export { createGitRepository } from './git-repo.ts';
export type { Influxd, InfluxStatementResult, StartInfluxdOptions } from './influxd.ts';
// -- influxd, ipfs (publishing)
export { startInfluxd } from './influxd.ts';
export type { Ipfs, IpfsCommand } from './ipfs.ts';
export { startIpfs } from './ipfs.ts';
// -- shared
export { freePort, waitForPort } from './ports.ts';
// -- postgres (results database)
export type { PostgresFixture, TestDatabase } from './postgres.ts';
export { createTestDatabase, MACHINE_POSTGRES_URL, startPostgres } from './postgres.ts';
export type { Started } from './process.ts';
export { startProcess, waitForExit } from './process.ts';
export type { RedisFixture } from './redis.ts';
export { startRedis } from './redis.ts';
// -- run manifests (the archive)
export { sampleManifest } from './run-manifest.ts';
export type { SshdFixture } from './sshd.ts';
// -- sshd minion (minion runs over SSH)
export { publicKeyFingerprint, SSHD_TEST_USER, startSshd } from './sshd.ts';
// -- polling
export { waitFor } from './wait.ts';
