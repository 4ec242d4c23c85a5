// schema.mjs: the JSON Schema of presets, written from the same tables preset.mjs checks them
// against (state.mjs for the playground, each widget's params), with the engine's catalog for
// the names it allows. `make` writes it to web/presets/preset.schema.json, where an editor that
// reads "$schema" completes and checks a teacher's file as it is typed.
import { KINDS, paramsOf } from './preset.mjs';

function valueSchema(p, catalog) {
  const d = p.label ? { description: p.label } : {};
  switch (p.type) {
    case 'enum':
      return { ...d, enum: p.values ?? p.catalog(catalog) };
    case 'number':
      return { ...d, type: 'number', minimum: p.min, maximum: p.max };
    case 'int':
      return { ...d, type: 'integer', minimum: p.min, maximum: p.max };
    case 'bool':
      return { ...d, type: 'boolean' };
    case 'text':
      return { ...d, type: 'string', maxLength: p.max };
    case 'path':
      return { ...d, type: 'string', pattern: '^[\\w][\\w./-]*\\.dlpm$', description: 'a .dlpm model file beside the page' };
    case 'list':
      return { ...d, type: 'array', items: { enum: p.values }, uniqueItems: true };
    case 'points':
      return {
        type: 'array', description: 'points placed by hand',
        items: { type: 'object', required: ['x', 'y', 'label'], additionalProperties: false, properties: { x: { type: 'number', minimum: -6, maximum: 6 }, y: { type: 'number', minimum: -6, maximum: 6 }, label: { type: 'integer', minimum: 0, maximum: 3 } } },
      };
    case 'layers':
      return { type: 'array', maxItems: 64, description: 'layers as in docs/api.md (the engine checks each)', items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } };
  }
  throw new Error(`no schema for type ${p.type}`);
}

/** The preset schema (draft 2020-12) for the engine's catalog. */
export async function presetSchema(catalog) {
  const kinds = [];
  for (const kind of KINDS) {
    const params = await paramsOf(kind), byName = Object.fromEntries(params.map((p) => [p.name, p]));
    kinds.push({
      if: { properties: { kind: { const: kind } } },
      then: {
        properties: {
          seed: valueSchema(byName.seed, catalog),
          hide: valueSchema(byName.hide, catalog),
          settings: { type: 'object', additionalProperties: false, properties: Object.fromEntries(params.map((p) => [p.name, valueSchema(p, catalog)])) },
        },
      },
    });
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'preset.schema.json',
    title: 'dlplay preset',
    description: 'A playground or a concept widget set up for a lesson (docs/embedding.md).',
    type: 'object',
    required: ['kind'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      kind: { enum: KINDS, description: 'playground, or a widget kind' },
      title: { type: 'string', maxLength: 120, description: 'the heading shown above it' },
      seed: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'random seed: the same preset replays the same run' },
      hide: { type: 'array', items: { type: 'string' }, description: 'controls, panels or figures to hide' },
      settings: { type: 'object', description: 'the settings of this kind, as its page link names them' },
    },
    allOf: kinds,
  };
}

// node web/js/embed/schema.mjs > web/presets/preset.schema.json
if (typeof process !== 'undefined' && import.meta.url === `file://${process.argv[1]}`) {
  const { load } = await import('../../dlplay/dlplay.mjs');
  const engine = await load();
  process.stdout.write(`${JSON.stringify(await presetSchema(engine.catalog), null, 2)}\n`);
}
