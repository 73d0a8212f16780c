/** Shared shapes for src/data. Kept free of src/tensor so the data layer stands alone. */

/** The typed arrays a dataset or padded matrix may hold. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

/**
 * A dense row-major array: what a tensor is made from without copying. `data.length` must equal
 * the product of `shape`.
 */
export interface ArrayData<T extends TypedArray = TypedArray> {
  data: T;
  shape: number[];
}

/** One labelled text corpus: texts[i] has label labels[i] (0 or 1). */
export interface TextClassificationData {
  texts: string[];
  /** float32 because binary cross-entropy consumes the targets as floats. */
  labels: Float32Array;
}
