/** Lifecycle of the jobs framework itself. */
export type JobsFrameworkState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';
