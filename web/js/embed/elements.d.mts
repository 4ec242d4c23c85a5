// Types for web/js/embed/elements.mjs: the <dl-playground> and <dl-widget> elements (docs/embedding.md).
// Importing the module defines both elements; it exports nothing.

/** A preset: a playground or a widget set up for a lesson (web/presets/preset.schema.json). */
export interface Preset {
  kind: string;
  title?: string | null;
  seed?: number;
  hide?: string[];
  settings?: Record<string, unknown>;
}

/** What both elements share. */
export interface DlElement extends HTMLElement {
  /** Resolves once the element has been built (or has shown why it could not be). */
  readonly ready: Promise<void>;
  /** The configuration as a preset, settings with seed and hide; null before it is built. */
  readonly config: { kind: string; title: string | null; settings: Record<string, unknown> } | null;
  /** Use a preset (an object or JSON text); rejects with a PresetError (its `problems`) and changes nothing. */
  configure(preset: Preset | string): Promise<void>;
  /** Start or resume (a playground started out of view waits until it is seen). */
  start(): void;
  /** Pause. */
  stop(): void;
  /** The key figures the element shows as text. */
  results(): Record<string, unknown> | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'dl-playground': DlElement;
    'dl-widget': DlElement;
  }
}
