import type { Plugin } from 'esbuild';
export declare const WORKER_SUFFIX: '?worker-source';
export declare function bundleWorker(file: string): Promise<string>;
export declare function workerPath(specifier: string, importer: string): string;
export declare const workerSourcePlugin: Plugin;
export declare const buildPlugins: Plugin[];
