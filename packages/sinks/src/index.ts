export type { AnnotatedChange } from './annotation-points.ts';
export { ANNOTATION_MEASUREMENT, annotationPoints } from './annotation-points.ts';
export type { ArtifactReceipt, ArtifactStore } from './artifact-store.ts';
export { gatewayLink } from './artifact-store.ts';
export type { CarArtifactStoreOptions } from './car-artifact-store.ts';
export { CarArtifactStore, carRootCid, writeCar } from './car-artifact-store.ts';
export type { SinkErrorDetail } from './errors.ts';
export { isRetryable, MissingDatabaseError, SinkRejectedError, SinkUnavailableError } from './errors.ts';
export type { FolderEntry } from './folder-entries.ts';
export { listFolder } from './folder-entries.ts';
export type { InfluxMetricsSinkOptions, InfluxV1Options, InfluxV2Options } from './influx-metrics-sink.ts';
export { InfluxMetricsSink, toLine } from './influx-metrics-sink.ts';
export type { IpfsArtifactStoreOptions } from './ipfs-artifact-store.ts';
export { IpfsArtifactStore } from './ipfs-artifact-store.ts';
export type { MetricPoint, MetricsSink, MetricValue } from './metrics-sink.ts';
export type { RunPointsOptions } from './run-points.ts';
export {
  BENCHMARK_MEASUREMENT,
  MEASURE_SUFFIXES,
  RUN_MEASUREMENT,
  runBranch,
  runPoints,
} from './run-points.ts';
