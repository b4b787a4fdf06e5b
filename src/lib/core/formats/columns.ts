import { Slot, Conv, Enc, type FieldDef } from '../slots';
import type { FormatSpec } from './spec';

// Column formats: W3C extended (IIS), CloudFront, AWS ALB and classic ELB. Column names are
// matched lower-case; the same names serve the "#Fields:" lines found in the logs.

const named = (name: string, label = `field:${name}`): FieldDef => ({ name, slot: Slot.Named, label });

/** W3C extended log fields (IIS and others). time-taken is in milliseconds here. */
const W3C_FIELDS: FieldDef[] = [
  { name: 'date', slot: Slot.Date },
  { name: 'time', slot: Slot.Clock },
  { name: 'date-local', slot: Slot.Date },
  { name: 'time-local', slot: Slot.Clock },
  { name: 'c-ip', slot: Slot.Ip },
  { name: 'cs-username', slot: Slot.User },
  { name: 'cs-method', slot: Slot.Method },
  { name: 'cs-uri-stem', slot: Slot.Path },
  { name: 'cs-uri-query', slot: Slot.Query },
  { name: 'cs-uri', slot: Slot.Uri },
  { name: 'cs-version', slot: Slot.Protocol },
  { name: 'sc-status', slot: Slot.Status },
  { name: 'c-status', slot: Slot.Status },
  { name: 'sc-bytes', slot: Slot.Bytes },
  // IIS writes milliseconds; W3C's own definition (and Netscaler) seconds: see "#Software:"
  { name: 'time-taken', slot: Slot.Duration, conv: Conv.Millis },
  { name: 'timetakenms', slot: Slot.Duration, conv: Conv.Millis },
  { name: 'cs(user-agent)', slot: Slot.UserAgent },
  { name: 'cs(referer)', slot: Slot.Referer },
  { name: 'cs(cookie)', slot: Slot.Cookie },
  { name: 'cs-host', slot: Slot.Host },
  { name: 'cs(host)', slot: Slot.Host },
  { name: 'x-forwarded-for', slot: Slot.Xff },
  { name: 'cs(x-forwarded-for)', slot: Slot.Xff },
  { name: 'x-originating-ip', slot: Slot.Xff },
  named('s-ip'),
  named('s-computername'),
  named('s-port'),
  named('s-sitename'),
  named('sc-substatus'),
  named('sc-win32-status'),
  named('cs-bytes')
];

/** IIS's default columns, for logs cut from their "#Fields:" header. */
const IIS_DEFAULT = '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken';

export const w3c: FormatSpec = {
  kind: 'columns',
  name: 'w3c',
  separator: 'space',
  quoted: true,
  minColumns: 4,
  header: IIS_DEFAULT,
  fields: W3C_FIELDS,
  enc: Enc.Plus,
  anchored: true
};

/** CloudFront standard logs: tab-separated, percent-encoded; time-taken in seconds. */
export const cloudfront: FormatSpec = {
  kind: 'columns',
  name: 'cloudfront',
  separator: 'tab',
  quoted: false,
  minColumns: 9,
  header:
    '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version',
  fields: [
    { name: 'date', slot: Slot.Date },
    { name: 'time', slot: Slot.Clock },
    { name: 'c-ip', slot: Slot.Ip },
    { name: 'cs-method', slot: Slot.Method },
    { name: 'cs-uri-stem', slot: Slot.Path },
    { name: 'cs-uri-query', slot: Slot.Query },
    { name: 'sc-status', slot: Slot.Status },
  { name: 'c-status', slot: Slot.Status },
    { name: 'sc-bytes', slot: Slot.Bytes },
    { name: 'time-taken', slot: Slot.Duration, conv: Conv.Seconds },
    { name: 'cs(user-agent)', slot: Slot.UserAgent },
    { name: 'cs(referer)', slot: Slot.Referer },
    { name: 'cs(cookie)', slot: Slot.Cookie },
    // the viewer's Host header, not the distribution's domain in cs(Host)
    { name: 'x-host-header', slot: Slot.Host },
    { name: 'x-forwarded-for', slot: Slot.Xff },
    { name: 'cs-protocol-version', slot: Slot.Protocol },
    named('cs(host)', 'field:distribution'),
    named('x-edge-location'),
    named('x-edge-result-type'),
    named('x-edge-request-id')
  ],
  enc: Enc.Percent
};

const ALB_COMMON: FieldDef[] = [
  { name: 'time', slot: Slot.Time, conv: Conv.Iso },
  { name: 'client:port', slot: Slot.Ip },
  { name: 'request_processing_time', slot: Slot.DurationPart },
  { name: 'target_processing_time', slot: Slot.DurationPart },
  { name: 'backend_processing_time', slot: Slot.DurationPart },
  { name: 'response_processing_time', slot: Slot.DurationPart },
  { name: 'elb_status_code', slot: Slot.Status },
  { name: 'sent_bytes', slot: Slot.Bytes },
  { name: 'request', slot: Slot.Request },
  { name: 'user_agent', slot: Slot.UserAgent },
  { name: 'domain_name', slot: Slot.Host },
  named('elb'),
  named('target:port'),
  named('backend:port'),
  named('target_status_code'),
  named('backend_status_code'),
  named('received_bytes'),
  named('trace_id'),
  named('error_reason'),
  named('classification'),
  named('classification_reason')
];

/** AWS Application Load Balancer access logs (the first column is the connection type). */
export const alb: FormatSpec = {
  kind: 'columns',
  name: 'alb',
  separator: 'space',
  quoted: true,
  minColumns: 14,
  header:
    '#Fields: type time elb client:port target:port request_processing_time target_processing_time response_processing_time elb_status_code target_status_code received_bytes sent_bytes request user_agent ssl_cipher ssl_protocol target_group_arn trace_id domain_name chosen_cert_arn matched_rule_priority request_creation_time actions_executed redirect_url error_reason target:port_list target_status_code_list classification classification_reason conn_trace_id',
  fields: ALB_COMMON,
  enc: Enc.Log
};

/** AWS classic Elastic Load Balancer access logs. */
export const elb: FormatSpec = {
  kind: 'columns',
  name: 'elb',
  separator: 'space',
  quoted: true,
  minColumns: 12,
  header:
    '#Fields: time elb client:port backend:port request_processing_time backend_processing_time response_processing_time elb_status_code backend_status_code received_bytes sent_bytes request user_agent ssl_cipher ssl_protocol',
  fields: ALB_COMMON,
  enc: Enc.Log
};
