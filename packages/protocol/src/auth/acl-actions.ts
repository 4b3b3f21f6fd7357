// The ACL vocabulary alone, importing nothing: the CLI's --help names it without loading the protocol.

/** Every ACL list, in the order the file documents them, and the object entity each rule names. */
export const ACL_OBJECTS = {
  register_frameworks: 'roles',
  run_tasks: 'users',
  run_images: 'images',
  register_agents: 'agents',
  teardown_frameworks: 'framework_principals',
  kill_tasks: 'framework_principals',
  view: 'framework_principals',
  update_weights: 'roles',
  update_quotas: 'roles',
  mark_agent_gone: 'agents',
  drain_agents: 'agents',
  deploy_apps: 'groups',
  run_jobs: 'jobs',
} as const;

/** What a caller wants to do: the name of an ACL list. */
export type AclAction = keyof typeof ACL_OBJECTS;
export const ACL_ACTIONS = Object.keys(ACL_OBJECTS) as AclAction[];

export function isAclAction(s: string): s is AclAction {
  return Object.hasOwn(ACL_OBJECTS, s);
}
