/** An image data set: x holds n images (C*H*W bytes each, channel-first), y their labels. */
export interface ImageSet {
  name: string;
  split: string;
  /** Class names, e.g. ['T-shirt/top', 'Trouser', ...] */
  labels: string[] | null;
  shape: [number, number, number];
  classes: number;
  n: number;
  /** How many samples have arrived (equals n once loaded). */
  count: number;
  x: Uint8Array;
  y: Uint8Array;
}

/** Parse an IDX file (unsigned bytes), as MNIST ships. */
export function parseIdx(bytes: ArrayBuffer | Uint8Array, what?: string): { dims: number[]; data: Uint8Array };
/** Encode images and labels as DLDS bytes (uncompressed). */
export function encodeDlds(set: { images: Uint8Array; labels: Uint8Array; shape: number[]; classes: number; meta?: object }): Uint8Array;
/** Decode whole (decompressed) DLDS bytes. */
export function decodeDlds(bytes: ArrayBuffer | Uint8Array): ImageSet;
/** Stream a gzipped DLDS file; onProgress sees set.count grow as records arrive. */
export function fetchDataset(url: string | URL, options?: { onProgress?: (set: ImageSet) => void; signal?: AbortSignal }): Promise<ImageSet>;
/** Node: read a gzipped DLDS file. */
export function readDataset(path: string): Promise<ImageSet>;
/** The first n samples (views, no copy). */
export function take(set: ImageSet, n: number): ImageSet;
export const MNIST_LABELS: string[];
export const FASHION_LABELS: string[];
