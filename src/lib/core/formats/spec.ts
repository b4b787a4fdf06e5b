import type { FieldDef, EncId } from '../slots';

// A format, as the engine sets it up in the core for one file. One parser per family in the core
// (assembly/formats/); the definitions of each named format live beside this file.

export type FormatSpec =
  /** NCSA common/combined and their vhost variants: one hand-written parser, named by what it saw. */
  | { kind: 'clf'; name: 'clf' }
  /** JSON lines; `fields` maps key paths to slots. */
  | { kind: 'json'; name: string; fields: FieldDef[] }
  /** Column formats; `header` is a "#Fields: …" line giving the columns until the log has its own. */
  | {
      kind: 'columns';
      name: string;
      separator: 'space' | 'tab';
      quoted: boolean;
      minColumns: number;
      header: string;
      fields: FieldDef[];
      enc: EncId;
      /** Until a "#Fields:" line comes, find IIS's columns by anchors rather than by `header`. */
      anchored?: boolean;
    }
  /** A pasted nginx log_format or Apache LogFormat, compiled to a program for the core. */
  | { kind: 'template'; name: string; program: Uint8Array; labels: string[]; enc: EncId };
