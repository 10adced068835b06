export { Block, type BlockJS, type CellArrayOf, type CellOf } from './block.js';
export { type BlockInit, type CellData, type CellValue, type NestedCells } from './block-builder.js';
export { type FromOptions } from './block-infer.js';
export { type ValidateOptions } from './block-decoder.js';
export { blockToJSON, blockInitFromJSON, formatTime, parseTime, type BlockJSON, type JsonValue } from './block-json.js';
export { ATTR, ATTR_NAMES, USER_ATTR_MIN, attributeCode, attributeName, type AttributesInit } from './attributes.js';
export {
  CELL_TYPES,
  CELL_TYPE_NAMES,
  MAX_RANK,
  NA_BOOL,
  NA_FLOAT32_BITS,
  NA_FLOAT64_WORDS,
  NA_INT16,
  NA_INT32,
  NA_INT64,
  NA_INT8,
  TIME_UNIT,
  cellType,
  cellTypeByCode,
  type CellArray,
  type CellType,
  type CellTypeInfo,
} from './cell-type.js';
export { HEADER_BYTES, MAX_BLOCK_BYTES } from './layout.js';
export { NPY_MEDIA_TYPE, decodeNpy, encodeNpy, readNpyHeader, type DecodeNpyOptions, type NpyHeader } from './npy.js';
