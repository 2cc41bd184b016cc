import type { GraphErrorFields, GraphErrorKind } from './graph-api.error';

/** The classification table of MESSENGER.md, row by row. */
export const CLASSIFICATION_ROWS: Array<{
  name: string;
  fields: Omit<GraphErrorFields, 'message'>;
  kind: GraphErrorKind;
}> = [
  { name: '1 unknown error', fields: { httpStatus: 500, code: 1 }, kind: 'transient' },
  { name: '2 service error', fields: { httpStatus: 503, code: 2 }, kind: 'transient' },
  { name: '1200 temporary send failure', fields: { httpStatus: 400, code: 1200 }, kind: 'transient' },
  { name: 'HTTP 500 without a code', fields: { httpStatus: 500 }, kind: 'transient' },
  { name: 'HTTP 502 without a code', fields: { httpStatus: 502 }, kind: 'transient' },
  { name: 'network error / timeout (no status)', fields: {}, kind: 'transient' },
  { name: '4 app rate limit', fields: { httpStatus: 400, code: 4 }, kind: 'throttled' },
  { name: '17 user rate limit', fields: { httpStatus: 400, code: 17 }, kind: 'throttled' },
  { name: '32 page rate limit', fields: { httpStatus: 400, code: 32 }, kind: 'throttled' },
  { name: '613 calls exceeded', fields: { httpStatus: 400, code: 613 }, kind: 'throttled' },
  { name: 'HTTP 429 without a code', fields: { httpStatus: 429 }, kind: 'throttled' },
  { name: 'HTTP 429 with code 100', fields: { httpStatus: 429, code: 100 }, kind: 'throttled' },
  { name: '551 person unavailable', fields: { httpStatus: 400, code: 551 }, kind: 'recipient' },
  {
    name: '100/2018001 no matching user',
    fields: { httpStatus: 400, code: 100, subcode: 2018001 },
    kind: 'recipient',
  },
  {
    name: '10/2018278 outside the window',
    fields: { httpStatus: 400, code: 10, subcode: 2018278 },
    kind: 'recipient',
  },
  { name: '190 invalid token', fields: { httpStatus: 400, code: 190 }, kind: 'auth' },
  { name: '190/460 token invalidated', fields: { httpStatus: 401, code: 190, subcode: 460 }, kind: 'auth' },
  { name: '200 permission', fields: { httpStatus: 403, code: 200 }, kind: 'auth' },
  { name: '230 permission (200-299)', fields: { httpStatus: 400, code: 230 }, kind: 'auth' },
  { name: '299 permission (200-299)', fields: { httpStatus: 400, code: 299 }, kind: 'auth' },
  { name: '10 permission without subcode', fields: { httpStatus: 400, code: 10 }, kind: 'auth' },
  { name: '368 policy block', fields: { httpStatus: 400, code: 368 }, kind: 'auth' },
  { name: '100 invalid parameter', fields: { httpStatus: 400, code: 100 }, kind: 'permanent' },
  { name: 'HTTP 404 without a code', fields: { httpStatus: 404 }, kind: 'permanent' },
  { name: 'other 4xx code (2500)', fields: { httpStatus: 400, code: 2500 }, kind: 'permanent' },
  { name: '300 is outside the permission range', fields: { httpStatus: 400, code: 300 }, kind: 'permanent' },
];
