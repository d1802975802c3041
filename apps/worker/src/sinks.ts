import {
  type ArtifactStore,
  CarArtifactStore,
  InfluxMetricsSink,
  IpfsArtifactStore,
  type MetricsSink,
} from '@benchrunner/sinks';
import type { WorkerEnv } from './env.ts';

/** The artifact store and metrics sink the environment asks for (the embedded default: CAR files, no metrics). */
export function sinksFromEnv(
  env: WorkerEnv,
  archiveRoot: string,
): { artifactStore?: ArtifactStore; metricsSink?: MetricsSink } {
  let artifactStore: ArtifactStore | undefined;
  if (env.ARTIFACT_STORE === 'car') {
    artifactStore = new CarArtifactStore({
      outDir: archiveRoot,
      ...(env.IPFS_GATEWAY_URL ? { gatewayUrl: env.IPFS_GATEWAY_URL } : {}),
    });
  } else if (env.ARTIFACT_STORE === 'ipfs') {
    const auth = env.IPFS_BEARER_TOKEN
      ? { bearer: env.IPFS_BEARER_TOKEN }
      : env.IPFS_USERNAME
        ? { username: env.IPFS_USERNAME, password: env.IPFS_PASSWORD ?? '' }
        : undefined;
    artifactStore = new IpfsArtifactStore({
      url: env.IPFS_API_URL!,
      ...(auth ? { auth } : {}),
      ...(env.IPFS_GATEWAY_URL ? { gatewayUrl: env.IPFS_GATEWAY_URL } : {}),
    });
  }
  let metricsSink: MetricsSink | undefined;
  if (env.INFLUX_URL) {
    metricsSink =
      env.INFLUX_API === 'v2'
        ? new InfluxMetricsSink({
            api: 'v2',
            url: env.INFLUX_URL,
            bucket: env.INFLUX_BUCKET!,
            ...(env.INFLUX_ORG ? { org: env.INFLUX_ORG } : {}),
            ...(env.INFLUX_TOKEN ? { token: env.INFLUX_TOKEN } : {}),
          })
        : new InfluxMetricsSink({
            api: 'v1',
            url: env.INFLUX_URL,
            database: env.INFLUX_DB,
            ...(env.INFLUX_RP ? { retentionPolicy: env.INFLUX_RP } : {}),
            ...(env.INFLUX_USERNAME ? { username: env.INFLUX_USERNAME } : {}),
            ...(env.INFLUX_PASSWORD ? { password: env.INFLUX_PASSWORD } : {}),
          });
  }
  return { ...(artifactStore ? { artifactStore } : {}), ...(metricsSink ? { metricsSink } : {}) };
}
