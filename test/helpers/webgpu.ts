import { WebGPUBackend, type WebGPUBackendOptions } from '../../src/kernels/webgpu/backend.js';

/**
 * A WebGPU backend for tests. Without an adapter the tests FAIL (CI must prove the kernels run);
 * a developer without WebGPU may opt out with WEBGRAD_SKIP_WEBGPU=1 outside CI.
 */
export async function webgpuForTests(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend | null> {
  const got = await WebGPUBackend.create(options);
  if (typeof got !== 'string') {
    if (!logged) {
      console.log(`[webgrad tests] WebGPU adapter: ${got.description} via ${got.adapter.via}`);
      logged = true;
    }
    return got;
  }
  if (process.env.WEBGRAD_SKIP_WEBGPU === '1' && !process.env.CI) {
    console.warn(`[webgrad tests] WebGPU skipped on request: ${got}`);
    return null;
  }
  throw new Error(`No WebGPU adapter: ${got}. Install Debian's chromium (SwiftShader) and libvulkan1, or set WEBGRAD_SKIP_WEBGPU=1 outside CI.`);
}
let logged = false;
