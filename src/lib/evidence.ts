// Which of a session's requests are the evidence of a label (SPEC §3: "each with the evidence that
// triggered it (the numbers, and the requests)"): the request table's "show only" for each label.
import type { LabelName } from './core/types';
import type { RequestFilter } from '../worker/api';

export type Show = 'all' | 'attacks' | 'auth' | '404' | 'ids' | '2xx' | '3xx' | '4xx' | '5xx';

export const SHOW_NAMES: Record<Show, string> = {
  all: 'all',
  attacks: 'attacks',
  auth: '401 and 403',
  '404': '404',
  ids: 'object ids',
  '2xx': '2xx',
  '3xx': '3xx',
  '4xx': '4xx',
  '5xx': '5xx'
};

export function filterOf(show: Show): RequestFilter {
  switch (show) {
    case 'all':
      return {};
    case 'attacks':
      return { attacksOnly: true };
    case 'auth':
      return { statuses: [401, 403] };
    case '404':
      return { statuses: [404] };
    case 'ids':
      return { idsOnly: true };
    default:
      return { statusClass: show };
  }
}

/** The requests that raised each label; 'all' where the label is about the whole session. */
export const EVIDENCE: Record<LabelName, Show> = {
  'security-crawler': 'attacks',
  'brute-force': 'auth',
  'forced-browsing': '404',
  enumeration: 'ids',
  scraping: 'all',
  'machine-timing': 'all',
  'library-agent': 'all',
  'slow-requests': 'all',
  'error-burst': '5xx'
};
