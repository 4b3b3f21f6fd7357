/**
 * Every `eventType` Marathon 1.10 sends on `/v2/events` (its event bus documentation and
 * event classes). The apps framework emits only these, so a Marathon client's handlers
 * (which switch on the type) never meet one they do not know; `EventBus.emit` takes no other.
 */
export const MARATHON_EVENT_TYPES = [
  'api_post_event',
  'status_update_event',
  'framework_message_event',
  'subscribe_event',
  'unsubscribe_event',
  'event_stream_attached',
  'event_stream_detached',
  'add_health_check_event',
  'remove_health_check_event',
  'failed_health_check_event',
  'health_status_changed_event',
  'unhealthy_task_kill_event',
  'unhealthy_instance_kill_event',
  'group_change_success',
  'group_change_failed',
  'deployment_success',
  'deployment_failed',
  'deployment_info',
  'deployment_step_success',
  'deployment_step_failure',
  'app_terminated_event',
  'instance_changed_event',
  'unknown_instance_terminated_event',
  'instance_health_changed_event',
  'pod_created_event',
  'pod_updated_event',
  'pod_deleted_event',
  'scheduler_registered_event',
  'scheduler_reregistered_event',
  'scheduler_disconnected_event',
] as const;

export type MarathonEventType = (typeof MARATHON_EVENT_TYPES)[number];
