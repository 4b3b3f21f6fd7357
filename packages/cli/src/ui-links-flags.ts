import { ValidationError } from '@tandem/protocol';
import { z } from 'zod';

export const uiLinksSchema = z.object({ appsUrl: z.string().optional(), jobsUrl: z.string().optional() });

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(name, `must be an http:// or https:// URL, got ${JSON.stringify(value.slice(0, 100))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError(name, `must be an http:// or https:// URL, got ${url.protocol}`);
  return url.href.replace(/\/$/, '');
}

/** `{ uiLinks }` of the flags given, else `{}`; a URL that is not http(s) is a ValidationError naming its flag. */
export function uiLinksOption(o: z.output<typeof uiLinksSchema>): { uiLinks?: { appsUrl?: string; jobsUrl?: string } } {
  const appsUrl = o.appsUrl ? httpUrl(o.appsUrl, '--apps-url (TANDEM_APPS_URL)') : undefined;
  const jobsUrl = o.jobsUrl ? httpUrl(o.jobsUrl, '--jobs-url (TANDEM_JOBS_URL)') : undefined;
  if (!appsUrl && !jobsUrl) return {};
  return { uiLinks: { ...(appsUrl ? { appsUrl } : {}), ...(jobsUrl ? { jobsUrl } : {}) } };
}
