import type { Plugin } from 'esbuild';
export declare const WORKER_SUFFIX: '?worker-source';
export declare function bundleWorker(file: string): string;
export declare function workerPath(specifier: string, importer: string): string;
export declare const workerSourcePlugin: Plugin;
