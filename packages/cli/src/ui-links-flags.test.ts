import { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { uiLinksOption } from './ui-links-flags.js';

describe('--apps-url and --jobs-url', () => {
  it('ui links - http(s) URLs become the master uiLinks (no trailing slash); none given is no option', () => {
    expect(uiLinksOption({ appsUrl: 'http://apps.example:8080/', jobsUrl: 'https://jobs.example' })).toEqual({
      uiLinks: { appsUrl: 'http://apps.example:8080', jobsUrl: 'https://jobs.example' },
    });
    expect(uiLinksOption({})).toEqual({});
  });

  it('ui links - a URL that is not http(s) is refused naming its flag', () => {
    expect(() => uiLinksOption({ appsUrl: 'ftp://apps.example' })).toThrow(ValidationError);
    expect(() => uiLinksOption({ appsUrl: 'ftp://apps.example' })).toThrow(/--apps-url/);
    expect(() => uiLinksOption({ jobsUrl: 'not a url' })).toThrow(/--jobs-url/);
  });
});
