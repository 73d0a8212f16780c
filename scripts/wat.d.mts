import type { Plugin } from 'esbuild';
export declare function watModule(file: string): string;
export declare const watPlugin: Plugin;
