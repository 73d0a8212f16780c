/** Fills `{{NAME}}` placeholders of a WGSL template; a placeholder left unfilled is a bug. */
export function fillTemplate(source: string, values: Record<string, string | number>): string {
  return source.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`WGSL template placeholder {{${k}}} has no value`);
    return String(values[k]);
  });
}

export const WG = 256;

/** Splits `groups` workgroups over x and y so neither exceeds the 65,535 per-dimension limit. */
export function grid(groups: number): [number, number, number] {
  if (groups <= 65535) return [Math.max(groups, 0), 1, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y, 1];
}

export function wgslType(dtype: 'float32' | 'int32'): 'f32' | 'i32' {
  return dtype === 'int32' ? 'i32' : 'f32';
}
