import { Code, type FileData, newUuid, type ReadTaskLogRequest, type ReadTaskLogResponseInit, TandemError, ValidationError } from '@tandem/protocol';
import type { ClusterView } from './cluster-view.js';
import type { TaskEntry } from './state-records.js';

const MAX_LOG_READ = 4 * 1024 * 1024;
const LOG_READ_TIMEOUT_MS = 10_000;

interface PendingRead {
  agentId: string;
  resolve: (data: ReadTaskLogResponseInit) => void;
  reject: (err: TandemError) => void;
  timer: NodeJS.Timeout;
}

/** Task log reads through the task's agent (`read_file` down its stream, `file_data` back). */
export class TaskLogReads {
  private readonly pendingReads = new Map<string, PendingRead>();

  constructor(private readonly books: Pick<ClusterView, 'agents' | 'tasks' | 'completed'>) {}

  /** Reads a task's stdout or stderr through its agent, once `authorize` (which throws to refuse) lets the caller see the task. */
  read(req: ReadTaskLogRequest, authorize: (task: TaskEntry) => void = () => {}): Promise<ReadTaskLogResponseInit> {
    if (!req.taskId) return Promise.reject(new ValidationError('task_id', 'is required'));
    const name = req.name || 'stdout';
    if (name !== 'stdout' && name !== 'stderr') return Promise.reject(new ValidationError('name', 'must be "stdout" or "stderr"'));
    const length = req.length || 64 * 1024;
    if (length > MAX_LOG_READ) return Promise.reject(new ValidationError('length', `must be at most ${MAX_LOG_READ}`));
    const task = [...this.books.tasks.values(), ...this.books.completed.values()].find((t) => t.id === req.taskId);
    if (!task) return Promise.reject(new TandemError(Code.NotFound, `task ${req.taskId.slice(0, 80)} is not known to the master`, { field: 'task_id' }));
    try {
      authorize(task);
    } catch (err) {
      return Promise.reject(TandemError.from(err));
    }
    const agent = this.books.agents.get(task.agentId);
    if (!agent?.link) return Promise.reject(new TandemError(Code.Unavailable, `agent ${task.agentId} of task ${task.id} is not connected`));
    const requestId = newUuid();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingReads.delete(requestId);
        reject(new TandemError(Code.DeadlineExceeded, `agent ${task.agentId} did not answer the log read in time`));
      }, LOG_READ_TIMEOUT_MS);
      timer.unref();
      this.pendingReads.set(requestId, { agentId: task.agentId, resolve, reject, timer });
      agent.link?.send({ readFile: { requestId, taskId: task.id, name, offset: req.offset, length } });
    });
  }

  /** An agent's answer to a read. */
  onFileData(agentId: string, data: FileData): void {
    const read = this.pendingReads.get(data.requestId);
    if (!read || read.agentId !== agentId) return;
    this.pendingReads.delete(data.requestId);
    clearTimeout(read.timer);
    if (data.error) read.reject(new TandemError(Code.NotFound, data.error));
    else read.resolve({ data: data.data, offset: data.offset, eof: data.eof, size: data.size });
  }

  /** Fails the reads waiting on an agent whose stream closed. */
  agentDisconnected(agentId: string): void {
    for (const [id, read] of this.pendingReads) {
      if (read.agentId !== agentId) continue;
      clearTimeout(read.timer);
      this.pendingReads.delete(id);
      read.reject(new TandemError(Code.Unavailable, `agent ${agentId} disconnected`));
    }
  }

  /** Fails every waiting read: the master is stopping. */
  stop(): void {
    for (const read of this.pendingReads.values()) {
      clearTimeout(read.timer);
      read.reject(new TandemError(Code.Unavailable, 'master is stopping'));
    }
    this.pendingReads.clear();
  }
}
