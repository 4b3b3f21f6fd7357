/** Where the jobs framework keeps its state in the shared Store. */
export const keys = {
  frameworkId: 'jobs-framework/id',
  job: (id: string) => `jobs/${id}`,
  jobs: 'jobs/',
  schedule: (jobId: string, scheduleId: string) => `schedules/${jobId}/${scheduleId}`,
  schedulesOf: (jobId: string) => `schedules/${jobId}/`,
  schedules: 'schedules/',
  run: (jobId: string, runId: string) => `runs/${jobId}/${runId}`,
  runsOf: (jobId: string) => `runs/${jobId}/`,
  runs: 'runs/',
  /** A run's RunSpec, written once when the run is created (stores before it kept the spec in the run record). */
  runSpec: (jobId: string, runId: string) => `run-specs/${jobId}/${runId}`,
  runSpecs: 'run-specs/',
  history: (jobId: string) => `history/${jobId}`,
  histories: 'history/',
  deps: (jobId: string) => `deps/${jobId}`,
  allDeps: 'deps/',
} as const;
