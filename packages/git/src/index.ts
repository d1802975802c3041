export type { ExecOptions, ExecResult } from './exec.ts';
export { GitError } from './exec.ts';
export type { GitMirrorOptions, Resolved } from './mirror.ts';
export { GitMirror, isRemoteUrl, mirrorDir, repositoryLocation, UnknownRefError } from './mirror.ts';
export type { TargetRequest, TargetResolverOptions } from './target.ts';
export { TargetResolver, targetLocation } from './target.ts';
