// Fixtures that start real services for tests. Each helper owns its section.

// -- shared
export { freePort, waitForPort } from './ports.ts';
export { BENCHMARKS_FILE, machineLine, markdownTable, recordBenchmark } from './bench-report.ts';

// -- redis, browser, processes (service end to end)
export { CHROMIUM_FLAGS, CHROMIUM_PATH, launchBrowser } from './browser.ts';
export type { BrowserFixture } from './browser.ts';
export { startProcess, waitForExit } from './process.ts';
export type { Started } from './process.ts';
export { startRedis } from './redis.ts';
export type { RedisFixture } from './redis.ts';

// -- sshd minion (minion runs over SSH)
export { SSHD_TEST_USER, publicKeyFingerprint, startSshd } from './sshd.ts';
export type { SshdFixture } from './sshd.ts';

// -- influxd, ipfs (publishing)
export { startInfluxd } from './influxd.ts';
export type { Influxd, InfluxStatementResult, StartInfluxdOptions } from './influxd.ts';
export { startIpfs } from './ipfs.ts';
export type { Ipfs, IpfsCommand } from './ipfs.ts';
