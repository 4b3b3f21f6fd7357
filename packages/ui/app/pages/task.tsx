import type { TaskDetail } from '../api';
import { ago, cpus, mem, time } from '../format';
import { useLiveRefresh } from '../live';
import { LogView } from '../parts/log-view';
import { ErrorNote, Loading } from '../parts/notes';
import { StateBadge } from '../parts/state';
import { href } from '../router';
import { useFetch } from '../use-fetch';

export function TaskPage({ taskId }: { taskId: string }) {
  const task = useFetch<TaskDetail>(`/api/v1/ui/tasks/${encodeURIComponent(taskId)}`);
  useLiveRefresh(['task_updated'], task.reload);
  const t = task.data;
  return (
    <section aria-labelledby="task-h">
      <p class="crumbs">
        <a href={href(['tasks'])}>Tasks</a> /
      </p>
      <h1 id="task-h">
        Task {t?.name || taskId} {t ? <StateBadge state={t.state} /> : null}
      </h1>
      <ErrorNote error={task.error} />
      {!t ? (
        task.error ? null : (
          <Loading what="the task" />
        )
      ) : (
        <dl class="facts">
          <dt>Id</dt>
          <dd class="mono">{t.id}</dd>
          <dt>Framework</dt>
          <dd>
            <a href={href(['tasks'], { framework: t.frameworkId })}>{t.framework || t.frameworkId}</a>
          </dd>
          <dt>Agent</dt>
          <dd>
            <a href={href(['agents', t.agentId])}>{t.hostname || t.agentId}</a>
          </dd>
          <dt>Resources</dt>
          <dd>
            {cpus(Number(t.resources.cpus ?? 0))} cpu · {mem(Number(t.resources.mem ?? 0))}
            {t.resources.ports ? ` · ports ${t.resources.ports}` : ''}
          </dd>
          {t.image ? (
            <>
              <dt>Image</dt>
              <dd class="mono">{t.image}</dd>
            </>
          ) : null}
          {t.command ? (
            <>
              <dt>Command</dt>
              <dd class="mono">{t.command.shell ? t.command.value : [t.command.value, ...t.command.arguments].filter(Boolean).join(' ')}</dd>
            </>
          ) : null}
          <dt>Updated</dt>
          <dd>
            {time(t.updatedAt)} ({ago(t.updatedAt)})
          </dd>
          {t.reason || t.message ? (
            <>
              <dt>Last status</dt>
              <dd>{[t.reason, t.message].filter(Boolean).join(': ')}</dd>
            </>
          ) : null}
          {t.exitCode !== undefined ? (
            <>
              <dt>Exit code</dt>
              <dd>{t.exitCode}</dd>
            </>
          ) : null}
          {t.healthy !== undefined ? (
            <>
              <dt>Health</dt>
              <dd>{t.healthy ? 'healthy' : 'unhealthy'}</dd>
            </>
          ) : null}
        </dl>
      )}
      {task.error ? null : <LogView taskId={taskId} />}
    </section>
  );
}
