/** A user's data set read in Node. */
export interface UserData {
  x: Float32Array | Uint8Array;
  y: Uint8Array;
  n: number;
  shape: number[];
  classes: number;
  labels: string[];
}
/** A CSV of numbers with a label column (named "label", or the first; see the options). */
export type CsvOptions = { label?: string | number; header?: boolean; shape?: number[] };
export function loadCsv(path: string, options?: CsvOptions): Promise<UserData & { x: Float32Array }>;
/** loadCsv's parser on text already read; `where` names the source in errors (default 'CSV'). */
export function parseCsv(text: string, options?: CsvOptions, where?: string): UserData & { x: Float32Array };
/** One subfolder per class of PNG / PGM / PPM images of one size; x is channel-first bytes. */
export function loadImageFolder(dir: string, options?: { channels?: 1 | 3 }): Promise<UserData & { x: Uint8Array }>;
/** Decode PNG (8-bit, non-interlaced) or binary PGM/PPM into channel-first pixels. */
export function decodeImage(bytes: Uint8Array, channels?: 1 | 3): { width: number; height: number; data: Uint8Array };
