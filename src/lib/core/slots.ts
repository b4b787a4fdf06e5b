// Mirrors of the core's enums (assembly/fields.ts, assembly/index.ts): keep them in step.

export const Slot = {
  Time: 1,
  Ip: 2,
  Xff: 3,
  User: 4,
  Method: 5,
  Uri: 6,
  Path: 7,
  Query: 8,
  Protocol: 9,
  Request: 10,
  Status: 11,
  Bytes: 12,
  Duration: 13,
  UserAgent: 14,
  Referer: 15,
  Host: 16,
  Cookie: 17,
  Date: 18,
  Clock: 19,
  Named: 20,
  DurationPart: 21
} as const;
export type SlotId = (typeof Slot)[keyof typeof Slot];
export const SLOTS = 22;

export const Conv = { Default: 0, Clf: 1, Iso: 2, Epoch: 3, Seconds: 4, Millis: 5, Micros: 6, Nanos: 7 } as const;
export type ConvId = (typeof Conv)[keyof typeof Conv];

/** How a format escapes its strings; stored with every interned value. */
export const Enc = { Log: 0, Json: 1, Plus: 2, Percent: 3 } as const;
export type EncId = (typeof Enc)[keyof typeof Enc];

export const CoreFormat = { Clf: 1, Json: 2, Delimited: 3, Template: 4 } as const;

/** A field of a format: its name (a JSON path is its keys joined by "\0"), slot, conversion. */
export interface FieldDef {
  name: string;
  slot: SlotId;
  conv?: ConvId;
  /** For Slot.Named: the name the field is kept under ("header:x-api-key", "cookie:sid", …). */
  label?: string;
  /** When two fields fill one slot, the lower priority wins (default 0). */
  prio?: number;
}
