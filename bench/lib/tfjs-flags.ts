// Browser-safe: the page bundle and the Node bench read TF.js's environment alike.
import type * as tfc from '@tensorflow/tfjs-core';

/** A TF.js environment flag, or undefined where this build does not register it (env.get throws). */
export function tfjsFlag(tf: typeof tfc, name: string): ReturnType<tfc.Environment['get']> | undefined {
  try {
    return tf.env().get(name);
  } catch {
    return undefined;
  }
}
