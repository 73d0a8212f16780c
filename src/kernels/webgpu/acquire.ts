/**
 * Finds a WebGPU implementation and an adapter: `navigator.gpu` in browsers, the `webgpu` npm
 * package (Dawn) in Node. On a Linux machine without a GPU driver, Dawn can still run on
 * SwiftShader (a Vulkan CPU implementation shipped by Chromium), which we point the Vulkan loader at
 * before Dawn creates its instance: the loader reads VK_ICD_FILENAMES only once per process, so a
 * second instance after a failed first try crashes Dawn (seen with webgpu@0.6 on Debian 12).
 */
export interface Acquired {
  adapter: GPUAdapter;
  device: GPUDevice;
  info: AdapterSummary;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  /** 'navigator.gpu' or 'dawn (node webgpu package)'. */
  via: string;
  /** Set when we pointed Vulkan at SwiftShader ourselves. */
  swiftshaderIcd?: string;
}

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json', '/opt/google/chrome/vk_swiftshader_icd.json'];

type NodeModules = { fs: typeof import('node:fs') };

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

async function nodeGpu(): Promise<{ gpu: GPU; icd?: string } | string> {
  // Kept out of static analysis so browser bundles never try to resolve these.
  const dyn = (m: string) => import(/* @vite-ignore */ m);
  const { fs } = { fs: (await dyn('node:fs')) as NodeModules['fs'] };
  let icd: string | undefined;
  const env = process.env;
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES) {
    // Mesa installs ICD files for Intel/AMD/lavapipe whether or not such a GPU exists (and
    // lavapipe does not work with Dawn), so look for a GPU device node instead.
    const gpuNode = fs.existsSync('/dev/nvidia0') || (fs.existsSync('/dev/dri') && fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD')));
    const swiftshader = SWIFTSHADER_ICDS.find((p) => fs.existsSync(p));
    if (!gpuNode && swiftshader) {
      env.VK_ICD_FILENAMES = swiftshader;
      icd = swiftshader;
    }
  }
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = await dyn('webgpu');
  } catch (e) {
    return `the optional package 'webgpu' (Dawn for Node) is not installed or failed to load (${(e as Error).message.split('\n')[0]})`;
  }
  // Dawn's constants (GPUBufferUsage, GPUMapMode, ...) are expected as globals, as in browsers.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return { gpu: mod.create([]), ...(icd ? { icd } : {}) };
}

let cachedNode: Promise<{ gpu: GPU; icd?: string } | string> | undefined;

/**
 * Node's WebGPU entry point (Dawn), with the Vulkan driver chosen as above; one per process. For
 * code that wants `navigator.gpu` itself in Node (the benchmarks hand it to TensorFlow.js).
 */
export function nodeWebGPU(): Promise<{ gpu: GPU; icd?: string } | string> {
  cachedNode ??= nodeGpu();
  return cachedNode;
}

/** Returns an adapter and device, or a sentence saying why WebGPU is unavailable. */
export async function acquireWebGPU(powerPreference: GPUPowerPreference = 'high-performance'): Promise<Acquired | string> {
  let gpu: GPU | undefined;
  let via = 'navigator.gpu';
  let icd: string | undefined;
  if (typeof navigator !== 'undefined' && (navigator as Navigator & { gpu?: GPU }).gpu) {
    gpu = (navigator as Navigator & { gpu: GPU }).gpu;
  } else if (isNode()) {
    const r = await nodeWebGPU();
    if (typeof r === 'string') return r;
    gpu = r.gpu;
    icd = r.icd;
    via = 'dawn (node webgpu package)';
  } else {
    return 'navigator.gpu is missing (WebGPU needs a secure context such as https or http://localhost, and a browser with WebGPU enabled)';
  }
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) {
    return via === 'navigator.gpu'
      ? 'navigator.gpu.requestAdapter() returned null (no usable GPU adapter)'
      : 'Dawn found no Vulkan adapter (install a GPU driver, or Debian\'s chromium package for SwiftShader, or set VK_ICD_FILENAMES)';
  }
  // Ask for what the adapter offers rather than the spec's defaults: bigger buffers, more workgroup memory.
  const want: (keyof GPUSupportedLimits)[] = [
    'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k] as number;
  const device = await adapter.requestDevice({ requiredLimits });
  const ai = adapter.info;
  const info: AdapterSummary = {
    vendor: ai?.vendor ?? '',
    architecture: ai?.architecture ?? '',
    description: ai?.description ?? '',
    isFallbackAdapter: !!(ai as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter || /swiftshader/i.test(`${ai?.vendor} ${ai?.architecture}`),
    via,
    ...(icd ? { swiftshaderIcd: icd } : {}),
  };
  return { adapter, device, info };
}
