/** Where the web UI finds the apps (Marathon) and jobs (Metronome) APIs, when they run beside the master. */
export interface UiLinks {
  appsUrl?: string;
  jobsUrl?: string;
}
